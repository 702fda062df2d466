"""Plain data types for the lesson library: no I/O, no platform types."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lessons.goals import Goal

LANGS: tuple[str, ...] = ("en", "fr")
"""The languages of the library, and so the languages Tandem speaks."""

LEARNERS = "learners"
MENTORS = "mentors"
AUDIENCES: tuple[str, ...] = (LEARNERS, MENTORS)
"""Whom a lesson is written for (its `audience:`): the learners, the default, or their mentors (the mentor
guide). Only learners' lessons answer questions; a mentors' lesson reaches people through its track only."""


def lang_of_locale(locale: object) -> str | None:
    """The language Tandem speaks that a platform's locale names (`fr-FR`, `en_GB`, `fr` -> `fr`), or None
    when it names another one or none."""
    if not isinstance(locale, str):
        return None
    lang = re.split(r"[-_]", locale.strip(), maxsplit=1)[0].lower()
    return lang if lang in LANGS else None


@dataclass(frozen=True, slots=True)
class Quiz:
    """A one-question quiz: the answer is one of the choices."""

    question: str
    choices: tuple[str, ...]
    answer: str
    explanation: str

    @property
    def answer_index(self) -> int:
        return self.choices.index(self.answer)


@dataclass(frozen=True, slots=True)
class Lesson:
    """One lesson in one language, as read from its Markdown file."""

    id: str
    lang: str
    title: str
    tags: tuple[str, ...]
    summary: str
    try_it: str
    quiz: Quiz
    verified: dt.date
    body: str
    related: tuple[str, ...] = ()
    path: Path | None = None
    asks: tuple[str, ...] = ()
    """Example questions in the lesson's language, in the words a learner would type; the answer engine
    matches questions against them."""
    quizzes: tuple[Quiz, ...] = ()
    """Every quiz variant, `quiz` first; empty for a lesson written with the single `quiz:` form."""
    opener: str = ""
    """The question a mentor asks the room to open the lesson in a live workshop; empty when the lesson
    has none. Not part of what the answer engine indexes."""
    audience: str = LEARNERS
    """`LEARNERS` or `MENTORS` (see `AUDIENCES`): the answer engine indexes learners' lessons only."""

    @property
    def variants(self) -> tuple[Quiz, ...]:
        """The quiz variants that reviews ask in turn: `quizzes`, or the single `quiz`. The same index
        names the same variant in every language of a lesson that has them all alike."""
        return self.quizzes or (self.quiz,)

    def variant(self, index: int) -> Quiz:
        """Variant `index`, wrapped around the ones this language has (a translation may have fewer)."""
        variants = self.variants
        return variants[index % len(variants)]

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.lang)


@dataclass(frozen=True, slots=True)
class Track:
    """An ordered list of lesson ids with a title per language."""

    id: str
    titles: dict[str, str]
    lessons: tuple[str, ...]

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or next(iter(self.titles.values()), self.id)


@dataclass(frozen=True, slots=True)
class Problem:
    """A validation message that points at a file and line: `path:line: message`."""

    path: Path
    line: int
    message: str
    warning: bool = False
    note: bool = False
    """Worth a look, not a fault (a boundary example question): neither an error nor a warning."""

    def __str__(self) -> str:
        """`path:line: message`; `path: message` for a problem with no line (a directory, a folder)."""
        kind = "note: " if self.note else "warning: " if self.warning else ""
        where = f"{self.path}:{self.line}" if self.line > 0 else str(self.path)
        return f"{where}: {kind}{self.message}"


@dataclass(slots=True)
class Library:
    """Every valid lesson, track and goal, plus what was wrong with the rest."""

    lessons: dict[tuple[str, str], Lesson] = field(default_factory=dict)
    tracks: dict[str, Track] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    goals: dict[str, Goal] = field(default_factory=dict)
    """The goals a learner picks from at pairing (`goals.yml`), by id, in the list's order."""

    def for_learners(self) -> Library:
        """This library without the lessons written for mentors: what answers learners' questions. The
        same object when it has none, so an engine built on it is built on exactly what it was before."""
        kept = {key: lesson for key, lesson in self.lessons.items() if lesson.audience == LEARNERS}
        if len(kept) == len(self.lessons):
            return self
        return Library(lessons=kept, tracks=self.tracks, problems=self.problems, goals=self.goals)

    def for_mentors(self, track_id: str) -> bool:
        """Whether a track is written for mentors (every lesson it lists is): never offered to learners."""
        track = self.tracks.get(track_id)
        if track is None or not track.lessons:
            return False
        found = [self.get(lesson_id, LANGS[0]) for lesson_id in track.lessons]
        return all(lesson is not None and lesson.audience == MENTORS for lesson in found)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning and not p.note]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.note]

    def ids(self) -> list[str]:
        """Every lesson id, sorted, whatever its languages."""
        return sorted({lesson_id for lesson_id, _ in self.lessons})

    def related(self, lesson: Lesson) -> list[Lesson]:
        """The lessons `lesson` names under `related`, in its language when they have it, in their front
        matter's order; those missing since (a reload) are left out."""
        found = (self.get(lesson_id, lesson.lang) for lesson_id in lesson.related)
        return [other for other in found if other is not None]

    def get(self, lesson_id: str, lang: str) -> Lesson | None:
        """The lesson in `lang`, or in another language when it has no translation."""
        found = self.lessons.get((lesson_id, lang))
        if found is not None:
            return found
        for other in LANGS:
            if (lesson_id, other) in self.lessons:
                return self.lessons[(lesson_id, other)]
        return None
