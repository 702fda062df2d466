"""`meet` (FR `rencontre`): a pair's rhythm of meetings, and `sessions` (FR `séances`): the pair's history.

    meet [@person] every <N> weeks [on <day>] [at <HH:MM>]    rencontre … toutes les <N> semaines …
    meet [@person] stop                                       rencontre … fin
    meet [@person]                                            the rhythm and the next meeting
    sessions [@person]                                        séances …: the pair's history

Either side of a current pair types them (the learner, or the mentor, who names the mentee when they have
several). The work is done in `bot.core.meetings`; this module reads the words and shows the history,
which only the two of the pair see: each meeting in the reader's zone, both sides' notes, and the
learner's commitments with their answers. An admin sees none of it (the report counts meetings, never
their notes).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from bot.core import commitments as committed
from bot.core import meetings as core
from bot.core.args import is_person_token, mention, parse_time, resolve_person
from bot.core.context import Context
from bot.core.dates import format_moment
from bot.core.errors import UsageError, UserError
from bot.core.replies import Reply, Text
from bot.core.schedule import own_zone
from bot.core.text import neutralize, squash
from bot.i18n import register
from scheduler import meetings as series
from storage import meetings
from storage.enums import MeetingStatus
from storage.models import Commitment, Meeting, MeetingNote, Pairing, Person

register(
    {
        "meet.usage": {
            "en": "meet [@mentee] every <N> weeks [on <day>] [at <HH:MM>] · meet stop",
            "fr": "rencontre [@mentoré] toutes les <N> semaines [le <jour>] [à <HH:MM>] · rencontre fin",
        },
        "meet.help": {
            "en": "agree how often you and your mentor (or mentee) meet, with a calendar file; after each "
            "meeting, “Did you meet?”",
            "fr": "convenir du rythme de vos rencontres avec votre mentor (ou mentoré), avec un fichier "
            "d’agenda ; après chacune, « Vous êtes-vous vus ? »",
        },
        "sessions.usage": {"en": "sessions [@mentee]", "fr": "séances [@mentoré]"},
        "sessions.help": {
            "en": "your meetings with your mentor (or mentee): dates, notes, commitments; only the two of "
            "you see them",
            "fr": "vos rencontres avec votre mentor (ou mentoré) : dates, notes, engagements ; vous seuls "
            "les voyez",
        },
        "sessions.head": {
            "en": "Your meetings with {other} (only the two of you see this):",
            "fr": "Vos rencontres avec {other} (vous seuls voyez ceci) :",
        },
        "sessions.rhythm": {"en": "Rhythm: {rhythm}.", "fr": "Rythme : {rhythm}."},
        "sessions.no_rhythm": {
            "en": "No rhythm for now: `meet every 2 weeks` sets one.",
            "fr": "Pas de rythme pour l’instant : `rencontre toutes les 2 semaines` en fixe un.",
        },
        "sessions.none": {"en": "No meetings yet.", "fr": "Pas encore de rencontre."},
        "sessions.earlier": {
            "en": "({count} earlier meetings not shown.)",
            "fr": "({count} rencontres plus anciennes ne sont pas affichées.)",
        },
        "sessions.line": {"en": "- {when}: {status}", "fr": "- {when} : {status}"},
        "sessions.note": {"en": "  - {author}: “{text}”", "fr": "  - {author} : « {text} »"},
        "sessions.you": {"en": "you", "fr": "vous"},
        "sessions.commitment": {
            "en": "  - Commitment of {author}: “{text}” ({status})",
            "fr": "  - Engagement {author:de} : « {text} » ({status})",
        },
        "sessions.your_commitment": {
            "en": "  - Your commitment: “{text}” ({status})",
            "fr": "  - Votre engagement : « {text} » ({status})",
        },
        "sessions.status.held": {"en": "met", "fr": "vus"},
        "sessions.status.missed": {"en": "missed", "fr": "manquée"},
        "sessions.status.moved_to": {"en": "rescheduled to {when}", "fr": "reportée au {when}"},
        "sessions.status.moved": {"en": "rescheduled, no new date yet", "fr": "reportée, sans nouvelle date"},
        "sessions.status.planned": {"en": "to come", "fr": "à venir"},
        "sessions.status.waiting": {"en": "waiting for your answers", "fr": "en attente de vos réponses"},
        "sessions.status.unanswered": {"en": "not answered", "fr": "sans réponse"},
        "sessions.commitment.open": {"en": "to do", "fr": "à faire"},
        "sessions.commitment.done": {"en": "done", "fr": "fait"},
        "sessions.commitment.not_yet": {"en": "not yet", "fr": "pas encore"},
        "sessions.commitment.need_help": {"en": "help asked", "fr": "aide demandée"},
    }
)

STOP = frozenset({"stop", "end", "off", "fin", "arrêt", "arret", "arrêter", "arreter", "stopper"})
"""`meet stop`, in English and French."""
NUMBERS = {
    "other": 2,
    "second": 2,
    "two": 2,
    "deux": 2,
    "three": 3,
    "trois": 3,
    "four": 4,
    "quatre": 4,
    "un": 1,
    "une": 1,
}
EVERY_RE = re.compile(
    r"\b(?:every|each|chaque|toutes\s+les|tous\s+les)\s+(?:(?P<n>\d+|[a-z]+)\s+)?(?:weeks?|semaines?)\b"
    r"|\b(?P<weekly>weekly|hebdo|hebdomadaire)\b"
    r"|(?P<fortnight>\bfortnightly\b|\bevery\s+fortnight\b|\btous\s+les\s+(?:15|quinze)\s+jours\b"
    r"|\bune\s+semaine\s+sur\s+deux\b)"
)
"""How often: `every 2 weeks`, `every week`, `every other week`, `toutes les 2 semaines`, `chaque
semaine`, `tous les quinze jours`, `weekly`…"""
MONTHS_RE = re.compile(r"\b(?:months?|monthly|mois|mensuel(?:le)?)\b")
DAY_WORDS = frozenset({"on", "le", "les"})
TIME_WORDS = frozenset({"at", "à", "a", "vers"})
SHOWN = 10
"""The most meetings `sessions` lists (the latest, and the next one)."""


# --- meet --------------------------------------------------------------------------------------------------


async def handle_meet(ctx: Context, args: str) -> list[Reply]:
    """`meet [@person] every <N> weeks [on <day>] [at <HH:MM>]`, `meet [@person] stop`, bare `meet`."""
    token, words = _split_person(ctx, args)
    example = "meet @name every 2 weeks" if ctx.lang == "en" else "rencontre @nom toutes les 2 semaines"
    if words.lower() in STOP:
        pair = await core.current_pair(ctx, token, command="meet", example=example)
        return await core.stop_rhythm(ctx, pair)
    wanted = parse_wanted(words) if words else None
    pair = await core.current_pair(ctx, token, command="meet", example=example)
    if wanted is None:
        return await core.show_rhythm(ctx, pair)
    return await core.set_rhythm(ctx, pair, wanted)


def _split_person(ctx: Context, args: str) -> tuple[str | None, str]:
    """The person named (`@bob`, anywhere in the line) and the other words."""
    token: str | None = None
    rest: list[str] = []
    for word in args.split():
        if token is None and is_person_token(ctx, word):
            token = word
        else:
            rest.append(word)
    return token, " ".join(rest)


def parse_wanted(text: str) -> core.Wanted:
    """The rhythm a `meet` line asks for: how often (1 to 8 weeks), the day and the time (each optional);
    anything else is explained with the usage line."""
    line = squash(text).lower().replace("’", "'")
    found = EVERY_RE.search(line)
    every = _every(found) if found else None
    if found:
        line = line[: found.start()] + " " + line[found.end() :]
    elif MONTHS_RE.search(line):
        raise UsageError("meet", "meet.months")
    weekday, time_of_day = None, None
    words = line.replace(",", " ").split()
    index = 0
    while index < len(words):
        word = words[index]
        if word in DAY_WORDS or word in TIME_WORDS:
            if index + 1 >= len(words):
                raise UsageError("meet", "meet.unknown_words", value=neutralize(word, 40))
            index += 1
            if word in DAY_WORDS:
                weekday = _day(words[index])
            else:
                time_of_day = _time(words[index])
        elif core.one_weekday(word) is not None:
            weekday = core.one_weekday(word)
        elif word[:1].isdigit():
            time_of_day = _time(word)
        else:
            raise UsageError("meet", "meet.unknown_words", value=neutralize(word, 40))
        index += 1
    return core.Wanted(every, weekday, time_of_day)


def _every(found: re.Match[str]) -> int:
    """The number of weeks an `every …` match says, 1 to `MAX_WEEKS`."""
    if found.group("weekly"):
        return 1
    if found.group("fortnight"):
        return 2
    number = found.group("n")
    if number is None:
        return 1
    weeks = int(number) if number.isdigit() else NUMBERS.get(number)
    if weeks is None:
        raise UsageError("meet", "meet.unknown_words", value=neutralize(number, 40))
    if not 1 <= weeks <= core.MAX_WEEKS:
        raise UsageError("meet", "meet.bad_weeks", value=weeks, max=core.MAX_WEEKS)
    return weeks


def _time(word: str) -> dt.time:
    """A meeting's time: a time outside quiet hours, else the reason with the usage line."""
    try:
        return parse_time(word)
    except UserError as exc:
        raise UsageError("meet", exc.key, **exc.values) from None


def _day(word: str) -> int:
    weekday = core.one_weekday(word)
    if weekday is None:
        raise UsageError("meet", "meet.bad_day", value=neutralize(word, 40))
    return weekday


# --- sessions ----------------------------------------------------------------------------------------------


async def handle_sessions(ctx: Context, args: str) -> list[Reply]:
    """`sessions [@person]`: the history of a pair the person talking is (or was) in, for them alone."""
    token, words = _split_person(ctx, args)
    if words:
        raise UsageError("sessions")
    example = "sessions @name" if ctx.lang == "en" else "séances @nom"
    mentor, mentee = await _history_pair(ctx, token, example)
    pairings = await meetings.pairings_between(
        ctx.session, mentor_id=mentor.id or 0, mentee_id=mentee.id or 0
    )
    return [Text(await history_text(ctx, mentor, mentee, pairings))]


async def _history_pair(ctx: Context, token: str | None, example: str) -> tuple[Person, Person]:
    """(mentor, mentee) of the pair asked about: a current one (`core.pick_partner`), or, named with @,
    one the person talking was in before."""
    if token is None:
        return await core.pick_partner(ctx, None, command="sessions", example=example)
    other = await resolve_person(ctx, token, command="sessions")
    me = ctx.person.id or 0
    for mentor, mentee in ((other, ctx.person), (ctx.person, other)):
        if other.id != me and await meetings.pairings_between(
            ctx.session, mentor_id=mentor.id or 0, mentee_id=mentee.id or 0
        ):
            return mentor, mentee
    return await core.pick_partner(ctx, token, command="sessions", example=example)


async def history_text(ctx: Context, mentor: Person, mentee: Person, pairings: list[Pairing]) -> str:
    """The pair's meetings (the latest `SHOWN`), each with both sides' notes and the commitments made
    after it, in the reader's zone and language."""
    other = mentee if ctx.person.id == mentor.id else mentor
    zone = await own_zone(ctx)
    lines = [ctx.t("sessions.head", other=mention(other))]
    current = next((p for p in reversed(pairings) if p.ended_at is None), None)
    rhythm = await meetings.rhythm_of(ctx.session, pairing_id=current.id or 0) if current else None
    if rhythm is not None:
        lines.append(
            ctx.t("sessions.rhythm", rhythm=core.rhythm_words(series.series_of(rhythm), zone, ctx.lang))
        )
    elif current is not None:
        lines.append(ctx.t("sessions.no_rhythm"))
    found = await meetings.meetings_of(ctx.session, pairing_ids=[p.id or 0 for p in pairings])
    shown = _latest(found, ctx)
    ids = [m.id or 0 for m in shown]
    notes = await meetings.notes_of(ctx.session, meeting_ids=ids)
    made = await meetings.commitments_of_meetings(ctx.session, meeting_ids=ids)
    if len(found) > len(shown):
        lines.append(ctx.t("sessions.earlier", count=len(found) - len(shown)))
    for meeting in shown:
        lines.append(
            ctx.t(
                "sessions.line",
                when=format_moment(meeting.planned_at, zone, ctx.lang),
                status=_status(ctx, meeting, zone),
            )
        )
        lines += [_note_line(ctx, note, mentor, mentee) for note in notes if note.meeting_id == meeting.id]
        lines += [_commitment_line(ctx, c, mentee) for c in made if c.meeting_id == meeting.id]
    if not found:
        lines.append(ctx.t("sessions.none"))
    return "\n".join(lines)


def _latest(found: list[Meeting], ctx: Context) -> list[Meeting]:
    """The meetings to list: those past (the latest) and the next one to come."""
    now = ctx.now()
    past = [m for m in found if m.planned_at <= now or m.status != MeetingStatus.PLANNED]
    coming = [m for m in found if m not in past][:1]
    return [*past[-(SHOWN - len(coming)) :], *coming]


def _status(ctx: Context, meeting: Meeting, zone: ZoneInfo) -> str:
    if meeting.status == MeetingStatus.RESCHEDULED:
        if meeting.moved_to is None:
            return ctx.t("sessions.status.moved")
        return ctx.t("sessions.status.moved_to", when=format_moment(meeting.moved_to, zone, ctx.lang))
    if meeting.status != MeetingStatus.PLANNED:
        return ctx.t(f"sessions.status.{meeting.status}")
    if meeting.asked_at is None:
        return ctx.t("sessions.status.planned")
    if ctx.now() > series.answer_until(meeting.planned_at):
        return ctx.t("sessions.status.unanswered")
    return ctx.t("sessions.status.waiting")


def _note_line(ctx: Context, note: MeetingNote, mentor: Person, mentee: Person) -> str:
    author = _author(ctx, note.author_id, mentor, mentee)
    return ctx.t("sessions.note", author=author, text=neutralize(squash(note.text), meetings.NOTE_CHARS))


def _commitment_line(ctx: Context, commitment: Commitment, mentee: Person) -> str:
    status = ctx.t(f"sessions.commitment.{commitment.status}")
    text = committed.shown(commitment)
    if commitment.person_id == ctx.person.id:
        return ctx.t("sessions.your_commitment", text=text, status=status)
    return ctx.t("sessions.commitment", author=mention(mentee), text=text, status=status)


def _author(ctx: Context, author_id: int, mentor: Person, mentee: Person) -> str:
    if author_id == ctx.person.id:
        return ctx.t("sessions.you")
    return mention(mentor if author_id == mentor.id else mentee)


handle_answer = core.handle_answer
"""A button of "Did you meet?" (`meeting.answer`)."""
handle_note = core.handle_note
"""The note after a meeting (`meeting.note`, takes text)."""
handle_commitment = core.handle_commitment
"""The learner's commitment after a meeting (`meeting.commit`, takes text)."""
handle_skip = core.handle_skip
"""**Skip** under the note or the commitment question (`meeting.skip`)."""
handle_moved = core.handle_moved
"""The new date of a rescheduled meeting (`meeting.moved`, takes text)."""
