"""Cohorts: `cohort create`, `cohort list`, `cohort pause`, `cohort resume` (admins)."""

from __future__ import annotations

import difflib
import re
from zoneinfo import ZoneInfo

from bot.core.args import parse_date, parse_days, parse_time, parse_zone, resolve_cohort
from bot.core.context import Context
from bot.core.errors import NotFound, UsageError, UserError
from bot.core.replies import Reply, Text
from bot.core.text import defuse_broadcasts
from bot.i18n import register
from storage import activity, cohorts
from storage.defaults import DELIVERY_DAYS_TEXT, DELIVERY_TIME_TEXT
from storage.enums import AuditOutcome
from storage.models import Cohort, CohortCreate

register(
    {
        "cohort.usage": {
            "en": "cohort create <name> track <track> [start <YYYY-MM-DD>] [time <HH:MM>] [days <days>] "
            "[tz <zone>] | cohort list | cohort pause <name> | cohort resume <name>",
            "fr": "cohorte créer <nom> parcours <parcours> [début <AAAA-MM-JJ>] [heure <HH:MM>] "
            "[jours <jours>] [fuseau <fuseau>] | cohorte liste | cohorte pause <nom> | cohorte reprendre <nom>",
        },
        "cohort.help": {
            "en": "create, list, pause or resume cohorts",
            "fr": "créer, lister, suspendre ou reprendre des cohortes",
        },
        "cohort.bad_name": {
            "en": "`{name}` can’t be a cohort name. Use 1 to 60 letters, digits, `-` or `_`, "
            "like `spring-2027`.",
            "fr": "`{name}` ne peut pas servir de nom de cohorte. Utilisez 1 à 60 lettres, chiffres, "
            "`-` ou `_`, par exemple `printemps-2027`.",
        },
        "cohort.one_word": {
            "en": "A cohort name is one word, without spaces: `{name}` is {count} words. Join them with `-`, "
            "like this: `{command}`",
            "fr": "Un nom de cohorte tient en un seul mot, sans espace : `{name}` en fait {count}. "
            "Reliez-les par des `-`, comme ceci : `{command}`",
        },
        "cohort.exists": {
            "en": "There is already a cohort called `{name}`. Choose another name, or see them all with "
            "`cohort list`.",
            "fr": "Il existe déjà une cohorte `{name}`. Choisissez un autre nom, ou affichez-les toutes avec "
            "`cohorte liste`.",
        },
        "cohort.unknown_track": {
            "en": "There is no track `{track}`.{hint} The tracks are: {tracks}.",
            "fr": "Il n’y a pas de parcours `{track}`.{hint} Les parcours sont : {tracks}.",
        },
        "cohort.track_hint": {"en": " Did you mean `{id}`?", "fr": " Vouliez-vous dire `{id}` ?"},
        "cohort.need_track": {
            "en": "Say which track the cohort follows, like `track first-steps`.",
            "fr": "Indiquez le parcours suivi par la cohorte, par exemple `parcours first-steps`.",
        },
        "cohort.created": {
            "en": "Cohort `{name}` is ready: track *{track}* (`{track_id}`), from {start}, at {time} "
            "on {days} ({tz}). Add people with `enroll {name} @name`.",
            "fr": "La cohorte `{name}` est prête : parcours *{track}* (`{track_id}`), à partir du {start}, "
            "à {time} les {days} ({tz}). Ajoutez des personnes avec `inscrire {name} @nom`.",
        },
        "cohort.none": {
            "en": "There are no cohorts yet. Create one with `cohort create <name> track <track>`.",
            "fr": "Il n’y a pas encore de cohorte. Créez-en une avec `cohorte créer <nom> parcours <parcours>`.",
        },
        "cohort.list_title": {"en": "Cohorts:", "fr": "Cohortes :"},
        "cohort.line": {
            "en": "`{name}`: track `{track}`, from {start}, at {time} on {days} ({tz}). "
            "{enrolled} enrolled, {active} active, {pending} not reachable yet.{paused}",
            "fr": "`{name}` : parcours `{track}`, à partir du {start}, à {time} les {days} ({tz}). "
            "{enrolled} inscrits, {active} actifs, {pending} pas encore joignables.{paused}",
        },
        "cohort.paused_mark": {"en": " **Paused.**", "fr": " **En pause.**"},
        "cohort.paused": {
            "en": "Cohort `{name}` is paused: no tips will go out until `cohort resume {name}`.",
            "fr": "La cohorte `{name}` est en pause : aucun conseil ne partira avant `cohorte reprendre {name}`.",
        },
        "cohort.resumed": {
            "en": "Cohort `{name}` is running again: tips start with the next delivery time.",
            "fr": "La cohorte `{name}` reprend : les conseils repartent au prochain horaire d’envoi.",
        },
        "cohort.already_paused": {
            "en": "Cohort `{name}` is already paused.",
            "fr": "La cohorte `{name}` est déjà en pause.",
        },
        "cohort.not_paused": {
            "en": "Cohort `{name}` is not paused.",
            "fr": "La cohorte `{name}` n’est pas en pause.",
        },
    }
)

NAME_RE = re.compile(r"[\w-]{1,60}")
# Option words after `cohort create <name>`, in English and French, mapped to one canonical name.
OPTIONS = {
    "track": "track", "parcours": "track",
    "start": "start", "debut": "start", "début": "start",
    "time": "time", "heure": "time",
    "days": "days", "jours": "days",
    "tz": "tz", "fuseau": "tz",
}  # fmt: skip
MULTI_WORD = {"days"}
SUBCOMMANDS = {
    "create": "create", "creer": "create", "créer": "create",
    "list": "list", "liste": "list",
    "pause": "pause",
    "resume": "resume", "reprendre": "resume",
}  # fmt: skip


async def handle_cohort(ctx: Context, args: str) -> list[Reply]:
    """Dispatch `cohort <create|list|pause|resume> …`; anything else prints the usage line."""
    word, _, rest = args.strip().partition(" ")
    sub = SUBCOMMANDS.get(word.lower())
    if sub == "create":
        return await _create(ctx, rest)
    if sub == "list" and not rest.strip():
        return await _list(ctx)
    if sub in ("pause", "resume"):
        if len(rest.split()) > 1:
            raise _one_word(word, rest.split(), [])
        return await _set_paused(ctx, rest.strip(), paused=sub == "pause")
    raise UsageError("cohort")


def _one_word(sub: str, name_words: list[str], rest: list[str]) -> UserError:
    """A cohort name typed as several words: say names are one word, and show the command with the words
    joined by `-` (`spring pilot` -> `spring-pilot`)."""
    joined = re.sub(r"[^\w-]+", "-", "-".join(name_words)).strip("-")[:60] or "cohort"
    command = " ".join(["cohort", sub, joined, *rest])
    return UserError(
        "cohort.one_word",
        name=_shown(" ".join(name_words)),
        count=len(name_words),
        command=defuse_broadcasts(command[:240].replace("`", "'")),
    )


def parse_options(words: list[str]) -> dict[str, str]:
    """`track x start y days mon, wed` -> {"track": "x", "start": "y", "days": "mon, wed"}.

    Each value is one word, except `days`, which runs until the next option word so `days mon, wed`
    works; missing values, repeats and unknown words are usage errors.
    """
    options: dict[str, list[str]] = {}
    current: str | None = None
    for word in words:
        option = OPTIONS.get(word.lower())
        takes_more = current is not None and (not options[current] or current in MULTI_WORD)
        if option is not None and current is not None and not options[current]:
            option = None  # `track time`: "time" is the track's value, not a new option
        if option is not None:
            if option in options:
                raise UsageError("cohort")
            current = option
            options[current] = []
        elif current is None or not takes_more:
            raise UsageError("cohort")
        else:
            options[current].append(word)
    if any(not value for value in options.values()):
        raise UsageError("cohort")
    return {name: " ".join(value) for name, value in options.items()}


async def _create(ctx: Context, args: str) -> list[Reply]:
    """Validate everything first (name, track, tz, date, time, days), then create the cohort."""
    words = args.split()
    if not words:
        raise UsageError("cohort")
    named = next((i for i, word in enumerate(words) if word.lower() in OPTIONS), len(words))
    if named > 1:
        raise _one_word("create", words[:named], words[named:])
    name, options = words[0], parse_options(words[1:])
    if not NAME_RE.fullmatch(name):
        raise UserError("cohort.bad_name", name=_shown(name))
    if "track" not in options:
        raise UsageError("cohort", "cohort.need_track")
    track_id = _track_id(ctx, options["track"])
    tz = parse_zone(options["tz"]) if "tz" in options else ctx.services.settings.default_tz
    start = parse_date(options["start"]) if "start" in options else ctx.now().astimezone(ZoneInfo(tz)).date()
    time_of_day = parse_time(options["time"]).strftime("%H:%M") if "time" in options else DELIVERY_TIME_TEXT
    days = parse_days(options["days"]) if "days" in options else DELIVERY_DAYS_TEXT
    if await cohorts.get_cohort(ctx.session, name=name) is not None:
        raise UserError("cohort.exists", name=name)
    data = CohortCreate(
        name=name, track_id=track_id, start_date=start, delivery_time=time_of_day, days=days, tz=tz
    )
    cohort = await cohorts.create_cohort(ctx.session, data=data)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="cohort.create",
        args=data.model_dump(mode="json"),
        outcome=AuditOutcome.OK,
    )
    track = ctx.library.tracks[track_id]
    return [Text(ctx.t("cohort.created", track=track.title(ctx.lang), **_describe(cohort)))]


def _track_id(ctx: Context, wanted: str) -> str:
    """The track id as typed (case forgiven), or a NotFound that suggests the nearest and lists them all."""
    ids = list(ctx.library.tracks)
    lowered = wanted.lower()
    if lowered in ids:
        return lowered
    close = difflib.get_close_matches(lowered, ids, n=1, cutoff=0.5)
    hint = ctx.t("cohort.track_hint", id=close[0]) if close else ""
    listed = ", ".join(f"`{track_id}`" for track_id in ids) or "-"
    raise NotFound("cohort.unknown_track", track=_shown(wanted), hint=hint, tracks=listed)


def _shown(word: str) -> str:
    """A word the admin typed, safe to show inside a code span."""
    return defuse_broadcasts(word[:64].replace("`", "'"))


def _describe(cohort: Cohort) -> dict[str, str]:
    """The cohort's settings as message values."""
    return {
        "name": cohort.name,
        "track_id": cohort.track_id,
        "start": cohort.start_date.isoformat(),
        "time": cohort.delivery_time,
        "days": cohort.days.replace(",", ", "),
        "tz": cohort.tz,
    }


async def _list(ctx: Context) -> list[Reply]:
    """Every cohort with its rhythm and counts; three queries whatever the number of cohorts."""
    found = await cohorts.list_cohorts(ctx.session)
    if not found:
        return [Text(ctx.t("cohort.none"), private=True)]
    counts = await cohorts.cohort_counts(ctx.session)
    pending = await cohorts.unreachable_counts(ctx.session)
    lines = [ctx.t("cohort.list_title")]
    for cohort in found:
        enrolled, active = counts.get(cohort.id or 0, (0, 0))
        info = _describe(cohort)
        info.pop("track_id")
        line = ctx.t(
            "cohort.line",
            track=cohort.track_id,
            enrolled=enrolled,
            active=active,
            pending=pending.get(cohort.id or 0, 0),
            paused=ctx.t("cohort.paused_mark") if cohort.paused else "",
            **info,
        )
        lines.append(f"- {line}")
    return [Text("\n".join(lines), private=True)]


async def _set_paused(ctx: Context, name: str, *, paused: bool) -> list[Reply]:
    """Pause or resume a whole cohort; doing it twice says so instead of pretending."""
    if not name or len(name.split()) > 1:
        raise UsageError("cohort")
    cohort = await resolve_cohort(ctx, name, command="cohort")
    if cohort.paused == paused:
        raise UserError("cohort.already_paused" if paused else "cohort.not_paused", name=cohort.name)
    await cohorts.set_cohort_paused(ctx.session, cohort_id=cohort.id or 0, paused=paused)
    action = "cohort.pause" if paused else "cohort.resume"
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action=action,
        args={"cohort": cohort.name},
        outcome=AuditOutcome.OK,
    )
    return [Text(ctx.t("cohort.paused" if paused else "cohort.resumed", name=cohort.name))]
