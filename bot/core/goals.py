"""Goals: what a learner wants from the programme, 1 to 3 of the programme's list (lessons/library/goals.yml),
picked at pairing, and how far they are towards each.

**Picking.** `goal_prompt` is the message with one button per goal and **Done**: a press picks a goal, or
removes it when it was picked; a fourth is refused, with how to change one. `goals` (bot/core/commands/
goals.py) shows the same message with the learner's goals ticked.

**The matching track.** Each goal is served by a track. The learner's cohort's track is theirs by default;
for a goal whose track they do not follow, **Follow “…” too** enrolls them in a companion cohort of their
own cohort (`<cohort>-<track>`, created on demand with the same start, time, days and zone), so that the
extra track keeps their cohort's rhythm and shows in `report` and the dashboard as any cohort does, and
`stop <track>` stops it alone.

**Progress towards a goal** counts steps: each of the goal's lessons (its `lessons` in goals.yml, else
its track's) is one step, half done once its latest answer (quiz or review) is right, done once it is
retained (a right review answer three weeks after the lesson came); each commitment whose follow-up was
answered is one step, done when the answer was "done". Commitments made on a lesson count for the goals
whose track holds that lesson; those made with the mentor in a meeting (no lesson) count for every goal.
A commitment whose follow-up is not answered yet counts for nothing, so that waiting never lowers it.
The percentage is the steps done over the steps, rounded down.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.replies import Button, Text
from bot.core.text import neutralize
from bot.i18n import register, t
from lessons import Library
from lessons.goals import PICKED, Goal
from scheduler import ledger, plan
from storage import cohorts, defaults, goals
from storage.enums import EnrollmentStatus, StopCause
from storage.goals import CommitmentMark, LessonMarks
from storage.models import Cohort, CohortCreate, Enrollment, Person

PICK_ACTION = "goals.pick"
"""A goal's button: value the goal id. Picks it, or removes it when it was picked."""
DONE_ACTION = "goals.done"
FOLLOW_ACTION = "goals.follow"
"""**Follow “…” too**: value the track id, which must be the track of one of the learner's goals."""
FEWEST, MOST = PICKED
TICK = "✓ "
MENTOR_GUIDE = defaults.MENTOR_GUIDE
"""The mentors' track (bot/core/mentor_guide.py): never a learner's cohort."""
COMPANION_TRIES = 9
"""Names tried for a companion cohort (`pilot-information-watch`, then `…-2`…) before giving up."""

register(
    {
        "goals.prompt": {
            "en": "What do you want from the programme? Pick 1 to 3 goals: your mentor will start from "
            "them. Press a goal again to remove it, then press **Done**.",
            "fr": "Qu’attendez-vous du programme ? Choisissez 1 à 3 objectifs : votre mentor partira de là. "
            "Appuyez de nouveau sur un objectif pour le retirer, puis sur **Terminé**.",
        },
        "goals.so_far": {
            "en": "Your goals so far: {goals}.",
            "fr": "Vos objectifs pour l’instant : {goals}.",
        },
        "goals.three": {
            "en": "That makes three, the most: press **Done**, or press one of them to remove it.",
            "fr": "Cela fait trois, le maximum : appuyez sur **Terminé**, ou sur l’un d’eux pour le retirer.",
        },
        "goals.full": {
            "en": "Three goals at most: press one of yours to remove it first, then pick *{goal}*.",
            "fr": "Trois objectifs au plus : retirez d’abord l’un des vôtres en appuyant dessus, puis "
            "choisissez *{goal}*.",
        },
        "goals.pick_one": {
            "en": "Pick at least one goal, then press **Done**.",
            "fr": "Choisissez au moins un objectif, puis appuyez sur **Terminé**.",
        },
        "goals.button.done": {"en": "Done", "fr": "Terminé"},
        "goals.button.follow": {"en": "Follow “{track}” too", "fr": "Suivre aussi « {track} »"},
        "goals.set": {"en": "Your goals are set:", "fr": "Vos objectifs sont choisis :"},
        "goals.track_yours": {
            "en": "- *{goal}*: track *{track}*, which you follow",
            "fr": "- *{goal}* : parcours *{track}*, que vous suivez",
        },
        "goals.track_other": {
            "en": "- *{goal}*: track *{track}*, not yours yet",
            "fr": "- *{goal}* : parcours *{track}*, pas encore le vôtre",
        },
        "goals.set_after": {
            "en": "Your mentor sees your goals and how far you are towards them; `progress` shows it to "
            "you too, and `goals` changes them.",
            "fr": "Votre mentor voit vos objectifs et votre progression vers chacun ; `progrès` vous la "
            "montre aussi, et `objectifs` permet d’en changer.",
        },
        "goals.no_cohort": {
            "en": "You are not in a cohort yet: a programme admin can enroll you in one.",
            "fr": "Vous n’êtes pas encore dans une cohorte : un administrateur du programme peut vous y "
            "inscrire.",
        },
        "goals.none_listed": {
            "en": "The programme has no list of goals yet.",
            "fr": "Le programme n’a pas encore de liste d’objectifs.",
        },
        "goals.title": {"en": "Your goals:", "fr": "Vos objectifs :"},
        "goals.line": {
            "en": "- *{goal}*: {percent}% ({details})",
            "fr": "- *{goal}* : {percent}\u202f% ({details})",
        },
        "goals.lessons": {
            "en": "{retained} of {total} lessons retained",
            "fr": "{retained} leçon(s) acquise(s) sur {total}",
        },
        "goals.learning": {"en": "{count} more answered right", "fr": "{count} autre(s) réussie(s)"},
        "goals.commitments": {
            "en": "{kept} of {count} commitments kept",
            "fr": "{kept} engagement(s) tenu(s) sur {count}",
        },
        "goals.not_followed": {
            "en": "  Its track, *{track}*, is not yours yet.",
            "fr": "  Son parcours, *{track}*, n’est pas encore le vôtre.",
        },
        "goals.hint": {
            "en": "No goals yet: type `goals` to pick 1 to 3.",
            "fr": "Pas encore d’objectifs : tapez `objectifs` pour en choisir 1 à 3.",
        },
        "goals.short": {"en": "*{goal}* {percent}%", "fr": "*{goal}* {percent}\u202f%"},
    }
)


# --- the list -----------------------------------------------------------------------------------------


def known_goals(library: Library, goal_ids: Sequence[str]) -> list[Goal]:
    """The goals of `goal_ids` the library still has, in that order (a goal that left goals.yml is
    skipped everywhere, and dropped at the learner's next change)."""
    return [library.goals[goal_id] for goal_id in goal_ids if goal_id in library.goals]


def goal_prompt(person: Person, library: Library) -> Text:
    """The "pick 1 to 3 goals" message for `person`, in their language: one button per goal of the
    programme's list and **Done**. For a `Notify` at pairing; `goals` shows it with their picks ticked."""
    return prompt(library, person.lang, ())


def prompt(library: Library, lang: str, picked: Sequence[str], note: str = "") -> Text:
    """The picking message with `picked` ticked and listed, and `note` (what the last press did) under it."""
    chosen = known_goals(library, picked)
    lines = [t("goals.prompt", lang)]
    if chosen:
        lines.append(t("goals.so_far", lang, goals="; ".join(f"*{goal.title(lang)}*" for goal in chosen)))
    if note:
        lines.append(note)
    buttons = [
        Button(
            (TICK if goal.id in picked else "") + goal.title(lang),
            PICK_ACTION,
            goal.id,
            "primary" if goal.id in picked else "default",
        )
        for goal in library.goals.values()
    ]
    buttons.append(Button(t("goals.button.done", lang), DONE_ACTION, "", "primary"))
    return Text("\n".join(lines), tuple(buttons))


class Press(enum.StrEnum):
    """What a press on a goal did."""

    ADDED = "added"
    REMOVED = "removed"
    FULL = "full"
    """A fourth goal: refused, nothing changed."""


def toggled(picked: Sequence[str], goal_id: str) -> tuple[list[str], Press]:
    """The goals after a press on `goal_id` (`picked` being the learner's known goals): removed when
    picked, added when there is room, else unchanged."""
    if goal_id in picked:
        return [g for g in picked if g != goal_id], Press.REMOVED
    if len(picked) >= MOST:
        return list(picked), Press.FULL
    return [*picked, goal_id], Press.ADDED


# --- tracks -------------------------------------------------------------------------------------------


FOLLOWING = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


def followed_tracks(enrolled: Sequence[tuple[Enrollment, Cohort]]) -> set[str]:
    """The tracks a person follows or finished: those of their active or completed enrollments."""
    return {cohort.track_id for enrollment, cohort in enrolled if enrollment.status in FOLLOWING}


def base_cohort(enrolled: Sequence[tuple[Enrollment, Cohort]]) -> Cohort | None:
    """The learner's own cohort, whose rhythm an extra track keeps: the first they were enrolled in
    (`enrolled` oldest first), the mentors' guide aside."""
    return next((cohort for _, cohort in enrolled if cohort.track_id != MENTOR_GUIDE), None)


def track_title(library: Library, track_id: str, lang: str) -> str:
    track = library.tracks.get(track_id)
    return track.title(lang) if track else neutralize(track_id, 64)


def follow_buttons(library: Library, lang: str, tracks: Sequence[str]) -> tuple[Button, ...]:
    """**Follow “…” too**, once per track, in order."""
    return tuple(
        Button(
            t("goals.button.follow", lang, track=track_title(library, track_id, lang)),
            FOLLOW_ACTION,
            track_id,
        )
        for track_id in dict.fromkeys(tracks)
    )


class Follow(enum.StrEnum):
    """What **Follow “…” too** did."""

    ENROLLED = "enrolled"
    RESUMED = "resumed"
    """An enrollment in that track the learner had stopped themselves goes on where it was."""
    ALREADY = "already"
    NO_COHORT = "no_cohort"
    """Not in any cohort: a programme admin enrolls people first."""
    ADMIN_STOPPED = "admin_stopped"
    """An admin took them out of that track: only an admin puts them back."""
    NO_NAME = "no_name"
    """Every companion name is taken by a cohort of another track."""


@dataclass(frozen=True, slots=True)
class Followed:
    outcome: Follow
    cohort: Cohort | None = None
    due: dt.datetime | None = None
    """When its next tip comes, for ENROLLED and RESUMED."""


async def follow_track(
    session: AsyncSession, *, person: Person, track_id: str, now: dt.datetime, default_tz: str
) -> Followed:
    """Make the learner follow `track_id` too: resume their own enrollment in it if they stopped it, else
    enroll them in the companion cohort of their own cohort for that track (made on demand)."""
    enrolled = await cohorts.enrollments_of(session, person_id=person.id or 0)
    in_track = [(e, c) for e, c in enrolled if c.track_id == track_id]
    if any(e.status in FOLLOWING for e, _ in in_track):
        return Followed(Follow.ALREADY)
    for enrollment, cohort in in_track:
        if enrollment.stopped_by == StopCause.ADMIN:
            continue
        due = plan.next_due(person, cohort, default_tz, after=now, paused_until=enrollment.paused_until)
        await cohorts.resume_enrollment(session, enrollment=enrollment, next_due_at=due)
        return Followed(Follow.RESUMED, cohort, due)
    if in_track:
        return Followed(Follow.ADMIN_STOPPED, in_track[0][1])
    base = base_cohort(enrolled)
    if base is None:
        return Followed(Follow.NO_COHORT)
    companion = await companion_cohort(session, base=base, track_id=track_id)
    if companion is None:
        return Followed(Follow.NO_NAME)
    due = ledger.first_turn(person, companion, enrolled, now, default_tz)
    await cohorts.add_enrollments(session, cohort_id=companion.id or 0, due=[(person.id or 0, due)])
    return Followed(Follow.ENROLLED, companion, due)


async def companion_cohort(session: AsyncSession, *, base: Cohort, track_id: str) -> Cohort | None:
    """The cohort `<base>-<track>` with `base`'s start, time, days and zone, made when it does not exist;
    when that name belongs to a cohort of another track, `<base>-<track>-2` and so on. None when every
    name tried is taken."""
    stem = f"{base.name}-{track_id}"
    for attempt in range(1, COMPANION_TRIES + 1):
        name = stem[:60] if attempt == 1 else f"{stem[:57]}-{attempt}"
        cohort = await cohorts.get_cohort(session, name=name)
        if cohort is None:
            data = CohortCreate(
                name=name,
                track_id=track_id,
                start_date=base.start_date,
                delivery_time=base.delivery_time,
                days=base.days,
                tz=base.tz,
            )
            return await cohorts.create_cohort(session, data=data)
        if cohort.track_id == track_id:
            return cohort
    return None


# --- progress -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoalProgress:
    """How far a learner is towards one goal (see the module's docstring for how it counts)."""

    goal: Goal
    lessons: int
    """The goal's lessons: each one step."""
    retained: int
    learning: int
    """Lessons whose latest answer was right, not retained yet: half a step each."""
    commitments: int
    """Commitments counted for this goal whose follow-up was answered: one step each."""
    kept: int

    @property
    def percent(self) -> int:
        steps = self.lessons + self.commitments
        if not steps:
            return 0
        done = self.retained + self.learning / 2 + self.kept
        return int(100 * done / steps)  # rounded down: 100% only once every step is done


def goal_lessons(goal: Goal, library: Library) -> tuple[str, ...]:
    """The lessons a goal's progress counts: its own list, else its track's."""
    if goal.lessons:
        return goal.lessons
    track = library.tracks.get(goal.track)
    return track.lessons if track else ()


def _track_lessons(goal: Goal, library: Library) -> set[str]:
    track = library.tracks.get(goal.track)
    return set(goal.lessons) | set(track.lessons if track else ())


def measure(goal: Goal, library: Library, marks: LessonMarks, made: Sequence[CommitmentMark]) -> GoalProgress:
    """One goal's progress from a learner's lesson marks and commitments."""
    lessons = goal_lessons(goal, library)
    retained = sum(1 for lesson in lessons if lesson in marks.retained)
    learning = sum(1 for lesson in lessons if lesson in marks.right and lesson not in marks.retained)
    in_track = _track_lessons(goal, library)
    counted = [c for c in made if c.answered and (c.lesson_id is None or c.lesson_id in in_track)]
    kept = sum(1 for c in counted if c.done)
    return GoalProgress(goal, len(lessons), retained, learning, len(counted), kept)


async def goal_progress(
    session: AsyncSession, *, library: Library, person_ids: Sequence[int]
) -> dict[int, list[GoalProgress]]:
    """person id -> the progress towards each of their goals, in the order chosen (people without goals
    the library knows are left out): four queries whatever the number of people, for `progress`, the
    mentor's digest and brief, and the dashboard and `report`."""
    chosen = {
        person_id: known
        for person_id, goal_ids in (await goals.goals_for(session, person_ids=person_ids)).items()
        if (known := known_goals(library, goal_ids))
    }
    if not chosen:
        return {}
    lessons = sorted(
        {lesson for found in chosen.values() for goal in found for lesson in goal_lessons(goal, library)}
    )
    marks = await goals.lesson_marks(session, person_ids=list(chosen), lesson_ids=lessons)
    made = await goals.commitment_marks(session, person_ids=list(chosen))
    return {
        person_id: [
            measure(goal, library, marks.get(person_id, LessonMarks()), made.get(person_id, []))
            for goal in found
        ]
        for person_id, found in chosen.items()
    }


def progress_lines(progress: Sequence[GoalProgress], lang: str) -> list[str]:
    """`- *Protect my accounts*: 45% (1 of 3 lessons retained, 1 more answered right, 1 of 2 commitments
    kept)`, one line per goal."""
    lines = []
    for one in progress:
        details = [t("goals.lessons", lang, retained=one.retained, total=one.lessons)]
        if one.learning:
            details.append(t("goals.learning", lang, count=one.learning))
        if one.commitments:
            details.append(t("goals.commitments", lang, kept=one.kept, count=one.commitments))
        lines.append(
            t("goals.line", lang, goal=one.goal.title(lang), percent=one.percent, details=", ".join(details))
        )
    return lines


def short_progress(progress: Sequence[GoalProgress], lang: str) -> str:
    """`*Protect my accounts* 45%, *Follow my market in real time* 10%`: a line of a digest or a brief."""
    return ", ".join(
        t("goals.short", lang, goal=one.goal.title(lang), percent=one.percent) for one in progress
    )


def not_followed(chosen: Sequence[Goal], tracks: set[str]) -> list[str]:
    """The tracks of these goals the learner does not follow, in order, once each."""
    return [track for track in dict.fromkeys(goal.track for goal in chosen) if track not in tracks]
