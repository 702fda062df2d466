"""Files people send with a message, taken in by the channels for the core: transport-neutral.

Only one command reads files: `people import` (`personnes importer`), for admins. A channel that sees
files attached to a message hands this module what its platform says of them (`Offered`: a name, a size
and a type when known, and how to read the bytes), and `take` answers with the event to run, its
`files` read (`Event.files`), or with the replies that say why not. It reads a file only when:

- the message is that command (a file sent with other words, or none, is not downloaded);
- its author may run it (an admin): anyone else gets the core's usual refusal, and costs no download;
- there is exactly one file, of a CSV kind, of at most `MAX_FILE_BYTES`, as its platform declares it
  and as it turns out when read (the channel's reader stops one byte past the limit).

Looking people up by email (Slack's `users.lookupByEmail`, a second or more for a big file) happens here
too, before the command's transaction, never inside it: the core holds the database while it runs a
command, and SQLite has one writer. The answers wait in this process for the command, for a few minutes
(`looked_up`); without them the command leaves email-only people pending, as a failed lookup would.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from bot.core import people_import
from bot.core.context import Services
from bot.core.events import Attachment, Event
from bot.core.replies import Reply, Text
from bot.i18n import register, t
from storage import activity, keys, people

if TYPE_CHECKING:
    from bot.core.conversation import Conversation
    from bot.core.router import Router

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000
"""The largest file a chat import takes (5,000 people take about 1 MB); the dashboard takes up to
`people_import.MAX_BYTES`."""
FILE_COMMAND = "people"
"""The command that reads files, by its canonical name (bot/core/commands/__init__.py)..."""
FILE_SUBCOMMANDS = ("import", "importer")
"""...with one of these words after it."""
CSV_SUFFIXES = (".csv", ".txt")
CSV_TYPES = frozenset(
    {
        "text/csv",
        "text/plain",
        "text/x-csv",
        "text/comma-separated-values",
        "application/csv",
        "application/x-csv",
        "application/vnd.ms-excel",  # how Windows labels a .csv file
    }
)
SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")
LOOKUPS_KEPT = 600.0
"""How long (seconds) the email lookups made for a file wait for its command."""
LOOKUPS_AT_MOST = 32
"""Files whose lookups wait at once in this process (the oldest go first)."""

register(
    {
        "intake.one_file": {
            "en": "Please send one file at a time (I got {count}). Nothing was imported.",
            "fr": "Envoyez un seul fichier à la fois (j’en ai reçu {count}). Rien n’a été importé.",
        },
        "intake.not_csv": {
            "en": "`{name}` is not a CSV file. Save the list as CSV (UTF-8) and send that file with the "
            "message `people import`.",
            "fr": "`{name}` n’est pas un fichier CSV. Enregistrez la liste au format CSV (UTF-8) et "
            "envoyez ce fichier avec le message `personnes importer`.",
        },
        "intake.spreadsheet": {
            "en": "`{name}` is a spreadsheet, not a CSV file. Save it as CSV (in Excel: *File › Save a "
            "copy › CSV UTF-8*) and send that file with the message `people import`.",
            "fr": "`{name}` est un classeur, pas un fichier CSV. Enregistrez-le au format CSV (dans "
            "Excel : *Fichier › Enregistrer une copie › CSV UTF-8*) et envoyez ce fichier avec le "
            "message `personnes importer`.",
        },
        "intake.too_big": {
            "en": "`{name}` is {size} KB, and a file sent here may be {limit} KB at most. Split it into "
            "smaller files, or upload it on the dashboard (`dashboard`), which takes up to {web} KB. "
            "Nothing was imported.",
            "fr": "`{name}` pèse {size} Ko, et un fichier envoyé ici peut peser {limit} Ko au plus. "
            "Découpez-le en fichiers plus petits, ou chargez-le sur le tableau de bord "
            "(`tableau-de-bord`), qui accepte jusqu’à {web} Ko. Rien n’a été importé.",
        },
        "intake.download_failed": {
            "en": "I could not download `{name}` from {platform} ({reason}). Nothing was imported: "
            "please send it again in a moment.",
            "fr": "Je n’ai pas pu télécharger `{name}` depuis {platform} ({reason}). Rien n’a été "
            "importé : renvoyez-le dans un instant.",
        },
        "intake.download_refused": {
            "en": "{platform} did not let me download `{name}`: the app may lack the permission to read "
            "files (`files:read`). Ask whoever installed Tandem to reinstall it, then send the file "
            "again. Nothing was imported.",
            "fr": "{platform} ne m’a pas laissé télécharger `{name}` : il manque peut-être à l’application "
            "la permission de lire les fichiers (`files:read`). Demandez à la personne qui a installé "
            "Tandem de la réinstaller, puis renvoyez le fichier. Rien n’a été importé.",
        },
        "intake.no_such_file": {
            "en": "I cannot read `{name}`: {reason}. Give the path of a CSV file on this machine, for "
            "example `people import people.csv`.",
            "fr": "Je ne peux pas lire `{name}` : {reason}. Indiquez le chemin d’un fichier CSV sur cette "
            "machine, par exemple `personnes importer personnes.csv`.",
        },
        "intake.reason.timeout": {"en": "it took too long", "fr": "c’était trop long"},
        "intake.reason.connection": {"en": "the connection failed", "fr": "la connexion a échoué"},
        "intake.reason.address": {
            "en": "its address is not one of the platform’s",
            "fr": "son adresse n’est pas celle de la plateforme",
        },
        "intake.reason.missing": {"en": "there is no such file", "fr": "ce fichier n’existe pas"},
        "intake.reason.folder": {"en": "it is a folder", "fr": "c’est un dossier"},
        "intake.reason.denied": {
            "en": "this account may not read it",
            "fr": "ce compte n’a pas le droit de le lire",
        },
        "intake.no_files": {
            "en": "I can’t read files here. Tell me in a few words what you need, or ask me a question.",
            "fr": "Je ne lis pas les fichiers ici. Dites-moi en quelques mots ce qu’il vous faut, ou "
            "posez-moi une question.",
        },
        "intake.what_for": {
            "en": "I got your file, but I only read files sent to import people: send it again with the "
            "message `people import`.",
            "fr": "J’ai bien reçu votre fichier, mais je ne lis que les fichiers envoyés pour importer des "
            "personnes : renvoyez-le avec le message `personnes importer`.",
        },
    }
)


class Unreadable(Exception):
    """A file its channel could not read: why, as a message key of this module with its values (a
    download that failed, or was refused; a console path that is not a readable file)."""

    def __init__(self, key: str, /, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


Reader = Callable[[int], Awaitable[bytes]]
"""Reads a file's bytes, at most `limit` + 1 of them (one more than allowed says it is too big);
raises Unreadable."""


@dataclass(frozen=True, slots=True)
class Offered:
    """A file attached to a message, as its platform describes it before it is read."""

    name: str
    read: Reader
    size: int | None = None
    """Its size in bytes, when the platform says it (Slack does; Teams does not)."""
    mime: str | None = None
    """Its media type, when the platform says it."""


def reads_files(router: Router, event: Event) -> bool:
    """Whether the event is the command that reads attached files (`people import`)."""
    return argument(router, event) is not None


def argument(router: Router, event: Event) -> str | None:
    """What follows `people import` in the event's text ("" when nothing does; the console's path), or
    None when the event is not that command."""
    if event.kind == "action":
        return None
    spec, _, rest, _ = router.parse(event)
    if spec is None or spec.name != FILE_COMMAND:
        return None
    word, _, after = rest.partition(" ")
    return after.strip() if word.lower() in FILE_SUBCOMMANDS else None


async def take(conversation: Conversation, event: Event, offered: Sequence[Offered]) -> Event | list[Reply]:
    """The event to run, with its file read, or the replies that say why the file was not taken.

    The event comes back as it was (without files) when it is not the file command, when its author
    may not run it (the core refuses it, as for anyone), when it was handled already (a retried
    delivery), and when no file came with it (the core says how to send one). A file sent without a
    word gets a word on what files are for."""
    services = conversation.services
    wanted = reads_files(conversation.router, event)
    lone = bool(offered) and not event.text.strip()
    if not wanted and not lone:
        return event
    author = await _author(conversation, event)
    if author.replay:
        return event
    if not wanted:
        key = "intake.what_for" if author.admin else "intake.no_files"
        return [Text(t(key, author.lang), private=True)]
    if not author.admin or not offered:
        return event
    lang = author.lang
    if len(offered) > 1:
        return [Text(t("intake.one_file", lang, count=len(offered)), private=True)]
    file = offered[0]
    try:
        content = await _read(file)
    except Unreadable as exc:
        values = {"name": _shown(file.name), **exc.values}
        reason = values.get("reason")
        if isinstance(reason, str) and reason.startswith("intake.reason."):
            values["reason"] = t(reason, lang)
        logger.info("A file for `people import` was not taken: %s", exc.key)
        return [Text(t(exc.key, lang, **values), private=True)]
    taken = dataclasses.replace(event, files=(Attachment(_shown(file.name), content),))
    await _look_up(services, taken)
    return taken


@dataclass(frozen=True, slots=True)
class _Author:
    admin: bool
    """Whether they may import."""
    lang: str
    """The language to explain a file's problems in."""
    replay: bool
    """The event was handled already (a retried delivery): nothing is read or said again."""


async def _author(conversation: Conversation, event: Event) -> _Author:
    """Who sent the files, as far as taking them in goes (one short read of the database)."""
    services = conversation.services
    async with services.db.transaction() as session:
        if event.event_id and await activity.seen(session, event_id=event.event_id):
            return _Author(False, services.settings.default_lang, True)
        person = await people.get_person(session, key=event.actor.key)
    is_admin = event.actor.local_id in services.settings.admins or bool(person and person.is_admin)
    lang = (person.lang if person else None) or event.actor.lang or services.settings.default_lang
    return _Author(is_admin, lang, False)


async def _read(file: Offered) -> bytes:
    """The file's bytes, after the checks its description allows (kind, declared size); raises
    Unreadable."""
    suffix = PurePath(file.name).suffix.lower()
    mime = (file.mime or "").split(";")[0].strip().lower()
    if suffix in SPREADSHEET_SUFFIXES:
        raise Unreadable("intake.spreadsheet")
    if suffix not in CSV_SUFFIXES and mime not in CSV_TYPES:
        raise Unreadable("intake.not_csv")
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise _too_big(file.size)
    content = await file.read(MAX_FILE_BYTES)
    if len(content) > MAX_FILE_BYTES:
        raise _too_big(max(file.size or 0, len(content)))
    return content


def _too_big(size: int) -> Unreadable:
    return Unreadable(
        "intake.too_big",
        size=(size + 999) // 1000,
        limit=MAX_FILE_BYTES // 1000,
        web=people_import.MAX_BYTES // 1000,
    )


def _shown(name: str) -> str:
    """A file's name as it is repeated: its last part, without characters that would break a message."""
    base = PurePath(name.replace("\\", "/")).name or "file.csv"
    return "".join(ch for ch in base if ch.isprintable() and ch not in "`*_<>|")[:80] or "file.csv"


# --- email lookups, made before the command's transaction ---------------------------------------------------

_looked_up: dict[tuple[str, str], tuple[float, list[people_import.Entry]]] = {}


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def _look_up(services: Services, event: Event) -> None:
    """Resolve the file's rows through its platform's directory (Slack: each email-only row's member),
    outside any transaction, and keep the answers for the command. Nothing for a platform without a
    directory, or a file with problems (the command reports them; it needs no lookup)."""
    platform = keys.parse_person_key(event.actor.key).platform
    directory = services.directories.get(platform)
    if directory is None or not event.files:
        return
    content = event.files[0].content
    parsed = people_import.parse(content, platform=platform)
    if parsed.problems or not any(row.id is None for row in parsed.rows):
        return
    entries = await people_import.resolve(parsed.rows, importer_key=event.actor.key, directory=directory)
    now = time.monotonic()
    for key in [key for key, (until, _) in _looked_up.items() if until <= now]:
        del _looked_up[key]
    while len(_looked_up) >= LOOKUPS_AT_MOST:
        del _looked_up[next(iter(_looked_up))]
    _looked_up[(event.actor.key, _digest(content))] = (now + LOOKUPS_KEPT, entries)


def looked_up(importer_key: str, content: bytes) -> list[people_import.Entry] | None:
    """The entries resolved for this file and importer before the command ran (used once), or None."""
    kept = _looked_up.pop((importer_key, _digest(content)), None)
    if kept is None or kept[0] <= time.monotonic():
        return None
    return kept[1]
