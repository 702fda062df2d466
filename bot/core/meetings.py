"""A mentoring pair's meetings, in the core: the pair a command is about, its rhythm (`meet every …`) with
its calendar file, the answers to "Did you meet?" and what follows them, and the messages the delivery
ledger composes when it sends them (the question, the mentor's brief, the kind nudge).

Only the two people of a pair see or change anything here: the mentor and the mentee, never an admin as
such. The first answer of either side decides a meeting (a compare-and-set in `storage.meetings.decide`);
the other side's buttons then say who answered, and what.

- **We met**: "What did you cover?", one line, optional, private to the pair (a `MeetingNote`); then,
  for the learner only, "Anything you'll try this week?": a commitment (`bot.core.commitments.commit`,
  source MEETING), followed up a week later. The count of meetings missed in a row goes back to 0.
- **Not this time**: the meeting is missed, one more in a row; the second in a row brings a kind nudge
  to both (through the ledger, `keys.meeting_key(…, "nudge")`), the third puts the pair "at risk" in the
  admin's report (`storage.meetings.pairs_at_risk`).
- **Rescheduled**: the new day and time, typed; a new planned meeting then, and the other side told.
- Nobody answers within 3 days of the question (`scheduler.meetings.answer_until`): the meeting stays
  *not answered*, neither held nor missed; it counts in the meetings planned, and neither raises nor
  resets the count of missed ones. Its buttons then say the question has closed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import brief as mentor_brief
from bot.core import calendar, commitments, dialogue
from bot.core.args import mention, resolve_person, timing_error
from bot.core.context import Context
from bot.core.dates import WEEKDAYS, day_after, day_word, format_moment, format_stamp
from bot.core.errors import UsageError, UserError
from bot.core.replies import Button, File, Notify, Reply, Text, TextInput
from bot.core.schedule import own_zone, zone_of
from bot.core.text import clean, neutralize, squash
from bot.i18n import register, t
from lessons import Library
from scheduler import meetings as series
from scheduler import timing
from storage import activity, deliveries, keys, meetings, people
from storage.defaults import time_text
from storage.enums import (
    PROMPT_KINDS,
    AuditOutcome,
    CommitmentSource,
    DeliveryKind,
    MeetingStatus,
    PendingKind,
)
from storage.models import Meeting, Pairing, Person, Rhythm

register(
    {
        "meet.weeks.1": {"en": "every week", "fr": "toutes les semaines"},
        "meet.weeks.n": {"en": "every {n} weeks", "fr": "toutes les {n} semaines"},
        "meet.rhythm": {
            "en": "{every}, on {day} at {time} ({zone})",
            "fr": "{every}, le {day} à {time} ({zone})",
        },
        "meet.not_paired": {
            "en": "You have no mentor or mentee yet, so there are no meetings to plan. Your programme admin "
            "pairs people.",
            "fr": "Vous n’avez pas encore de mentor ni de mentoré : il n’y a pas de rencontre à prévoir. "
            "L’administrateur du programme forme les binômes.",
        },
        "meet.which": {
            "en": "You are in several pairs ({names}): name the person, like `{example}`.",
            "fr": "Vous êtes dans plusieurs binômes ({names}) : nommez la personne, par exemple `{example}`.",
        },
        "meet.not_your_pair": {
            "en": "{person} is not your mentor or your mentee: only the two people of a pair plan and see "
            "their meetings.",
            "fr": "{person} n’est ni votre mentor ni votre mentoré : seules les deux personnes d’un binôme "
            "prévoient et voient leurs rencontres.",
        },
        "meet.no_every": {
            "en": "Say how often you meet, like `meet every 2 weeks` (then `on thu` and `at 12:30` if you "
            "like).",
            "fr": "Dites à quel rythme vous vous voyez, par exemple `rencontre toutes les 2 semaines` (puis "
            "`le jeu` et `à 12:30` si vous voulez).",
        },
        "meet.bad_weeks": {
            "en": "Meet every 1 to {max} weeks: {value} is out of range.",
            "fr": "Le rythme va d’une semaine à {max} semaines : {value} n’est pas possible.",
        },
        "meet.months": {
            "en": "Say it in weeks: every 4 weeks is about once a month (`meet every 4 weeks`).",
            "fr": "Dites-le en semaines : toutes les 4 semaines, c’est environ une fois par mois "
            "(`rencontre toutes les 4 semaines`).",
        },
        "meet.bad_day": {
            "en": "`{value}` is not a day. Say one day, like `on thu` or `on thursday`.",
            "fr": "`{value}` n’est pas un jour. Donnez un jour, par exemple `le jeu` ou `le jeudi`.",
        },
        "meet.unknown_words": {
            "en": "I didn’t understand `{value}`.",
            "fr": "Je n’ai pas compris `{value}`.",
        },
        "meet.set": {
            "en": "Agreed: you and {other} meet {rhythm}. First meeting: {first}.",
            "fr": "C’est noté : vous et {other} vous voyez {rhythm}. Première rencontre : {first}.",
        },
        "meet.default_day": {
            "en": "I picked {day}, the next working day: `on thu` says another.",
            "fr": "J’ai choisi le {day}, le prochain jour ouvré : `le jeu` en fixe un autre.",
        },
        "meet.default_time": {
            "en": "I picked {time}, a lunchtime slot: `at 13:00` says another.",
            "fr": "J’ai choisi {time}, à l’heure du déjeuner : `à 13:00` en fixe une autre.",
        },
        "meet.after.mentor": {
            "en": "After each meeting I’ll ask you both “Did you meet?”, and 2 hours before each one you get "
            "a short brief about {mentee}. The calendar file below adds them all to your calendar.",
            "fr": "Après chaque rencontre, je vous demanderai à tous les deux « Vous êtes-vous vus ? », et "
            "2 heures avant chacune vous recevrez une courte fiche sur {mentee}. Le fichier ci-dessous les "
            "ajoute toutes à votre agenda.",
        },
        "meet.after.mentee": {
            "en": "After each meeting I’ll ask you both “Did you meet?”. Before each one, {mentor} gets a "
            "short brief on your goals and progress. The calendar file below adds them all to your calendar.",
            "fr": "Après chaque rencontre, je vous demanderai à tous les deux « Vous êtes-vous vus ? ». "
            "Avant chacune, {mentor} reçoit une courte fiche sur vos objectifs et vos progrès. Le fichier "
            "ci-dessous les ajoute toutes à votre agenda.",
        },
        "meet.late_for_other": {
            "en": "Note: for {other} that is {time} ({zone}).",
            "fr": "À noter : pour {other}, il sera {time} ({zone}).",
        },
        "meet.told": {
            "en": "{who} set your meetings: {rhythm}. First meeting: {first}. After each one I’ll ask you "
            "both “Did you meet?”. `meet every …` changes the rhythm, `meet stop` ends it.",
            "fr": "{who} a fixé vos rencontres : {rhythm}. Première rencontre : {first}. Après chacune, je "
            "vous demanderai à tous les deux « Vous êtes-vous vus ? ». `rencontre toutes les …` change le "
            "rythme, `rencontre fin` l’arrête.",
        },
        "meet.calendar_caption": {
            "en": "Add it to your calendar (Outlook, Google Calendar…): one event that repeats.",
            "fr": "Ajoutez-le à votre agenda (Outlook, Google Agenda…) : un seul événement qui se répète.",
        },
        "meet.cancel_caption": {
            "en": "This file takes the previous rhythm out of your calendar.",
            "fr": "Ce fichier retire l’ancien rythme de votre agenda.",
        },
        "meet.ics.description": {
            "en": "Reverse-mentoring meeting of {mentor} (mentor) and {mentee}. After it, Tandem asks you "
            "both whether you met.",
            "fr": "Rencontre de mentorat inversé entre {mentor} (mentor) et {mentee}. Ensuite, Tandem vous "
            "demande à tous les deux si vous vous êtes vus.",
        },
        "meet.show": {
            "en": "You and {other} meet {rhythm}. Next meeting: {next}.",
            "fr": "Vous et {other} vous voyez {rhythm}. Prochaine rencontre : {next}.",
        },
        "meet.show_missed": {
            "en": "Missed in a row: {count}.",
            "fr": "Rencontres manquées d’affilée : {count}.",
        },
        "meet.no_rhythm": {
            "en": "You and {other} have no regular meetings yet: `meet every 2 weeks on thu at 12:30` sets "
            "them.",
            "fr": "Vous et {other} n’avez pas encore de rencontres régulières : `rencontre toutes les 2 "
            "semaines le jeu à 12:30` les fixe.",
        },
        "meet.stopped": {
            "en": "Done: no more regular meetings with {other}. `meet every 2 weeks` starts them again.",
            "fr": "C’est fait : plus de rencontres régulières avec {other}. `rencontre toutes les 2 semaines` "
            "les relance.",
        },
        "meet.stopped_told": {
            "en": "{who} stopped your regular meetings. `meet every 2 weeks` starts them again.",
            "fr": "{who} a arrêté vos rencontres régulières. `rencontre toutes les 2 semaines` les relance.",
        },
        "meet.ask": {
            "en": "Did you meet with {other} on {when}?",
            "fr": "Vous êtes-vous vus avec {other} le {when} ?",
        },
        "meet.button.held": {"en": "Yes, we met", "fr": "Oui, on s’est vus"},
        "meet.button.missed": {"en": "Not this time", "fr": "Pas cette fois"},
        "meet.button.moved": {"en": "Rescheduled", "fr": "Reporté"},
        "meet.button.note": {"en": "Write a note", "fr": "Écrire une note"},
        "meet.button.commit": {"en": "Write it", "fr": "L’écrire"},
        "meet.button.skip": {"en": "Skip", "fr": "Passer"},
        "meet.note.placeholder": {
            "en": "What we covered, in a line",
            "fr": "Ce que nous avons vu, en une ligne",
        },
        "meet.commit.placeholder": {"en": "One thing I will try", "fr": "Une chose que je vais essayer"},
        "meet.held": {"en": "Glad you met!", "fr": "Ravi que vous vous soyez vus !"},
        "meet.held_by": {
            "en": "{who} already said you met.",
            "fr": "{who} a déjà dit que vous vous étiez vus.",
        },
        "meet.note_ask": {
            "en": "What did you cover? One line, for the two of you only: type it now, or `skip`.",
            "fr": "Qu’avez-vous abordé ? Une ligne, pour vous deux seulement : tapez-la maintenant, ou "
            "`passer`.",
        },
        "meet.note_prompt": {
            "en": "Type your note now (or `skip`).",
            "fr": "Tapez votre note maintenant (ou `passer`).",
        },
        "meet.note_too_long": {
            "en": "That is {length} characters: keep your note under {limit}, in one line.",
            "fr": "Cela fait {length} caractères : gardez votre note sous {limit}, en une ligne.",
        },
        "meet.noted": {
            "en": "Noted, for the two of you only (`sessions` shows it).",
            "fr": "C’est noté, pour vous deux seulement (`séances` l’affiche).",
        },
        "meet.commit_ask": {
            "en": "Anything you’ll try this week? One thing, in a line: I’ll ask you in a week how it went. "
            "Type it now, or `skip`.",
            "fr": "Une chose à essayer cette semaine ? En une ligne : je vous demanderai dans une semaine "
            "comment ça s’est passé. Tapez-la maintenant, ou `passer`.",
        },
        "meet.commit_prompt": {
            "en": "Type the one thing you’ll try (or `skip`).",
            "fr": "Tapez la chose que vous allez essayer (ou `passer`).",
        },
        "meet.committed": {
            "en": "“{text}”: noted. I’ll ask you in a week how it went.",
            "fr": "« {text} » : c’est noté. Je vous demanderai dans une semaine comment ça s’est passé.",
        },
        "meet.committed_already": {
            "en": "You already chose “{text}” after this meeting.",
            "fr": "Vous avez déjà choisi « {text} » après cette rencontre.",
        },
        "meet.skipped": {"en": "All right.", "fr": "Entendu."},
        "meet.next": {"en": "Your next meeting: {when}.", "fr": "Votre prochaine rencontre : {when}."},
        "meet.missed": {
            "en": "Noted: not this time. It happens.",
            "fr": "C’est noté : pas cette fois. Ça arrive.",
        },
        "meet.moved_ask": {
            "en": "When is it now? Type the new day and time in your time zone ({zone}), like `thu 12:30`, "
            "`tomorrow 10:00` or `{example}`.",
            "fr": "C’est quand, maintenant ? Tapez le nouveau jour et l’heure dans votre fuseau ({zone}), par "
            "exemple `jeu 12:30`, `demain 10:00` ou `{example}`.",
        },
        "meet.moved": {
            "en": "Moved to {when}. I’ll ask you both afterwards how it went.",
            "fr": "C’est déplacé au {when}. Je vous demanderai ensuite à tous les deux comment ça s’est passé.",
        },
        "meet.moved_told": {
            "en": "{who} says your meeting moved to {when}. I’ll ask you both afterwards how it went.",
            "fr": "{who} indique que votre rencontre est déplacée au {when}. Je vous demanderai ensuite à "
            "tous les deux comment ça s’est passé.",
        },
        "meet.move_bad": {
            "en": "I couldn’t read `{value}` as a day and a time. Try `thu 12:30`, `tomorrow 10:00` or "
            "`2027-01-14 12:30`, or `cancel`.",
            "fr": "Je n’ai pas pu lire `{value}` comme un jour et une heure. Essayez `jeu 12:30`, `demain "
            "10:00` ou `2027-01-14 12:30`, ou `annuler`.",
        },
        "meet.move_past": {
            "en": "{when} has already passed: type a moment to come.",
            "fr": "{when} est déjà passé : tapez un moment à venir.",
        },
        "meet.move_far": {
            "en": "{when} is more than {weeks} weeks away: choose a date within {weeks} weeks.",
            "fr": "{when} est à plus de {weeks} semaines : choisissez une date dans les {weeks} semaines.",
        },
        "meet.already": {
            "en": "Already answered by {who}: {answer}.",
            "fr": "Déjà répondu par {who} : {answer}.",
        },
        "meet.already_you": {
            "en": "You already answered: {answer}.",
            "fr": "Vous avez déjà répondu : {answer}.",
        },
        "meet.answer.held": {"en": "you met", "fr": "vous vous êtes vus"},
        "meet.answer.missed": {"en": "not this time", "fr": "pas cette fois"},
        "meet.answer.rescheduled": {"en": "rescheduled", "fr": "reporté"},
        "meet.answer.moved_to": {"en": "rescheduled to {when}", "fr": "reporté au {when}"},
        "meet.closed": {
            "en": "This question has closed: the meeting stays “not answered”. `sessions` shows your history.",
            "fr": "Cette question est close : la rencontre reste « sans réponse ». `séances` montre votre "
            "historique.",
        },
        "meet.nudge": {
            "en": "You and {other} missed your last two meetings: it happens to every pair. Even 20 minutes "
            "keeps the thread going, and what you share matters. Your next meeting: {when}. If the rhythm "
            "no longer fits, change it with `meet every 3 weeks on thu at 12:30`.",
            "fr": "Vous et {other} avez manqué vos deux dernières rencontres : ça arrive à tous les binômes. "
            "Même 20 minutes gardent le fil, et ce que vous partagez compte. Votre prochaine rencontre : "
            "{when}. Si le rythme ne convient plus, changez-le avec `rencontre toutes les 3 semaines le jeu "
            "à 12:30`.",
        },
        "meet.nudge_no_next": {
            "en": "You and {other} missed your last two meetings: it happens to every pair. Even 20 minutes "
            "keeps the thread going. `meet every 2 weeks on thu at 12:30` sets a rhythm that fits.",
            "fr": "Vous et {other} avez manqué vos deux dernières rencontres : ça arrive à tous les binômes. "
            "Même 20 minutes gardent le fil. `rencontre toutes les 2 semaines le jeu à 12:30` fixe un rythme "
            "qui vous convient.",
        },
        "dialogue.kind.meeting_note": {"en": "your note on a meeting", "fr": "votre note sur une rencontre"},
        "dialogue.kind.meeting_commit": {
            "en": "what you will try this week",
            "fr": "ce que vous allez essayer cette semaine",
        },
        "dialogue.kind.reschedule": {
            "en": "the new date of a meeting",
            "fr": "la nouvelle date d’une rencontre",
        },
    }
)

ANSWER_ACTION = "meeting.answer"
"""The buttons of "Did you meet?": value `<meeting id>:<held|missed|moved>`."""
NOTE_ACTION = "meeting.note"
"""The note after a meeting held (takes text): value `<meeting id>`."""
COMMIT_ACTION = "meeting.commit"
"""The learner's commitment after a meeting held (takes text): value `<meeting id>`."""
SKIP_ACTION = "meeting.skip"
"""No note, or no commitment: value `<meeting id>:note` or `<meeting id>:commit`."""
MOVED_ACTION = "meeting.moved"
"""The new date of a rescheduled meeting (takes text): value `<meeting id>`."""
ANSWERS = {"held": MeetingStatus.HELD, "missed": MeetingStatus.MISSED, "moved": MeetingStatus.RESCHEDULED}
"""What each button of "Did you meet?" makes of the meeting."""
MAX_WEEKS = 8
"""The longest rhythm: every 8 weeks."""
MOVE_WITHIN = dt.timedelta(weeks=8)
"""How far ahead a meeting may be rescheduled."""
NUDGE_AT = 2
"""Meetings missed in a row that bring a kind nudge to both."""
DEFAULT_TIME = dt.time(12, 30)
"""A new rhythm's time when none is given: lunchtime, the express sessions' usual slot."""
SKIP_WORDS = frozenset({"skip", "passer", "pass", "no", "non", "rien", "nothing", "-"})
"""A typed answer to the note or commitment prompt that means "nothing"."""
NOTE_CHARS = meetings.NOTE_CHARS


# --- the pair -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pair:
    """A mentor and their mentee, and the pairing row their meetings belong to."""

    pairing: Pairing
    mentor: Person
    mentee: Person

    def has(self, person_id: int | None) -> bool:
        return person_id is not None and person_id in (self.mentor.id, self.mentee.id)

    def other(self, person_id: int | None) -> Person:
        """The other side of the pair from `person_id`."""
        return self.mentee if person_id == self.mentor.id else self.mentor

    def side(self, person_id: int | None) -> Person:
        """The person `person_id` is in this pair."""
        return self.mentor if person_id == self.mentor.id else self.mentee


async def partners(ctx: Context) -> list[tuple[Person, Person]]:
    """The current pairs the person talking is in, as (mentor, mentee): with their mentor, then with each
    of their mentees."""
    me = ctx.person
    found: list[tuple[Person, Person]] = []
    mentor = await people.mentor_of(ctx.session, mentee_id=me.id or 0)
    if mentor is not None:
        found.append((mentor, me))
    found += [(me, mentee) for mentee in await people.mentees_of(ctx.session, mentor_id=me.id or 0)]
    return found


async def pick_partner(
    ctx: Context, token: str | None, *, command: str, example: str
) -> tuple[Person, Person]:
    """The (mentor, mentee) of the current pair a command is about: the one named with @, or the only
    one the person talking is in. Anyone else is refused: only the two of a pair."""
    pairs = await partners(ctx)
    if token:
        other = await resolve_person(ctx, token, command=command)
        for mentor, mentee in pairs:
            if other.id in (mentor.id, mentee.id) and other.id != ctx.person.id:
                return mentor, mentee
        raise UserError("meet.not_your_pair", person=mention(other))
    if not pairs:
        raise UserError("meet.not_paired")
    if len(pairs) > 1:
        names = ", ".join(
            mention(mentee if mentor.id == ctx.person.id else mentor) for mentor, mentee in pairs
        )
        raise UserError("meet.which", names=names, example=example)
    return pairs[0]


async def current_pair(ctx: Context, token: str | None, *, command: str, example: str) -> Pair:
    """The current pair a command is about, with its pairing row (made if the pair has none yet)."""
    mentor, mentee = await pick_partner(ctx, token, command=command, example=example)
    pairing = await meetings.ensure_pairing(
        ctx.session, mentor_id=mentor.id or 0, mentee_id=mentee.id or 0, now=ctx.now()
    )
    return Pair(pairing, mentor, mentee)


async def pair_of(session: AsyncSession, pairing: Pairing) -> Pair | None:
    """A pairing row with its two people; None when one of them is gone."""
    found = await people.people_by_ids(session, ids=[pairing.mentor_id or 0, pairing.mentee_id or 0])
    mentor, mentee = found.get(pairing.mentor_id or 0), found.get(pairing.mentee_id or 0)
    return Pair(pairing, mentor, mentee) if mentor is not None and mentee is not None else None


# --- the rhythm -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Wanted:
    """What `meet every …` asked for; None for what it did not say."""

    every_weeks: int | None = None
    weekday: int | None = None
    time_of_day: dt.time | None = None


def rhythm_words(plan: series.Series, zone: ZoneInfo, lang: str) -> str:
    """ "every 2 weeks, on Thursday at 12:30 (Europe/Paris)", in `zone` (the reader's) and `lang`."""
    first = plan.first.astimezone(zone)
    every = t("meet.weeks.1", lang) if plan.every_weeks == 1 else t("meet.weeks.n", lang, n=plan.every_weeks)
    day = WEEKDAYS.get(lang, WEEKDAYS["en"])[first.weekday()]
    return t("meet.rhythm", lang, every=every, day=day, time=time_text(first.time()), zone=zone.key)


def next_working_day(today: dt.date) -> int:
    """The weekday of the next working day after `today` (Monday to Friday)."""
    day = today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day.weekday()


def calendar_uid(pairing: Pairing, rhythm: Rhythm) -> str:
    """The calendar event of one rhythm of a pair: a new rhythm is a new event (the old one cancelled)."""
    shape = f"{rhythm.every_weeks}w-{rhythm.weekday}-{rhythm.time.replace(':', '')}-{rhythm.tz}"
    return f"tandem-pair-{pairing.id}-{shape}-{int(rhythm.updated_at.timestamp())}"


def _title(pair: Pair) -> str:
    return f"Tandem: {pair.mentor.display_name} & {pair.mentee.display_name}"


def calendar_file(pair: Pair, rhythm: Rhythm, lang: str, now: dt.datetime) -> File:
    """The recurring meeting as an .ics file (the rhythm's zone, so 12:30 stays 12:30), `lang` for its
    description and caption."""
    plan = series.series_of(rhythm)
    description = t(
        "meet.ics.description", lang, mentor=pair.mentor.display_name, mentee=pair.mentee.display_name
    )
    content = calendar.recurring_ics(
        uid=calendar_uid(pair.pairing, rhythm),
        title=_title(pair),
        description=description,
        first_start=plan.first,
        minutes=series.MEETING_MINUTES,
        every_weeks=rhythm.every_weeks,
        weekday=plan.first.astimezone(plan.zone).weekday(),
        timezone=plan.zone.key,
        now=now,
    )
    return File(
        f"tandem-meetings-{pair.pairing.id}.ics", content, "text/calendar", t("meet.calendar_caption", lang)
    )


def cancel_file(pair: Pair, rhythm: Rhythm, lang: str, now: dt.datetime) -> File:
    """The .ics that takes a rhythm's recurring meeting out of a calendar."""
    content = calendar.cancel_ics(
        uid=calendar_uid(pair.pairing, rhythm),
        title=_title(pair),
        starts_at=series.series_of(rhythm).first,
        minutes=series.MEETING_MINUTES,
        sequence=0,
        now=now,
    )
    name = f"tandem-meetings-{pair.pairing.id}-cancelled.ics"
    return File(name, content, "text/calendar", t("meet.cancel_caption", lang))


async def set_rhythm(ctx: Context, pair: Pair, wanted: Wanted) -> list[Reply]:
    """Set or replace the pair's rhythm, in the zone of the person talking: the planned meetings to come
    move to the new rhythm (a date they rescheduled to stays). The reply says it in their zone with the
    calendar file (and one that removes the old rhythm); the other side hears it in theirs."""
    zone, now = await own_zone(ctx), ctx.now()
    old = await meetings.rhythm_of(ctx.session, pairing_id=pair.pairing.id or 0)
    kept = old if old is not None and old.tz == zone.key else None
    every = wanted.every_weeks or (old.every_weeks if old is not None else None)
    if every is None:
        raise UsageError("meet", "meet.no_every")
    notes: list[str] = []
    weekday = wanted.weekday if wanted.weekday is not None else (kept.weekday if kept else None)
    if weekday is None:
        weekday = next_working_day(now.astimezone(zone).date())
        notes.append(ctx.t("meet.default_day", day=WEEKDAYS.get(ctx.lang, WEEKDAYS["en"])[weekday]))
    time_of_day = wanted.time_of_day or (timing.parse_time(kept.time) if kept else None)
    if time_of_day is None:
        time_of_day = DEFAULT_TIME
        notes.append(ctx.t("meet.default_time", time=time_text(time_of_day)))
    old_files = _old_files(pair, old, now)
    rhythm = await meetings.set_rhythm(
        ctx.session,
        pairing_id=pair.pairing.id or 0,
        every_weeks=every,
        weekday=weekday,
        time=time_text(time_of_day),
        tz=zone.key,
        set_by_id=ctx.person.id or 0,
        now=now,
    )
    await meetings.drop_future(ctx.session, pairing_id=pair.pairing.id or 0, after=now)
    plan = series.series_of(rhythm)
    await meetings.plan_meeting(ctx.session, pairing_id=pair.pairing.id or 0, planned_at=plan.first)
    await _audit(
        ctx, "meet.set", pair, {"every": every, "weekday": weekday, "time": rhythm.time, "tz": zone.key}
    )
    return [
        *await _set_reply(ctx, pair, rhythm, plan, zone, notes, old_files),
        await _set_notice(ctx, pair, rhythm, plan, old_files),
    ]


def _old_files(pair: Pair, old: Rhythm | None, now: dt.datetime) -> dict[str, File]:
    """The files that cancel the rhythm being replaced, by language (none when there is none)."""
    if old is None:
        return {}
    return {lang: cancel_file(pair, old, lang, now) for lang in {pair.mentor.lang, pair.mentee.lang}}


async def _set_reply(
    ctx: Context,
    pair: Pair,
    rhythm: Rhythm,
    plan: series.Series,
    zone: ZoneInfo,
    notes: list[str],
    old_files: dict[str, File],
) -> list[Reply]:
    other = pair.other(ctx.person.id)
    lines = [
        ctx.t(
            "meet.set",
            other=mention(other),
            rhythm=rhythm_words(plan, zone, ctx.lang),
            first=format_moment(plan.first, zone, ctx.lang),
        ),
        *notes,
    ]
    other_zone = await zone_of(ctx.session, other, ctx.services.settings.default_tz)
    at_theirs = plan.first.astimezone(other_zone).time()
    if timing.in_quiet_hours(at_theirs):
        lines.append(
            ctx.t("meet.late_for_other", other=mention(other), time=time_text(at_theirs), zone=other_zone.key)
        )
    if ctx.person.id == pair.mentor.id:
        lines.append(ctx.t("meet.after.mentor", mentee=mention(pair.mentee)))
    else:
        lines.append(ctx.t("meet.after.mentee", mentor=mention(pair.mentor)))
    files = [old_files[ctx.person.lang]] if ctx.person.lang in old_files else []
    return [Text("\n".join(lines)), *files, calendar_file(pair, rhythm, ctx.person.lang, ctx.now())]


async def _set_notice(
    ctx: Context, pair: Pair, rhythm: Rhythm, plan: series.Series, old_files: dict[str, File]
) -> Notify:
    """The other side hears of the rhythm in their language and zone, with the same calendar event."""
    other = pair.other(ctx.person.id)
    zone = await zone_of(ctx.session, other, ctx.services.settings.default_tz)
    lang = other.lang
    text = t(
        "meet.told",
        lang,
        who=mention(ctx.person),
        rhythm=rhythm_words(plan, zone, lang),
        first=format_moment(plan.first, zone, lang),
    )
    files = [old_files[lang]] if lang in old_files else []
    replies: tuple[Reply, ...] = (Text(text), *files, calendar_file(pair, rhythm, lang, ctx.now()))
    return Notify(other.key, replies, kind=DeliveryKind.MEETING, person_id=other.id)


async def stop_rhythm(ctx: Context, pair: Pair) -> list[Reply]:
    """`meet stop`: no more regular meetings (the planned ones to come go, a rescheduled one stays); both
    get a calendar file that removes the recurring event."""
    other = pair.other(ctx.person.id)
    old = await meetings.rhythm_of(ctx.session, pairing_id=pair.pairing.id or 0)
    if old is None:
        return [Text(ctx.t("meet.no_rhythm", other=mention(other)))]
    now = ctx.now()
    await meetings.drop_rhythm(ctx.session, pairing_id=pair.pairing.id or 0)
    await meetings.drop_future(ctx.session, pairing_id=pair.pairing.id or 0, after=now)
    await _audit(ctx, "meet.stop", pair, {})
    told = t("meet.stopped_told", other.lang, who=mention(ctx.person))
    return [
        Text(ctx.t("meet.stopped", other=mention(other))),
        cancel_file(pair, old, ctx.person.lang, now),
        Notify(
            other.key,
            (Text(told), cancel_file(pair, old, other.lang, now)),
            kind=DeliveryKind.MEETING,
            person_id=other.id,
        ),
    ]


async def show_rhythm(ctx: Context, pair: Pair) -> list[Reply]:
    """Bare `meet`: the pair's rhythm and next meeting, in the reader's zone."""
    other = pair.other(ctx.person.id)
    rhythm = await meetings.rhythm_of(ctx.session, pairing_id=pair.pairing.id or 0)
    if rhythm is None:
        return [Text(ctx.t("meet.no_rhythm", other=mention(other)))]
    zone = await own_zone(ctx)
    coming = await meetings.upcoming(ctx.session, pairing_id=pair.pairing.id or 0, now=ctx.now())
    plan = series.series_of(rhythm)
    when = coming.planned_at if coming is not None else plan.next_after(ctx.now())
    lines = [
        ctx.t(
            "meet.show",
            other=mention(other),
            rhythm=rhythm_words(plan, zone, ctx.lang),
            next=format_moment(when, zone, ctx.lang),
        )
    ]
    if rhythm.missed_in_row:
        lines.append(ctx.t("meet.show_missed", count=rhythm.missed_in_row))
    return [Text("\n".join(lines))]


async def _audit(ctx: Context, action: str, pair: Pair, args: dict[str, object]) -> None:
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action=action,
        args={"mentor": pair.mentor.key, "mentee": pair.mentee.key, **args},
        outcome=AuditOutcome.OK,
    )


# --- "Did you meet?" and what follows -----------------------------------------------------------------


def ask_message(meeting: Meeting, other: Person, zone: ZoneInfo, lang: str) -> Text:
    """The question after a meeting, in the reader's language and zone, with its three answers."""
    value = meeting.id
    buttons = (
        Button(t("meet.button.held", lang), ANSWER_ACTION, f"{value}:held", "primary"),
        Button(t("meet.button.missed", lang), ANSWER_ACTION, f"{value}:missed"),
        Button(t("meet.button.moved", lang), ANSWER_ACTION, f"{value}:moved"),
    )
    when = format_moment(meeting.planned_at, zone, lang)
    return Text(t("meet.ask", lang, other=mention(other), when=when), buttons)


async def own_meeting(ctx: Context, number: str) -> tuple[Meeting, Pair]:
    """The meeting a button names, if the person pressing it is one of its pair; else a stale button."""
    meeting = await meetings.get_meeting(ctx.session, meeting_id=int(number)) if number.isdigit() else None
    pairing = await meetings.get_pairing(ctx.session, pairing_id=meeting.pairing_id) if meeting else None
    pair = await pair_of(ctx.session, pairing) if pairing is not None else None
    if meeting is None or pair is None or not pair.has(ctx.person.id):
        raise UserError("error.stale_button")
    return meeting, pair


async def handle_answer(ctx: Context, value: str) -> list[Reply]:
    """A button of "Did you meet?": the first answer of either side decides the meeting; later ones say
    who answered and what (a second "we met" still takes this side's note)."""
    number, _, pressed = value.partition(":")
    if pressed not in ANSWERS:
        raise UserError("error.stale_button")
    meeting, pair = await own_meeting(ctx, number)
    if meeting.status == MeetingStatus.PLANNED and meeting.answered_at is None:
        if meeting.asked_at is None:
            raise UserError("error.stale_button")
        if ctx.now() > series.answer_until(meeting.planned_at):
            return [Text(ctx.t("meet.closed"), replaces=True)]
        now = ctx.now()
        status = ANSWERS[pressed]
        if await meetings.decide(
            ctx.session, meeting_id=meeting.id or 0, status=status, person_id=ctx.person.id or 0, now=now
        ):
            return await _decided(ctx, pair, meeting, status)
        meeting = await meetings.get_meeting(ctx.session, meeting_id=meeting.id or 0) or meeting
    return await _answered_before(ctx, pair, meeting, ANSWERS[pressed])


async def _decided(ctx: Context, pair: Pair, meeting: Meeting, status: str) -> list[Reply]:
    pairing_id = pair.pairing.id or 0
    if status == MeetingStatus.HELD:
        await meetings.count_answer(ctx.session, pairing_id=pairing_id, held=True)
        return await ask_note(ctx, meeting, ctx.t("meet.held"))
    if status == MeetingStatus.RESCHEDULED:
        return await ask_new_date(ctx, meeting)
    missed = await meetings.count_answer(ctx.session, pairing_id=pairing_id, held=False)
    if missed == NUDGE_AT:
        await _queue_nudges(ctx, pair, meeting)
    return [Text(" ".join([ctx.t("meet.missed"), *await next_line(ctx, pair)]), replaces=True)]


async def _answered_before(ctx: Context, pair: Pair, meeting: Meeting, pressed: str) -> list[Reply]:
    """Someone answered first: their answer, or, for the same answer, what it still asks of this side."""
    by_me = meeting.answered_by_id == ctx.person.id
    mine = {"meeting_id": meeting.id or 0, "author_id": ctx.person.id or 0}
    if meeting.status == pressed == MeetingStatus.HELD and not await meetings.has_note(ctx.session, **mine):
        intro = ctx.t("meet.held") if by_me else ctx.t("meet.held_by", who=_who(pair, meeting))
        return await ask_note(ctx, meeting, intro)
    if meeting.status == pressed == MeetingStatus.RESCHEDULED and meeting.moved_to is None:
        return await ask_new_date(ctx, meeting)
    answer = await answer_words(ctx, meeting)
    if by_me:
        return [Text(ctx.t("meet.already_you", answer=answer), replaces=True)]
    return [Text(ctx.t("meet.already", who=_who(pair, meeting), answer=answer), replaces=True)]


def _who(pair: Pair, meeting: Meeting) -> str:
    return mention(pair.side(meeting.answered_by_id)) if pair.has(meeting.answered_by_id) else "?"


async def answer_words(ctx: Context, meeting: Meeting) -> str:
    """What became of a meeting, in the reader's words (a new date in their zone)."""
    if meeting.status == MeetingStatus.RESCHEDULED and meeting.moved_to is not None:
        return ctx.t(
            "meet.answer.moved_to", when=format_moment(meeting.moved_to, await own_zone(ctx), ctx.lang)
        )
    return ctx.t(f"meet.answer.{meeting.status}")


async def next_line(ctx: Context, pair: Pair) -> list[str]:
    """ "Your next meeting: …", when one is planned."""
    coming = await meetings.upcoming(ctx.session, pairing_id=pair.pairing.id or 0, now=ctx.now())
    if coming is None:
        return []
    return [ctx.t("meet.next", when=format_moment(coming.planned_at, await own_zone(ctx), ctx.lang))]


async def _queue_nudges(ctx: Context, pair: Pair, meeting: Meeting) -> None:
    """The kind nudge to both sides, each out of their own quiet hours, composed when sent."""
    default_tz = ctx.services.settings.default_tz
    rows = [
        series.nudge_row(person, meeting.id or 0, await zone_of(ctx.session, person, default_tz), ctx.now())
        for person in (pair.mentor, pair.mentee)
    ]
    await deliveries.enqueue(ctx.session, rows=rows)


# --- the note, the commitment, the new date --------------------------------------------------------------


async def expect_text(ctx: Context, *, kind: PendingKind, action: str, value: str) -> None:
    """Take the person's next message as the text of `action` (as `dialogue.expect_text` does), also
    from inside the answer to another prompt: the new prompt is written before the one it replaces is
    taken out. SQLite gives a new row the id of a deleted last one, and the dialogue ends the prompt an
    action answered by its id once the action is done: written the other way round, the new prompt
    would be ended with the old one."""
    before = await activity.live_prompts(
        ctx.session, person_id=ctx.person.id or 0, kinds=PROMPT_KINDS, now=ctx.now()
    )
    await activity.set_prompt(
        ctx.session,
        person_id=ctx.person.id or 0,
        kind=kind,
        data={"mode": dialogue.TEXT, "action": action, "value": value},
        expires_at=ctx.now() + dialogue.PROMPT_FOR,
        replaces=(),
    )
    await activity.drop_pending(ctx.session, ids=[row.id for row in before if row.id is not None])


def _skip_button(ctx: Context, meeting: Meeting, which: str) -> Button:
    return Button(ctx.t("meet.button.skip"), SKIP_ACTION, f"{meeting.id}:{which}")


async def ask_note(ctx: Context, meeting: Meeting, intro: str) -> list[Reply]:
    """ "What did you cover?": the next message is the note (or a skip)."""
    await expect_text(ctx, kind=PendingKind.MEETING_NOTE, action=NOTE_ACTION, value=str(meeting.id))
    box = TextInput(NOTE_CHARS, ctx.t("meet.note.placeholder"))
    buttons = (
        Button(ctx.t("meet.button.note"), NOTE_ACTION, str(meeting.id), "primary", input=box),
        _skip_button(ctx, meeting, "note"),
    )
    return [Text(f"{intro} {ctx.t('meet.note_ask')}", buttons, replaces=True)]


async def ask_commitment(ctx: Context, meeting: Meeting, said: list[str]) -> list[Reply]:
    """ "Anything you'll try this week?", to the learner: the next message is the commitment."""
    await expect_text(ctx, kind=PendingKind.MEETING_COMMIT, action=COMMIT_ACTION, value=str(meeting.id))
    box = TextInput(commitments.SHOWN_CHARS, ctx.t("meet.commit.placeholder"))
    buttons = (
        Button(ctx.t("meet.button.commit"), COMMIT_ACTION, str(meeting.id), "primary", input=box),
        _skip_button(ctx, meeting, "commit"),
    )
    return [Text(" ".join([*said, ctx.t("meet.commit_ask")]), buttons)]


async def ask_new_date(ctx: Context, meeting: Meeting) -> list[Reply]:
    """ "When is it now?": the next message is the new day and time."""
    await expect_text(ctx, kind=PendingKind.RESCHEDULE, action=MOVED_ACTION, value=str(meeting.id))
    zone = await own_zone(ctx)
    example = f"{(ctx.now() + dt.timedelta(days=7)).astimezone(zone):%Y-%m-%d} 12:30"
    return [Text(ctx.t("meet.moved_ask", zone=zone.key, example=example), replaces=True)]


def is_skip(text: str) -> bool:
    return squash(text).strip().lower().rstrip(".!") in SKIP_WORDS


async def handle_note(ctx: Context, value: str) -> list[Reply]:
    """The note after a meeting held (the typed text, or the box's): kept for the pair; then, for the
    learner, the commitment question."""
    meeting, pair = await own_meeting(ctx, value)
    if meeting.status != MeetingStatus.HELD:
        raise UserError("error.stale_button")
    typed = ctx.event.text.strip()
    if not typed:  # pressed where buttons have no box (the console): the next message is the note
        await expect_text(ctx, kind=PendingKind.MEETING_NOTE, action=NOTE_ACTION, value=value)
        return [Text(ctx.t("meet.note_prompt"))]
    if is_skip(typed):
        return await after_note(ctx, pair, meeting, [])
    text = squash(clean(typed, 4 * len(typed) + 1))
    if len(text) > NOTE_CHARS:
        raise UserError("meet.note_too_long", length=len(text), limit=NOTE_CHARS)
    if text:
        await meetings.save_note(
            ctx.session, meeting_id=meeting.id or 0, author_id=ctx.person.id or 0, text=text, now=ctx.now()
        )
    return await after_note(ctx, pair, meeting, [ctx.t("meet.noted")] if text else [])


async def after_note(ctx: Context, pair: Pair, meeting: Meeting, said: list[str]) -> list[Reply]:
    """After the note (or none): the learner's commitment question, unless they made one already; for
    the mentor, the next meeting."""
    if ctx.person.id == pair.mentee.id and not await _commitment(ctx, meeting):
        return await ask_commitment(ctx, meeting, said)
    return [Text(" ".join([*said, *await next_line(ctx, pair)]) or ctx.t("meet.skipped"))]


async def _commitment(ctx: Context, meeting: Meeting) -> str | None:
    """The text of the commitment the person made after this meeting, if any."""
    made = await meetings.commitments_of_meetings(ctx.session, meeting_ids=[meeting.id or 0])
    mine = [c for c in made if c.person_id == ctx.person.id]
    return commitments.shown(mine[0]) if mine else None


async def handle_commitment(ctx: Context, value: str) -> list[Reply]:
    """The learner's commitment after a meeting held: kept, and followed up a week later."""
    meeting, pair = await own_meeting(ctx, value)
    if meeting.status != MeetingStatus.HELD or ctx.person.id != pair.mentee.id:
        raise UserError("error.stale_button")
    typed = ctx.event.text.strip()
    if not typed:
        await expect_text(ctx, kind=PendingKind.MEETING_COMMIT, action=COMMIT_ACTION, value=value)
        return [Text(ctx.t("meet.commit_prompt"))]
    if is_skip(typed):
        return [Text(" ".join([ctx.t("meet.skipped"), *await next_line(ctx, pair)]))]
    before = await _commitment(ctx, meeting)
    if before is not None:
        return [Text(ctx.t("meet.committed_already", text=before))]
    made, follow_up = await commitments.commit(
        ctx.session,
        person=ctx.person,
        text=typed,
        source=CommitmentSource.MEETING,
        now=ctx.now(),
        zone=await own_zone(ctx),
        meeting_id=meeting.id,
    )
    return [Text(ctx.t("meet.committed", text=commitments.shown(made)), replaces=True), follow_up]


async def handle_skip(ctx: Context, value: str) -> list[Reply]:
    """**Skip** under the note or the commitment question: the prompt ends, nothing is kept."""
    number, _, which = value.partition(":")
    meeting, pair = await own_meeting(ctx, number)
    if meeting.status != MeetingStatus.HELD or which not in ("note", "commit"):
        raise UserError("error.stale_button")
    prompt = await dialogue.live_prompt(ctx)
    kinds = (PendingKind.MEETING_NOTE, PendingKind.MEETING_COMMIT)
    if prompt is not None and prompt.kind in kinds and prompt.data.get("value") == number:
        await activity.drop_pending(ctx.session, ids=[prompt.id or 0])
    if which == "note":
        return await after_note(ctx, pair, meeting, [])
    return [Text(" ".join([ctx.t("meet.skipped"), *await next_line(ctx, pair)]), replaces=True)]


async def handle_moved(ctx: Context, value: str) -> list[Reply]:
    """The new day and time of a rescheduled meeting: a planned meeting then, and the other side told in
    their language and zone. A date that cannot be used is explained and the question stays."""
    meeting, pair = await own_meeting(ctx, value)
    if meeting.status != MeetingStatus.RESCHEDULED:
        raise UserError("error.stale_button")
    if meeting.moved_to is not None:
        return await _answered_before(ctx, pair, meeting, MeetingStatus.RESCHEDULED)
    typed = ctx.event.text.strip()
    if not typed:
        return await ask_new_date(ctx, meeting)
    zone = await own_zone(ctx)
    when = parse_new_date(typed, zone, ctx.now(), default=meeting.planned_at.astimezone(zone).time())
    if not await meetings.move(ctx.session, meeting_id=meeting.id or 0, moved_to=when):
        return await _answered_before(ctx, pair, meeting, MeetingStatus.RESCHEDULED)
    await meetings.plan_meeting(ctx.session, pairing_id=pair.pairing.id or 0, planned_at=when)
    other = pair.other(ctx.person.id)
    other_zone = await zone_of(ctx.session, other, ctx.services.settings.default_tz)
    told = t(
        "meet.moved_told",
        other.lang,
        who=mention(ctx.person),
        when=format_moment(when, other_zone, other.lang),
    )
    return [
        Text(ctx.t("meet.moved", when=format_moment(when, zone, ctx.lang))),
        Notify(other.key, (Text(told),), kind=DeliveryKind.MEETING, person_id=other.id),
    ]


FILLERS = frozenset({"on", "to", "at", "the", "le", "au", "pour", "à", "a", "vers", "for"})
"""Words around a typed date that say nothing (`on thu at 12:30`, `le jeudi à 12h30`)."""
ISO_DAY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def parse_new_date(text: str, zone: ZoneInfo, now: dt.datetime, *, default: dt.time) -> dt.datetime:
    """A typed day and time in `zone` (`thu 12:30`, `jeudi 12h30`, `tomorrow`, `2027-01-14 12:30`, or a
    time alone for today), in UTC: to come, within `MOVE_WITHIN`, outside quiet hours. Without a time,
    the meeting's own (`default`)."""
    words = [w for w in squash(text).lower().replace(",", " ").split() if w not in FILLERS]
    if not 1 <= len(words) <= 2:
        raise UserError("meet.move_bad", value=neutralize(text, 60))
    today = now.astimezone(zone).date()
    day, weekday = _typed_day(words[0], today)
    rest = words[1:] if day is not None else words
    if day is None:
        day = today
    if len(rest) > 1:
        raise UserError("meet.move_bad", value=neutralize(text, 60))
    time_of_day = _typed_time(rest[0], text) if rest else default
    when = timing.local_moment(day, time_of_day, zone).astimezone(dt.UTC)
    if when <= now and weekday:
        when = timing.local_moment(day + dt.timedelta(weeks=1), time_of_day, zone).astimezone(dt.UTC)
    shown = format_stamp(when, zone)
    if when <= now:
        raise UserError("meet.move_past", when=shown)
    if when - now > MOVE_WITHIN:
        raise UserError("meet.move_far", when=shown, weeks=MOVE_WITHIN.days // 7)
    return when


def _typed_day(word: str, today: dt.date) -> tuple[dt.date | None, bool]:
    """The day a word names from `today` (a date, `tomorrow`, `demain`, a weekday in full or short), and
    whether it was a weekday; (None, False) when it names none."""
    if ISO_DAY.fullmatch(word):
        try:
            return timing.parse_date(word), False
        except timing.TimingError:
            raise UserError("meet.move_bad", value=neutralize(word, 60)) from None
    found = day_after(word, today)
    if found is not None:
        return found, day_word(word) not in ("today", "aujourd'hui", "aujourdhui")
    weekday = one_weekday(word)
    if weekday is None:
        return None, False
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7), True


def _typed_time(word: str, text: str) -> dt.time:
    try:
        value = timing.parse_time(word)
    except timing.TimingError:
        raise UserError("meet.move_bad", value=neutralize(text, 60)) from None
    try:
        timing.check_delivery_time(value)
    except timing.TimingError as exc:
        raise timing_error(exc) from None
    return value


def one_weekday(word: str) -> int | None:
    """One day named in English or French, in full or short, singular or plural (`thu`, `thursday`,
    `thursdays`, `jeu`, `jeudi`, `jeudis`); None for anything else."""
    word = word.strip(".,").lower()
    for candidate in (word, word[:-1] if word.endswith("s") else None):
        if not candidate:
            continue
        try:
            days = timing.parse_days(candidate)
        except timing.TimingError:
            continue
        if len(days) == 1:
            return next(iter(days))
    return None


# --- messages composed when they are sent ----------------------------------------------------------------


async def compose(
    session: AsyncSession, person: Person, dedupe_key: str, library: Library, default_tz: str
) -> list[Reply]:
    """The replies of a payload-less meeting row (`keys.meeting_key`) for `person`, in their language and
    zone: "Did you meet?", the mentor's brief (`bot.core.brief.brief`), or the kind nudge. Nothing when
    it no longer applies (answered, rescheduled, the pair over, a meeting held since the nudge)."""
    parsed = keys.parse_meeting_key(dedupe_key)
    if parsed is None or parsed.person_id != person.id:
        return []
    meeting = await meetings.get_meeting(session, meeting_id=parsed.meeting_id)
    pairing = await meetings.get_pairing(session, pairing_id=meeting.pairing_id) if meeting else None
    pair = await pair_of(session, pairing) if pairing is not None else None
    if meeting is None or pair is None or not pair.has(person.id):
        return []
    zone = await zone_of(session, person, default_tz)
    if parsed.which == "ask":
        if meeting.status != MeetingStatus.PLANNED or meeting.answered_at is not None:
            return []
        return [ask_message(meeting, pair.other(person.id), zone, person.lang)]
    if parsed.which == "brief":
        if meeting.status != MeetingStatus.PLANNED or person.id != pair.mentor.id:
            return []
        now = meeting.brief_sent_at or meeting.planned_at - series.BRIEF_BEFORE
        return await mentor_brief.brief(
            session,
            library=library,
            mentor=person,
            mentee=pair.mentee,
            meeting_at=meeting.planned_at,
            now=now,
            default_tz=default_tz,
        )
    return await _nudge(session, pair, meeting, person, zone)


async def _nudge(
    session: AsyncSession, pair: Pair, meeting: Meeting, person: Person, zone: ZoneInfo
) -> list[Reply]:
    """The kind nudge, while the pair's count of missed meetings still says two or more."""
    rhythm = await meetings.rhythm_of(session, pairing_id=pair.pairing.id or 0)
    if rhythm is not None and rhythm.missed_in_row < NUDGE_AT:
        return []
    since = meeting.answered_at or meeting.planned_at
    coming = await meetings.upcoming(session, pairing_id=pair.pairing.id or 0, now=since)
    other = mention(pair.other(person.id))
    if coming is None:
        return [Text(t("meet.nudge_no_next", person.lang, other=other))]
    when = format_moment(coming.planned_at, zone, person.lang)
    return [Text(t("meet.nudge", person.lang, other=other, when=when))]
