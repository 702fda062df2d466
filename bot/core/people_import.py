"""Importing people from a CSV file: parse, resolve, preview, apply. Transport-neutral: the web
dashboard's upload uses it, and a chat command can later.

The columns: `id` (Slack id, Entra object id, or console name), `email`, `name`, `language`,
`time zone`, `department`, `manager` (id or email), `role` (learner or mentor). Headers are read in any
case and spacing; `,` or `;` separates values (Excel in France writes `;`); the file is UTF-8, with or
without a byte-order mark. An empty cell leaves what Tandem knows unchanged.

Everything is checked before anything is written: any problem (each with its line number) means nothing
is imported. People are created on the importing admin's platform and workspace. Importing is an
invitation, never an enrollment: enrolling needs the admin's explicit choice of a cohort, and then
runs the `enroll` command as that admin.

1. `parse(data, platform=...)`: the rows, or the problems, without I/O.
2. `resolve(rows, ...)`: each row's person key, asking the platform's directory for emails.
3. `preview(session, entries, ...)`: against the database: who is new, who changes (which fields), who
   stays the same, who cannot be reached yet; managers found and reporting lines without loops.
4. `apply(session, plan, ...)`: all of it, in the caller's transaction, the same whichever channel the
   file came from (the dashboard, or `people import` in a chat): people it resolves become reachable,
   and the import is what the importer's `invite <cohort> imported` names.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from zoneinfo import available_timezones

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.args import PENDING_REASON, city_key, parse_zone, similar_zones
from bot.core.context import Services
from bot.core.directory import Directory, DirectoryError
from bot.core.errors import UserError
from bot.core.events import Actor, Event
from bot.core.text import clean, clean_name
from bot.i18n import register, t
from lessons import LANGS
from storage import activity, cohorts, keys, people, reachability
from storage import people_import as store
from storage.enums import AuditOutcome, LangSource, PendingKind, PersonRole
from storage.models import Person

register(
    {
        "dash.import.line": {"en": "Line {line}: {problem}", "fr": "Ligne {line} : {problem}"},
        "dash.import.empty": {
            "en": "The file is empty. Put the column names on the first line, then one person a line.",
            "fr": "Le fichier est vide. Mettez les noms des colonnes sur la première ligne, puis une "
            "personne par ligne.",
        },
        "dash.import.no_rows": {
            "en": "The file has column names but nobody in it.",
            "fr": "Le fichier a des noms de colonnes mais personne dedans.",
        },
        "dash.import.encoding": {
            "en": "This file is not UTF-8 text (the first bad character is here). Save it as UTF-8 "
            "(in Excel: “CSV UTF-8”) and upload it again.",
            "fr": "Ce fichier n’est pas du texte UTF-8 (le premier caractère illisible est ici). "
            "Enregistrez-le en UTF-8 (dans Excel : « CSV UTF-8 ») et chargez-le à nouveau.",
        },
        "dash.import.binary": {
            "en": "This is not a CSV file. Save the sheet as CSV (UTF-8) and upload that.",
            "fr": "Ce n’est pas un fichier CSV. Enregistrez la feuille au format CSV (UTF-8) et "
            "chargez ce fichier.",
        },
        "dash.import.too_many": {
            "en": "The file has more than {limit} people. Split it into files of {limit} or fewer.",
            "fr": "Le fichier compte plus de {limit} personnes. Découpez-le en fichiers de {limit} "
            "personnes au plus.",
        },
        "dash.import.unknown_column": {
            "en": "unknown column `{column}`. The columns are: {expected}.",
            "fr": "colonne inconnue `{column}`. Les colonnes sont : {expected}.",
        },
        "dash.import.missing_column": {
            "en": "the column `{column}` is missing. The columns are: {expected}.",
            "fr": "il manque la colonne `{column}`. Les colonnes sont : {expected}.",
        },
        "dash.import.repeated_column": {
            "en": "the column `{column}` appears twice.",
            "fr": "la colonne `{column}` apparaît deux fois.",
        },
        "dash.import.extra_values": {
            "en": "{count} values, but there are only {columns} columns. Is a `{delimiter}` missing "
            "quotes around it?",
            "fr": "{count} valeurs, mais seulement {columns} colonnes. Un `{delimiter}` devrait-il être "
            "entre guillemets ?",
        },
        "dash.import.no_id": {
            "en": "give an `id` or an `email`.",
            "fr": "indiquez un `id` ou un `email`.",
        },
        "dash.import.console_needs_id": {
            "en": "console people need an `id` (their console name).",
            "fr": "les personnes de la console ont besoin d’un `id` (leur nom dans la console).",
        },
        "dash.import.bad_id": {
            "en": "`{value}` is not a {platform} id ({example}).",
            "fr": "`{value}` n’est pas un identifiant {platform} ({example}).",
        },
        "dash.import.bad_email": {
            "en": "`{value}` is not an email address.",
            "fr": "`{value}` n’est pas une adresse e-mail.",
        },
        "dash.import.bad_language": {
            "en": "`{value}` is not a language Tandem speaks: write `en` or `fr`.",
            "fr": "`{value}` n’est pas une langue que Tandem parle : écrivez `en` ou `fr`.",
        },
        "dash.import.bad_tz": {
            "en": "`{value}` is not a time zone. Use a name like `Europe/Paris`.",
            "fr": "`{value}` n’est pas un fuseau horaire. Utilisez un nom comme `Europe/Paris`.",
        },
        "dash.import.bad_tz_hint": {
            "en": "`{value}` is not a time zone. Did you mean {zones}?",
            "fr": "`{value}` n’est pas un fuseau horaire. Vouliez-vous dire {zones} ?",
        },
        "dash.import.bad_role": {
            "en": "`{value}` is not a role: write `learner` or `mentor`.",
            "fr": "`{value}` n’est pas un rôle : écrivez `learner` (apprenant) ou `mentor`.",
        },
        "dash.import.too_long": {
            "en": "the `{column}` is too long ({length} characters, {limit} at most).",
            "fr": "la valeur de `{column}` est trop longue ({length} caractères, {limit} au plus).",
        },
        "dash.import.duplicate_id": {
            "en": "the id `{value}` is already on line {first}.",
            "fr": "l’id `{value}` figure déjà ligne {first}.",
        },
        "dash.import.duplicate_email": {
            "en": "the email `{value}` is already on line {first}.",
            "fr": "l’e-mail `{value}` figure déjà ligne {first}.",
        },
        "dash.import.email_taken": {
            "en": "the email `{value}` belongs to {name}, who has another id.",
            "fr": "l’e-mail `{value}` appartient à {name}, qui a un autre id.",
        },
        "dash.import.no_manager": {
            "en": "the manager `{value}` is neither in this file nor known to Tandem.",
            "fr": "le manager `{value}` n’est ni dans ce fichier ni connu de Tandem.",
        },
        "dash.import.cycle": {
            "en": "the reporting line loops back here: {chain}.",
            "fr": "la ligne hiérarchique revient sur elle-même : {chain}.",
        },
        "dash.import.reason.pending_install": {
            "en": "waits until they open Tandem in Teams",
            "fr": "en attente de leur première ouverture de Tandem dans Teams",
        },
        "dash.import.reason.not_found": {
            "en": "no {platform} account has this email yet",
            "fr": "aucun compte {platform} n’a encore cet e-mail",
        },
        "dash.import.reason.lookup_failed": {
            "en": "{platform} could not be asked just now; import again later to resolve them",
            "fr": "{platform} n’a pas pu être interrogé ; importez à nouveau plus tard pour les trouver",
        },
        "dash.import.reason.unreachable": {
            "en": "already known but out of reach",
            "fr": "déjà connu mais injoignable",
        },
        "dash.import.field.name": {"en": "name", "fr": "nom"},
        "dash.import.field.email": {"en": "email", "fr": "e-mail"},
        "dash.import.field.lang": {"en": "language", "fr": "langue"},
        "dash.import.field.tz": {"en": "time zone", "fr": "fuseau horaire"},
        "dash.import.field.department": {"en": "department", "fr": "service"},
        "dash.import.field.manager": {"en": "manager", "fr": "manager"},
        "dash.import.field.role": {"en": "role", "fr": "rôle"},
        "dash.import.field.key": {"en": "platform account", "fr": "compte sur la plateforme"},
    }
)

MAX_ROWS = 5_000
"""The most people one file may hold: a bigger organisation imports in several files."""
MAX_BYTES = 2_000_000
"""The largest file accepted (5,000 people take about 1 MB)."""
COLUMNS = ("id", "email", "name", "language", "time zone", "department", "manager", "role")
REQUIRED = ("id", "email", "name")
ALIASES = {
    "timezone": "time zone", "tz": "time zone", "zone": "time zone", "fuseau": "time zone",
    "fuseau horaire": "time zone", "lang": "language", "langue": "language", "e mail": "email",
    "mail": "email", "nom": "name", "service": "department", "departement": "department",
    "département": "department", "rôle": "role", "identifiant": "id",
}  # fmt: skip
LIMITS = {"id": 100, "email": 320, "name": 200, "department": 120, "manager": 320}
LANG_WORDS = {
    "en": "en", "english": "en", "anglais": "en", "fr": "fr", "french": "fr", "français": "fr",
    "francais": "fr",
}  # fmt: skip
ROLE_WORDS = {
    "learner": PersonRole.LEARNER, "apprenant": PersonRole.LEARNER, "apprenante": PersonRole.LEARNER,
    "mentor": PersonRole.MENTOR, "mentore": PersonRole.MENTOR,
}  # fmt: skip
EMAIL_RE = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"'.]+")
ID_RULES = {
    "slack": (re.compile(r"[UW][A-Z0-9]{2,20}"), "U0123ABCD"),
    "teams": (
        re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        "8f2c…-…-…-…-… (Entra object id)",
    ),
    "console": (re.compile(r"[A-Za-z0-9][\w.\-]{0,79}"), "ann.lee"),
}
PLATFORM_NAMES = {"slack": "Slack", "teams": "Microsoft Teams", "console": "console"}
FIELDS = ("name", "email", "lang", "tz", "department", "manager", "role")


# --- problems ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the file: where (its line, None for the whole file) and what, in words
    chosen by the reader's language."""

    line: int | None
    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        problem = t(self.key, lang, **self.values)
        return problem if self.line is None else t("dash.import.line", lang, line=self.line, problem=problem)


def texts(problems: Sequence[Problem], lang: str) -> list[str]:
    """The problems in words, by line."""
    ordered = sorted(problems, key=lambda p: (p.line or 0, p.key))
    return [problem.text(lang) for problem in ordered]


# --- 1. parsing -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One person as the file gives them (None: the cell was empty, or the column absent)."""

    line: int
    id: str | None = None
    email: str | None = None
    name: str | None = None
    lang: str | None = None
    tz: str | None = None
    department: str | None = None
    manager: str | None = None
    role: str | None = None


@dataclass(slots=True)
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    named: set[str] = field(default_factory=set)
    """The ids and emails of every line, good or bad (lower-case): a manager on a bad line is not also
    reported as missing."""


def column_of(header: str) -> str:
    """A header as the importer knows it: case, spacing, `_` and `-` forgiven (`Time_Zone` -> time zone)."""
    words = re.sub(r"[\s_\-]+", " ", header.strip().strip("\ufeff").lower()).strip()
    return ALIASES.get(words, words)


def expected_columns() -> str:
    return ", ".join(f"`{name}`" for name in COLUMNS)


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """The file as text: UTF-8 with or without a BOM. Anything else is a problem that says where."""
    if b"\x00" in data[:4096]:
        return None, Problem(None, "dash.import.binary")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(line, "dash.import.encoding")


def delimiter_of(header: str) -> str:
    """`;` when the header line has more of them than commas (Excel in French), else `,`."""
    return ";" if header.count(";") > header.count(",") else ","


def parse(data: bytes, *, platform: str, max_rows: int = MAX_ROWS) -> Parsed:
    """The rows of a CSV file, each checked on its own and against the others (duplicates); the
    problems, each with its line number. No I/O: managers and people already known are looked at later."""
    text, problem = decode(data)
    if problem is not None or text is None:
        return Parsed(problems=[problem] if problem else [])
    if not text.strip():
        return Parsed(problems=[Problem(None, "dash.import.empty")])
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = delimiter_of(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    parsed = Parsed()
    header: list[str] | None = None
    header_line = 0
    last = 0
    for cells in reader:
        line, last = last + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header, header_line = [column_of(cell) for cell in cells], last
            parsed.problems += _header_problems(header, header_line)
            if parsed.problems:
                return parsed
            continue
        if len(parsed.rows) >= max_rows:
            return Parsed(problems=[Problem(None, "dash.import.too_many", {"limit": max_rows})])
        parsed.named.update(_names(header, cells))
        row, problems = _row(header, cells, line, platform, delimiter)
        parsed.problems += problems
        if row is not None:
            parsed.rows.append(row)
    if header is None:
        return Parsed(problems=[Problem(None, "dash.import.empty")])
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(None, "dash.import.no_rows"))
    parsed.problems += _duplicates(parsed.rows, platform)
    return parsed


def _names(header: list[str], cells: list[str]) -> set[str]:
    found = set()
    for name in ("id", "email"):
        if name in header and header.index(name) < len(cells):
            value = cells[header.index(name)].strip().lstrip("@").lower()
            if value:
                found.add(value)
    return found


def _header_problems(header: list[str], line: int) -> list[Problem]:
    expected = expected_columns()
    problems = []
    for name in header:
        if name and name not in COLUMNS:
            problems.append(
                Problem(line, "dash.import.unknown_column", {"column": name[:40], "expected": expected})
            )
    for name in REQUIRED:
        if name not in header:
            problems.append(
                Problem(line, "dash.import.missing_column", {"column": name, "expected": expected})
            )
    for name in sorted({name for name in header if name and header.count(name) > 1}):
        problems.append(Problem(line, "dash.import.repeated_column", {"column": name}))
    return problems


def _row(
    header: list[str], cells: list[str], line: int, platform: str, delimiter: str
) -> tuple[Row | None, list[Problem]]:
    """One line's person, each value checked; None with the problems when any is wrong."""
    problems: list[Problem] = []
    extra = [cell for cell in cells[len(header) :] if cell.strip()]
    if extra:
        values = {"count": len(cells), "columns": len(header), "delimiter": delimiter}
        return None, [Problem(line, "dash.import.extra_values", values)]
    raw = {name: cells[i].strip() for i, name in enumerate(header) if i < len(cells) and name}
    for name, limit in LIMITS.items():
        value = raw.get(name, "")
        if len(value) > limit:
            values = {"column": name, "length": len(value), "limit": limit}
            problems.append(Problem(line, "dash.import.too_long", values))
    if problems:
        return None, problems
    ident = normal_id(platform, raw.get("id", "")) or None
    email = raw.get("email", "").lower() or None
    if ident is None and email is None:
        problems.append(Problem(line, "dash.import.no_id"))
    elif ident is None and platform == "console":
        problems.append(Problem(line, "dash.import.console_needs_id"))
    if ident is not None and platform in ID_RULES and not ID_RULES[platform][0].fullmatch(ident):
        rule = ID_RULES[platform]
        values = {"value": clean(ident, 60), "platform": PLATFORM_NAMES[platform], "example": rule[1]}
        problems.append(Problem(line, "dash.import.bad_id", values))
    if email is not None and not EMAIL_RE.fullmatch(email):
        problems.append(Problem(line, "dash.import.bad_email", {"value": clean(email, 60)}))
    lang = _lang(raw.get("language", ""), line, problems)
    zone = _zone(raw.get("time zone", ""), line, problems)
    role = _role(raw.get("role", ""), line, problems)
    if problems:
        return None, problems
    row = Row(
        line=line,
        id=ident,
        email=email,
        name=clean_name(raw.get("name", "")) or None,
        lang=lang,
        tz=zone,
        department=" ".join(raw.get("department", "").split()) or None,
        manager=raw.get("manager", "").lstrip("@") or None,
        role=role,
    )
    return row, []


def normal_id(platform: str, value: str) -> str:
    """A platform id as its keys spell it: Slack ids upper-case, Entra object ids and console names
    lower-case (an id pasted in another case still names the same person)."""
    ident = value.strip().lstrip("@")
    return ident.upper() if platform == "slack" else ident.lower()


def _lang(value: str, line: int, problems: list[Problem]) -> str | None:
    if not value:
        return None
    lang = LANG_WORDS.get(value.lower().split("-")[0].split("_")[0]) or LANG_WORDS.get(value.lower())
    if lang is None or lang not in LANGS:
        problems.append(Problem(line, "dash.import.bad_language", {"value": clean(value, 40)}))
    return lang


def _zone(value: str, line: int, problems: list[Problem]) -> str | None:
    """An IANA zone or a city, as `tz` reads them; a near miss suggests the close zones."""
    if not value:
        return None
    try:
        return parse_zone(value)
    except UserError:
        by_name = difflib.get_close_matches(value, _zones(), n=3, cutoff=0.8)
        by_city = similar_zones(city_key(value.rsplit("/", 1)[-1]))
        close = list(dict.fromkeys([*by_name, *by_city] if "/" in value else [*by_city, *by_name]))
        if not close:
            problems.append(Problem(line, "dash.import.bad_tz", {"value": clean(value, 60)}))
            return None
        zones = " / ".join(f"`{zone}`" for zone in close[:3])
        problems.append(Problem(line, "dash.import.bad_tz_hint", {"value": clean(value, 60), "zones": zones}))
        return None


_ZONES: list[str] = []


def _zones() -> list[str]:
    if not _ZONES:
        _ZONES.extend(sorted(available_timezones()))
    return _ZONES


def _role(value: str, line: int, problems: list[Problem]) -> str | None:
    if not value:
        return None
    role = ROLE_WORDS.get(value.lower())
    if role is None:
        problems.append(Problem(line, "dash.import.bad_role", {"value": clean(value, 40)}))
        return None
    return str(role)


def _duplicates(rows: list[Row], platform: str) -> list[Problem]:
    """The same id or email on two lines: the second is the problem, naming the first."""
    problems: list[Problem] = []
    ids: dict[str, int] = {}
    emails: dict[str, int] = {}
    for row in rows:
        if row.id is not None:
            ident = row.id.lower()
            if ident in ids:
                problems.append(
                    Problem(row.line, "dash.import.duplicate_id", {"value": row.id, "first": ids[ident]})
                )
            ids.setdefault(ident, row.line)
        if row.email is not None:
            if row.email in emails:
                values = {"value": row.email, "first": emails[row.email]}
                problems.append(Problem(row.line, "dash.import.duplicate_email", values))
            emails.setdefault(row.email, row.line)
    return problems


# --- 2. resolving: each row's person key ---------------------------------------------------------------------

LOOKUPS_AT_ONCE = 8
"""Directory lookups in flight at once (Slack allows users.lookupByEmail about once a second; its client
waits out a 429)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A row with the person key it names on the importer's platform, and whether Tandem can write to
    them yet (`reason`, a message key, says why not)."""

    line: int
    key: str
    email: str | None = None
    name: str | None = None
    lang: str | None = None
    tz: str | None = None
    department: str | None = None
    manager: str | None = None
    role: str | None = None
    reachable: bool = True
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        values: dict[str, Any] = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**values)


def workspace_of(importer_key: str) -> tuple[str, str]:
    """The platform and workspace an import creates people in: the importing admin's own."""
    found = keys.parse_person_key(importer_key)
    return found.platform, found.workspace


def _prefix(platform: str, workspace: str) -> str:
    """The start of every key of the workspace (`slack:T1:`; `console:` for the console)."""
    return keys.workspace_prefix(platform, workspace) if workspace else f"{platform}:"


def key_for(platform: str, workspace: str, ident: str) -> str:
    """The person key of a platform id in the importer's workspace."""
    if platform == "console":
        return keys.console_person(ident)
    return keys.person_key(platform, workspace, ident)


async def resolve(rows: Sequence[Row], *, importer_key: str, directory: Directory | None) -> list[Entry]:
    """Each row's key: from its id, else from its email through the platform's directory; someone it
    cannot find yet gets a pending key (storage.people_import) and stays unreachable, listed."""
    platform, workspace = workspace_of(importer_key)
    limit = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def one(row: Row) -> Entry:
        values: dict[str, Any] = {name: getattr(row, name) for name in FIELDS} | {"line": row.line}
        if row.id is not None:
            key = key_for(platform, workspace, row.id)
            if platform == "teams":
                return Entry(key=key, reachable=False, reason="dash.import.reason.pending_install", **values)
            return Entry(key=key, **values)
        email = row.email or ""
        pending = store.pending_key(platform, workspace, email)
        if platform == "teams" or directory is None:
            reason = (
                "dash.import.reason.pending_install"
                if platform == "teams"
                else "dash.import.reason.lookup_failed"
            )
            return Entry(key=pending, reachable=False, reason=reason, **values)
        try:
            async with limit:
                found = await directory.lookup_email(email)
        except DirectoryError:
            return Entry(key=pending, reachable=False, reason="dash.import.reason.lookup_failed", **values)
        if found is None:
            return Entry(key=pending, reachable=False, reason="dash.import.reason.not_found", **values)
        key = (
            found.key
            if keys.parse_person_key(found.key).workspace
            else key_for(platform, workspace, found.local_id)
        )
        values["name"] = values["name"] or clean_name(found.name) or None
        return Entry(key=key, **values)

    return list(await asyncio.gather(*(one(row) for row in rows)))


# --- 3. the preview -----------------------------------------------------------------------------------------

Kind = Literal["new", "update", "same"]


@dataclass(frozen=True, slots=True)
class Change:
    """What the import does to one person: creates them, changes some fields, or nothing."""

    line: int
    key: str
    name: str
    kind: Kind
    fields: tuple[str, ...] = ()
    reachable: bool = True
    reason: str | None = None
    """Why Tandem cannot write to them yet (a message key), when it cannot."""


@dataclass(slots=True)
class Plan:
    """The preview: every change, the problems (none: it can be applied), and for the apply step the
    people already known and each person's manager, by key."""

    entries: list[Entry]
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    known: dict[str, Person] = field(default_factory=dict)
    """People already stored, by the key the import gives them (a pending key's holder too)."""
    managers: dict[str, str | None] = field(default_factory=dict)
    """Each entry's manager's key (None: no manager given)."""
    manager_people: dict[str, Person] = field(default_factory=dict)
    """Managers known to Tandem that the file does not list."""
    enroll: list[str] = field(default_factory=list)
    """The keys `enroll` will be given when the admin chose a cohort (learners only)."""

    def of(self, kind: Kind) -> list[Change]:
        return [change for change in self.changes if change.kind == kind]

    @property
    def unresolved(self) -> list[Change]:
        return [change for change in self.changes if not change.reachable]


async def preview(
    session: AsyncSession, entries: Sequence[Entry], *, importer_key: str, enroll: bool = False
) -> Plan:
    """What applying the entries would do, in the database as it is now; problems when it cannot."""
    platform, workspace = workspace_of(importer_key)
    plan = Plan(list(entries))
    await _match_known(session, plan, platform, workspace)
    await _find_managers(session, plan, platform, workspace)
    if not plan.problems:
        await _check_loops(session, plan)
    if plan.problems:
        return plan
    plan.changes = [_change(entry, plan) for entry in plan.entries]
    if enroll:
        plan.enroll = [e.key for e in plan.entries if _role_after(e, plan) != PersonRole.MENTOR]
    return plan


def _role_after(entry: Entry, plan: Plan) -> str | None:
    known = plan.known.get(entry.key)
    return entry.role or (known.role if known is not None else None)


async def _match_known(session: AsyncSession, plan: Plan, platform: str, workspace: str) -> None:
    """Who the file names that Tandem knows: by key, else by email (an earlier import's pending person,
    or a known person given by email only). An email held by someone else with another id is a problem."""
    by_key = await people.people_by_keys(session, keys=[e.key for e in plan.entries])
    emails = [e.email for e in plan.entries if e.email]
    by_email = await store.people_by_emails(session, emails=emails, prefix=_prefix(platform, workspace))
    matched: list[Entry] = []
    for entry in plan.entries:
        person = by_key.get(entry.key)
        owner = by_email.get(entry.email or "")
        if owner is not None and (person is None or owner.id != person.id):
            if person is None and (store.is_pending_key(owner.key) or store.is_pending_key(entry.key)):
                person = owner
                if store.is_pending_key(entry.key):  # known by email already: their real key stays
                    entry = _with_key(entry, owner.key, owner)
            else:
                name = owner.display_name
                values = {"value": entry.email, "name": clean(name, 80)}
                plan.problems.append(Problem(entry.line, "dash.import.email_taken", values))
        if person is not None:
            plan.known[entry.key] = person
        matched.append(entry)
    plan.entries = matched


def _with_key(entry: Entry, key: str, person: Person) -> Entry:
    values = entry.to_json() | {"key": key, "reachable": person.reachable}
    values["reason"] = None if person.reachable else "dash.import.reason.unreachable"
    return Entry.from_json(values)


async def _find_managers(session: AsyncSession, plan: Plan, platform: str, workspace: str) -> None:
    """Each manager cell to a key: someone in the file (by id or email), else someone Tandem knows."""
    by_id = {keys.local_id(e.key).lower(): e.key for e in plan.entries}
    by_email = {e.email: e.key for e in plan.entries if e.email}
    wanted = [e for e in plan.entries if e.manager]
    outside_ids = [
        key_for(platform, workspace, normal_id(platform, e.manager))
        for e in wanted
        if e.manager and "@" not in e.manager and e.manager.lower() not in by_id
    ]
    outside_emails = [
        e.manager.lower()
        for e in wanted
        if e.manager and "@" in e.manager and e.manager.lower() not in by_email
    ]
    known = await people.people_by_keys(session, keys=outside_ids)
    known_emails = await store.people_by_emails(
        session, emails=outside_emails, prefix=_prefix(platform, workspace)
    )
    for entry in plan.entries:
        raw = entry.manager
        if not raw:
            plan.managers[entry.key] = None
            continue
        lowered = raw.lower()
        key = by_email.get(lowered) if "@" in raw else by_id.get(lowered)
        if key is None:
            person = (
                known_emails.get(lowered)
                if "@" in raw
                else known.get(key_for(platform, workspace, normal_id(platform, raw)))
            )
            if person is None:
                plan.problems.append(Problem(entry.line, "dash.import.no_manager", {"value": clean(raw, 80)}))
                continue
            key = person.key
            plan.manager_people[key] = person
        plan.managers[entry.key] = key


async def _check_loops(session: AsyncSession, plan: Plan) -> None:
    """A reporting line that comes back round (A reports to B, B to A; or through people already known)
    is a problem on each line of the file in the loop."""
    lines = {e.key: e.line for e in plan.entries}
    names = {e.key: e.name or keys.local_id(e.key) for e in plan.entries}
    cache: dict[str, str | None] = {}
    reported: set[str] = set()

    async def above(key: str) -> str | None:
        if key in plan.managers:
            return plan.managers[key]
        if key not in cache:
            person = (
                plan.known.get(key)
                or plan.manager_people.get(key)
                or await people.get_person(session, key=key)
            )
            boss = None
            if person is not None and person.manager_id is not None:
                found = await people.get_person_by_id(session, person_id=person.manager_id)
                boss = found.key if found is not None else None
                if found is not None:
                    names.setdefault(found.key, found.display_name)
            cache[key] = boss
        return cache[key]

    for entry in plan.entries:
        path: list[str] = []
        current: str | None = entry.key
        while current is not None and current not in path and len(path) < store.WALK_LIMIT:
            path.append(current)
            current = await above(current)
        if current is None or current not in path:
            continue
        loop = path[path.index(current) :]
        if entry.key not in loop or entry.key in reported:
            continue
        chain = " → ".join(clean(names.get(k, keys.local_id(k)), 60) for k in [*loop, loop[0]])
        for key in loop:
            if key in lines and key not in reported:
                reported.add(key)
                plan.problems.append(Problem(lines[key], "dash.import.cycle", {"chain": chain}))


def _change(entry: Entry, plan: Plan) -> Change:
    person = plan.known.get(entry.key)
    name = entry.name or (person.display_name if person else None) or _default_name(entry)
    if person is None:
        return Change(entry.line, entry.key, name, "new", (), entry.reachable, entry.reason)
    fields: list[str] = []
    if person.key != entry.key:
        fields.append("key")
    current = {
        "name": person.display_name,
        "email": person.email,
        "lang": person.lang,
        "tz": person.tz,
        "department": person.department,
        "role": person.role,
    }
    for name_, value in current.items():
        wanted = getattr(entry, name_)
        if wanted is not None and wanted != value:
            fields.append(name_)
    manager = plan.managers.get(entry.key)
    if manager is not None and _manager_changes(person, manager, plan):
        fields.append("manager")
    reason = None if person.reachable else (entry.reason or "dash.import.reason.unreachable")
    kind: Kind = "update" if fields else "same"
    return Change(entry.line, entry.key, name, kind, tuple(fields), person.reachable, reason)


def _manager_changes(person: Person, manager_key: str, plan: Plan) -> bool:
    boss = plan.known.get(manager_key) or plan.manager_people.get(manager_key)
    return boss is None or boss.id != person.manager_id


def _default_name(entry: Entry) -> str:
    if entry.email:
        return entry.email.split("@", 1)[0]
    return keys.local_id(entry.key)


# --- 4. applying ------------------------------------------------------------------------------------------

IMPORTED_LASTS = dt.timedelta(days=7)
"""How long `invite <cohort> imported` names the people of an import."""


@dataclass(frozen=True, slots=True)
class Applied:
    new: int
    updated: int
    unchanged: int
    unresolved: int
    enroll: tuple[Person, ...] = ()
    """The people to enroll (when a cohort was chosen), in the file's order."""


async def apply(
    session: AsyncSession,
    plan: Plan,
    *,
    importer_key: str,
    admins: Sequence[str],
    default_lang: str,
    now: dt.datetime,
    cohort: str | None = None,
) -> Applied:
    """Write the plan (no problems) in the caller's transaction: new people, changed fields, managers;
    people pending under an email whom the import found on their platform made reachable; the import
    remembered as the importer's last (`invite <cohort> imported`, for IMPORTED_LASTS); audited without
    names. Returns the counts and the people to enroll."""
    if plan.problems:
        raise ValueError("a plan with problems cannot be applied")
    platform, _ = workspace_of(importer_key)
    entries = {e.key: e for e in plan.entries}
    changes = {c.key: c for c in plan.changes}
    rows = [_new_person(entries[c.key], c, platform, admins, default_lang) for c in plan.of("new")]
    everyone = {**plan.manager_people, **await store.insert_people(session, rows=rows)}
    for change in plan.of("update"):
        person = plan.known[change.key]
        _update(person, entries[change.key])
        everyone[change.key] = person
    for key, person in plan.known.items():
        everyone.setdefault(key, person)
    touched: list[Person] = []
    for key, manager in plan.managers.items():
        if manager is None or key not in changes:
            continue
        person, boss = everyone[key], everyone[manager]
        if person.manager_id != boss.id:
            person.manager_id = boss.id
            touched.append(person)
    await store.save_people(session, people=[*touched, *(everyone[c.key] for c in plan.of("update"))])
    await _reach_the_resolved(session, plan, everyone, now)
    await _remember(session, plan, everyone, importer_key, now)
    await activity.audit(
        session,
        actor_key=importer_key,
        action="people.import",
        args={
            "new": len(plan.of("new")),
            "updated": len(plan.of("update")),
            "unchanged": len(plan.of("same")),
            "unresolved": len(plan.unresolved),
            "cohort": cohort,
        },
        outcome=AuditOutcome.OK,
    )
    return Applied(
        new=len(plan.of("new")),
        updated=len(plan.of("update")),
        unchanged=len(plan.of("same")),
        unresolved=len(plan.unresolved),
        enroll=tuple(everyone[key] for key in plan.enroll if key in everyone),
    )


async def _reach_the_resolved(
    session: AsyncSession, plan: Plan, everyone: Mapping[str, Person], now: dt.datetime
) -> None:
    """People pending under an email whom this import found on their platform (a new key that Tandem can
    write to): reachable now, so what was held for them (an invitation) goes out."""
    resolved = {c.key for c in plan.of("update") if "key" in c.fields}
    for entry in plan.entries:
        person = everyone.get(entry.key)
        if entry.key in resolved and entry.reachable and person is not None and not person.reachable:
            await reachability.mark_reachable(session, person=person, now=now)


async def _remember(
    session: AsyncSession, plan: Plan, everyone: Mapping[str, Person], importer_key: str, now: dt.datetime
) -> None:
    """The people of this import, in the file's order, as the importer's last import: what `invite
    <cohort> imported` names for a week, whether the file came through the dashboard or a chat."""
    importer = await people.get_person(session, key=importer_key)
    if importer is None or importer.id is None:
        return
    ids = [everyone[e.key].id for e in plan.entries if e.key in everyone and everyone[e.key].id is not None]
    await activity.set_pending(
        session,
        person_id=importer.id,
        kind=PendingKind.IMPORTED,
        data={"person_ids": ids},
        expires_at=now + IMPORTED_LASTS,
    )


def _new_person(
    entry: Entry, change: Change, platform: str, admins: Sequence[str], default_lang: str
) -> dict[str, Any]:
    return {
        "key": entry.key,
        "platform": platform,
        "display_name": change.name,
        "lang": entry.lang or default_lang,
        "lang_source": LangSource.PROFILE,
        "tz": entry.tz,
        "email": entry.email,
        "department": entry.department,
        "role": entry.role,
        "is_admin": keys.local_id(entry.key) in admins,
        "reachable": entry.reachable,
        "unreachable_reason": None if entry.reachable else PENDING_REASON,
    }


def _update(person: Person, entry: Entry) -> None:
    person.key = entry.key
    for column, value in (
        ("display_name", entry.name),
        ("email", entry.email),
        ("lang", entry.lang),
        ("tz", entry.tz),
        ("department", entry.department),
        ("role", entry.role),
    ):
        if value is not None:
            setattr(person, column, value)


# --- the whole, for a channel: stage a preview, then confirm it ------------------------------------------------

PREVIEW_LASTS = dt.timedelta(minutes=30)


@dataclass(slots=True)
class Staged:
    """An uploaded file checked and previewed: its problems, or the plan and the stored preview's id
    that confirming names."""

    problems: list[Problem]
    plan: Plan | None = None
    pending_id: int | None = None
    cohort: str | None = None


@dataclass(slots=True)
class Confirmed:
    """A confirmed preview: what was written, or why nothing was (`expired`, or new problems: the
    database changed since the preview)."""

    applied: Applied | None = None
    problems: list[Problem] = field(default_factory=list)
    expired: bool = False
    cohort: str | None = None


async def stage(services: Services, *, importer: Person, data: bytes, cohort_id: int | None = None) -> Staged:
    """Parse, resolve and preview an upload; a preview with no problem is kept for its author for 30
    minutes (PendingKind.IMPORT_PREVIEW), for `confirm`. Nothing else is written."""
    if not importer.is_admin:
        return Staged([Problem(None, "error.admin_only", {"command": "people import"})])
    platform, _ = workspace_of(importer.key)
    parsed = parse(data, platform=platform)
    if parsed.problems:
        return Staged(await _more_problems(services, parsed, importer.key))
    directory = services.directories.get(platform)
    entries = await resolve(parsed.rows, importer_key=importer.key, directory=directory)
    async with services.db.transaction() as session:
        cohort = await cohorts.get_cohort_by_id(session, cohort_id=cohort_id) if cohort_id else None
        plan = await preview(session, entries, importer_key=importer.key, enroll=cohort is not None)
        if plan.problems:
            return Staged(plan.problems, plan)
        pending = await activity.set_pending(
            session,
            person_id=importer.id or 0,
            kind=PendingKind.IMPORT_PREVIEW,
            data={"entries": [e.to_json() for e in plan.entries], "cohort_id": cohort.id if cohort else None},
            expires_at=services.clock() + PREVIEW_LASTS,
        )
        return Staged([], plan, pending.id, cohort.name if cohort else None)


async def _more_problems(services: Services, parsed: Parsed, importer_key: str) -> list[Problem]:
    """A file with bad lines: also what the good lines get wrong against each other and the database
    (managers, loops), so that one round of fixes is enough. No directory is asked."""
    if not parsed.rows:
        return parsed.problems
    entries = await resolve(parsed.rows, importer_key=importer_key, directory=None)
    async with services.db.transaction() as session:
        plan = await preview(session, entries, importer_key=importer_key)
    more = [
        problem
        for problem in plan.problems
        if not (
            problem.key == "dash.import.no_manager"
            and str(problem.values.get("value", "")).lower() in parsed.named
        )
    ]
    return [*parsed.problems, *more]


async def confirm(services: Services, *, importer: Person, pending_id: int) -> Confirmed:
    """Apply the preview `pending_id` of this admin, once, in one transaction: checked again against
    the database as it is now (a problem writes nothing)."""
    if not importer.is_admin:
        return Confirmed(problems=[Problem(None, "error.admin_only", {"command": "people import"})])
    async with services.db.transaction() as session:
        pending = await store.take_preview(
            session, person_id=importer.id or 0, pending_id=pending_id, now=services.clock()
        )
        if pending is None:
            return Confirmed(expired=True)
        entries = [Entry.from_json(entry) for entry in pending.data.get("entries") or []]
        cohort_id = pending.data.get("cohort_id")
        cohort = await cohorts.get_cohort_by_id(session, cohort_id=int(cohort_id)) if cohort_id else None
        plan = await preview(session, entries, importer_key=importer.key, enroll=cohort is not None)
        if plan.problems:
            return Confirmed(problems=plan.problems)
        applied = await apply(
            session,
            plan,
            importer_key=importer.key,
            admins=services.settings.admins,
            default_lang=services.settings.default_lang,
            now=services.clock(),
            cohort=cohort.name if cohort else None,
        )
    return Confirmed(applied, cohort=cohort.name if cohort else None)


def enroll_event(
    admin: Actor, cohort: str, chosen: Sequence[Person], *, event_id: str | None = None
) -> Event:
    """`enroll <cohort> @p1 @p2 …` as the admin, each token mentioning one imported person: the core
    `enroll` command then runs with its roles, audit and ledger, as from the chat."""
    mentions = {
        f"@p{person.id}": Actor(
            key=person.key,
            name=person.display_name,
            platform=person.platform,
            reachable=person.reachable,
            named=False,
        )
        for person in chosen
    }
    text = " ".join(["enroll", cohort, *mentions])
    return Event(admin, "command", text, mentions=mentions, event_id=event_id)
