"""`workshop plan <title> with <lesson ids | track> [for <cohort> | @people…] at <YYYY-MM-DD HH:MM>
[minutes 60]`: what the line says, whom it invites, which lessons it covers, and its run-sheet.

The audience follows the programme's scopes, checked here in the core: a mentor's workshop reaches only
their own mentees (in the cohort named, or all of them); an admin's reaches a whole cohort or anyone named.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core import runsheet
from bot.core.args import is_person_token, mention, resolve_cohort, resolve_person, timing_error
from bot.core.context import Context
from bot.core.errors import PermissionDenied, UsageError, UserError
from bot.core.schedule import own_zone
from bot.core.text import clean, neutralize
from bot.i18n import register
from scheduler import timing
from storage import cohorts, people, workshops
from storage.cohorts import Reader
from storage.enums import EnrollmentStatus
from storage.models import Cohort

register(
    {
        "workshop.plan.no_title": {
            "en": "Give the workshop a title before `with`, like `workshop plan LinkedIn basics with "
            "linkedin-profile linkedin-connections at 2027-01-12 12:30`.",
            "fr": "Donnez un titre à l’atelier avant `avec`, par exemple `atelier planifier Bien démarrer "
            "sur LinkedIn avec linkedin-profile linkedin-connections le 2027-01-12 12:30`.",
        },
        "workshop.plan.no_lessons": {
            "en": "Say which lessons the workshop covers after `with`: 2 to 4 lesson ids, or a track "
            "(`tracks` lists them).",
            "fr": "Indiquez les leçons de l’atelier après `avec` : 2 à 4 identifiants de leçon, ou un "
            "parcours (`parcours` les liste).",
        },
        "workshop.plan.no_when": {
            "en": "Say when it starts, in your time zone ({zone}): `at 2027-01-12 12:30`.",
            "fr": "Indiquez quand il commence, dans votre fuseau ({zone}) : `le 2027-01-12 12:30`.",
        },
        "workshop.plan.unknown_lesson": {
            "en": "I don’t know the lesson `{lesson}`.{hint} `tracks` lists the tracks and their lessons.",
            "fr": "Je ne connais pas la leçon `{lesson}`.{hint} `parcours` liste les parcours et leurs "
            "leçons.",
        },
        "workshop.plan.did_you_mean": {
            "en": " Did you mean `{lesson}`?",
            "fr": " Vouliez-vous dire `{lesson}` ?",
        },
        "workshop.plan.lesson_count": {
            "en": "A workshop covers 2 to 4 lessons; you gave {count}.",
            "fr": "Un atelier couvre 2 à 4 leçons ; vous en avez donné {count}.",
        },
        "workshop.plan.track_done": {
            "en": "Your participants have already received every lesson of the track `{track}`. Name the "
            "lessons to go over instead.",
            "fr": "Vos participants ont déjà reçu toutes les leçons du parcours `{track}`. Nommez plutôt les "
            "leçons à reprendre.",
        },
        "workshop.plan.past": {
            "en": "{when} is already past. Choose a moment to come.",
            "fr": "{when} est déjà passé. Choisissez un moment à venir.",
        },
        "workshop.plan.too_far": {
            "en": "{when} is more than a year away. Plan workshops within the year.",
            "fr": "{when} est à plus d’un an. Planifiez les ateliers dans l’année.",
        },
        "workshop.plan.too_few_minutes": {
            "en": "{count} lessons need at least {minimum} minutes. Give more minutes or fewer lessons.",
            "fr": "{count} leçons demandent au moins {minimum} minutes. Donnez plus de minutes ou moins de "
            "leçons.",
        },
        "workshop.plan.too_many_minutes": {
            "en": "{count} lessons can fill {maximum} minutes at most. Give fewer minutes or more lessons.",
            "fr": "{count} leçons remplissent au plus {maximum} minutes. Donnez moins de minutes ou plus de "
            "leçons.",
        },
        "workshop.plan.bad_minutes": {
            "en": "`{value}` is not a number of minutes. Write it like `minutes 45`.",
            "fr": "`{value}` n’est pas un nombre de minutes. Écrivez-le comme `minutes 45`.",
        },
        "workshop.plan.admin_audience": {
            "en": "Say whom to invite: `for <cohort>` or `@people`.",
            "fr": "Indiquez qui inviter : `pour <cohorte>` ou `@personnes`.",
        },
        "workshop.plan.no_mentees": {
            "en": "You have no mentee to invite yet. An admin pairs you with `pair`.",
            "fr": "Vous n’avez pas encore de mentoré à inviter. Un admin vous associe avec `associer`.",
        },
        "workshop.plan.not_your_cohort": {
            "en": "None of your mentees is in the cohort {cohort}, so there is nobody to invite there.",
            "fr": "Aucun de vos mentorés n’est dans la cohorte {cohort} : personne à inviter.",
        },
        "workshop.plan.empty_cohort": {
            "en": "Nobody is taking part in the cohort {cohort} yet, so there is nobody to invite.",
            "fr": "Personne ne participe encore à la cohorte {cohort} : personne à inviter.",
        },
        "workshop.plan.not_your_mentee": {
            "en": "{name} is not one of your mentees: a mentor invites their own mentees.",
            "fr": "{name} ne fait pas partie de vos mentorés : un mentor invite ses propres mentorés.",
        },
        "workshop.plan.only_you": {
            "en": "A workshop needs at least one participant besides you.",
            "fr": "Un atelier a besoin d’au moins un participant en plus de vous.",
        },
    }
)

MAX_TITLE = 120
MINUTES_DEFAULT = 60
MAX_AHEAD = dt.timedelta(days=366)
INVITABLE = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
"""Enrollments whose people a cohort workshop invites: not those who stopped."""

_MINUTES_RE = re.compile(
    r"(?:^|\s+)(?:minutes?|mins?|mn)\s*[:=]?\s*(?P<n>\S+)\s*$|(?:^|\s+)(?P<m>\d+)\s*(?:minutes?|mins?|mn)\s*$",
    re.I,
)
_WHEN_RE = re.compile(
    r"(?:^|\s+)(?:at|on|à|le)\s+(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:\s+(?:at\s+|à\s+)?(?P<time>\d{1,2}(?:[:h.]\d{0,2})?))?\s*$",
    re.I,
)
_WITH_RE = re.compile(r"(?:^|\s+)(?:with|avec)\s+", re.I)
_FOR_RE = re.compile(r"(?:^|\s+)(?:for|pour)\s+", re.I)


@dataclass(frozen=True, slots=True)
class PlanLine:
    """The parts of a `workshop plan` line, as typed."""

    title: str
    lesson_words: tuple[str, ...]
    audience_words: tuple[str, ...]
    starts_at: dt.datetime
    minutes: int


@dataclass(frozen=True, slots=True)
class Plan:
    """A workshop ready to create: its run-sheet, lessons and participants."""

    title: str
    starts_at: dt.datetime
    minutes: int
    lessons: tuple[str, ...]
    sheet: runsheet.RunSheet
    participants: tuple[Reader, ...]
    cohort: Cohort | None
    zone: ZoneInfo


async def plan(ctx: Context, args: str) -> Plan:
    """Read a `workshop plan` line, or explain what is wrong with it (its usage line comes along)."""
    zone = await own_zone(ctx)
    line = _parse(ctx, args, zone)
    participants, cohort = await _audience(ctx, line.audience_words)
    lessons = await _lessons(ctx, line.lesson_words, participants, line.minutes)
    try:
        sheet = runsheet.build(lessons, line.minutes)
    except runsheet.RunSheetError as exc:
        raise _sheet_error(exc, len(lessons)) from None
    return Plan(line.title, line.starts_at, line.minutes, tuple(lessons), sheet, participants, cohort, zone)


def _parse(ctx: Context, args: str, zone: ZoneInfo) -> PlanLine:
    text = " ".join(args.split())
    text, minutes = _take_minutes(text)
    text, starts_at = _take_when(ctx, text, zone)
    splits = list(_WITH_RE.finditer(text))
    if not splits:
        raise UsageError("workshop", "workshop.plan.no_lessons")
    last = splits[-1]  # a title may say "with" too: the lessons follow the last one
    title = clean(text[: last.start()], MAX_TITLE).strip("\"'“”«» ")
    if not title:
        raise UsageError("workshop", "workshop.plan.no_title")
    rest = text[last.end() :]
    found = _FOR_RE.search(rest)
    lesson_part, audience_part = (rest[: found.start()], rest[found.end() :]) if found else (rest, "")
    words = [w for w in re.split(r"[,\s]+", lesson_part) if w]
    lesson_words = tuple(w for w in words if not is_person_token(ctx, w))
    people_words = tuple(w for w in words if is_person_token(ctx, w))
    audience = tuple(w for w in audience_part.split() if w) + people_words
    if not lesson_words:
        raise UsageError("workshop", "workshop.plan.no_lessons")
    return PlanLine(title, lesson_words, audience, starts_at, minutes)


def _take_minutes(text: str) -> tuple[str, int]:
    match = _MINUTES_RE.search(text)
    if match is None:
        return text, MINUTES_DEFAULT
    value = match["n"] or match["m"]
    if not value.isdigit() or not 1 <= int(value) <= 600:
        raise UsageError("workshop", "workshop.plan.bad_minutes", value=neutralize(value, 20))
    return text[: match.start()], int(value)


def _take_when(ctx: Context, text: str, zone: ZoneInfo) -> tuple[str, dt.datetime]:
    match = _WHEN_RE.search(text)
    if match is None or not match["time"]:
        raise UsageError("workshop", "workshop.plan.no_when", zone=zone.key)
    try:
        day = timing.parse_date(match["date"])
        time_of_day = timing.parse_time(match["time"])
    except timing.TimingError as exc:
        raise timing_error(exc) from None
    when = timing.local_moment(day, time_of_day, zone).astimezone(dt.UTC)
    shown = f"{when.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
    if when <= ctx.now():
        raise UsageError("workshop", "workshop.plan.past", when=shown)
    if when - ctx.now() > MAX_AHEAD:
        raise UsageError("workshop", "workshop.plan.too_far", when=shown)
    return text[: match.start()], when


async def _audience(ctx: Context, words: tuple[str, ...]) -> tuple[tuple[Reader, ...], Cohort | None]:
    """Who is invited, and the cohort named (if one was). A mentor without a mentee yet is told so,
    whoever they name: a mentor's workshop invites only their own mentees."""
    me = ctx.person.id or 0
    mentees = await people.mentees_of(ctx.session, mentor_id=me)
    if not mentees and not ctx.person.is_admin:
        raise UserError("workshop.plan.no_mentees")
    person_words = [w for w in words if is_person_token(ctx, w)]
    cohort_name = " ".join(w for w in words if not is_person_token(ctx, w))
    found: dict[int, Reader] = {}
    cohort = None
    if cohort_name:
        cohort = await resolve_cohort(ctx, cohort_name, command="workshop")
        for reader in await _cohort_audience(ctx, cohort):
            found[reader.id] = reader
    for word in person_words:
        person = await resolve_person(ctx, word, command="workshop")
        if not ctx.person.is_admin:
            mentor = await people.mentor_of(ctx.session, mentee_id=person.id or 0)
            if mentor is None or mentor.id != me:
                raise PermissionDenied("workshop", "workshop.plan.not_your_mentee", name=mention(person))
        found[person.id or 0] = Reader(person.id or 0, person.key, person.lang)
    if not words:
        if not mentees:  # an admin who mentors nobody names whom to invite
            raise UsageError("workshop", "workshop.plan.admin_audience")
        found = {p.id or 0: Reader(p.id or 0, p.key, p.lang) for p in mentees}
    found.pop(me, None)
    if not found:
        raise UserError("workshop.plan.only_you")
    return tuple(found.values()), cohort


async def _cohort_audience(ctx: Context, cohort: Cohort) -> list[Reader]:
    name = neutralize(cohort.name, 60)
    if ctx.person.is_admin:
        readers = await cohorts.cohort_readers(ctx.session, cohort_id=cohort.id or 0, statuses=INVITABLE)
        if not readers:
            raise UserError("workshop.plan.empty_cohort", cohort=name)
        return readers
    readers = await cohorts.mentee_readers(
        ctx.session, mentor_id=ctx.person.id or 0, cohort_id=cohort.id or 0, statuses=INVITABLE
    )
    if not readers:
        raise PermissionDenied("workshop", "workshop.plan.not_your_cohort", cohort=name)
    return readers


async def _lessons(
    ctx: Context, words: tuple[str, ...], participants: tuple[Reader, ...], minutes: int
) -> list[str]:
    """The lesson ids named, or the first lessons of a track that most participants have not had yet."""
    library = ctx.library
    if len(words) == 1 and words[0].lower() in library.tracks:
        track = library.tracks[words[0].lower()]
        received = await workshops.received_counts(
            ctx.session, person_ids=[r.id for r in participants], lesson_ids=list(track.lessons)
        )
        count = runsheet.fit_count(minutes, 3)
        picked = runsheet.pick_from_track(track.lessons, received, len(participants), count)
        if len(picked) < 2:
            raise UserError("workshop.plan.track_done", track=track.id)
        return list(picked)
    known = {lesson_id for lesson_id, _ in library.lessons}
    ids: list[str] = []
    for word in words:
        lesson_id = word.lower().strip("`")
        if lesson_id not in known:
            close = difflib.get_close_matches(lesson_id, sorted(known | set(library.tracks)), n=1, cutoff=0.7)
            hint = ctx.t("workshop.plan.did_you_mean", lesson=close[0]) if close else ""
            raise UsageError(
                "workshop", "workshop.plan.unknown_lesson", lesson=neutralize(word, 60), hint=hint
            )
        if lesson_id not in ids:
            ids.append(lesson_id)
    if not 2 <= len(ids) <= 4:
        raise UsageError("workshop", "workshop.plan.lesson_count", count=len(ids))
    return ids


def _sheet_error(exc: runsheet.RunSheetError, count: int) -> UserError:
    values = {"count": count, **exc.values}
    return UsageError("workshop", f"workshop.plan.{exc.code}", **values)
