"""The programme's goals: what a learner wants from the programme, picked at pairing (1 to 3 of them).

Each goal is tied to a track, the one that serves it, and may name the lessons of that track that serve it
most directly. The list lives in `goals.yml` beside `tracks.yml`, with a title per language:

    goals:
      - id: protect-my-accounts
        title:
          en: Protect my accounts
          fr: Protéger mes comptes
        track: first-steps
        lessons: [strong-passwords, two-factor-authentication]   # optional

Like the lessons, every problem is a `path:line: message` and a broken goal never stops the others.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from lessons import yamlsafe
from lessons.model import LANGS, Problem
from lessons.typography import french

GOALS_FILE = "goals.yml"
PICKED = (1, 3)
"""How many goals a learner picks at pairing: at least one, at most three."""
TITLE_MAX = 75
"""The longest title, in characters: a goal is offered as a button or a menu option, and Slack cuts
those at 75."""
FIELDS = ("id", "title", "track", "lessons")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""kebab-case: lowercase words of letters and digits joined by single hyphens."""
ID_MAX = 64

_Values = dict[str, tuple[Any, Node, int]]
"""A goal's fields: its value, its YAML node and its 1-based line, by name."""
_Error = Callable[[int, str], None]
"""Records a problem at a 1-based line of the file."""


@dataclass(frozen=True, slots=True)
class Goal:
    """One goal of the programme's list, with a title per language and the track that serves it."""

    id: str
    titles: Mapping[str, str] = field(hash=False)
    track: str
    lessons: tuple[str, ...] = ()
    """The lessons of `track` that serve this goal most directly, in order; empty when the whole track
    does."""

    def title(self, lang: str) -> str:
        """The title in `lang`, else in another language, else the id."""
        return self.titles.get(lang) or next(iter(self.titles.values()), self.id)


def load_goals(path: Path, *, tracks: Collection[str]) -> tuple[tuple[Goal, ...], list[Problem]]:
    """The valid goals of the file at `path`, in its order, and the problems of the others.

    `tracks` holds the known track ids; given as a mapping from track id to its lesson ids, a goal's
    `lessons` must also be lessons of its track."""
    problems: list[Problem] = []
    parsed = _read(path, problems)
    if parsed is None:
        return (), problems
    entries, loader = parsed
    goals: list[Goal] = []
    seen: set[str] = set()
    for entry in entries:
        goal = _parse_goal(entry, loader, path, tracks, problems)
        if goal is None:
            continue
        if goal.id in seen:
            problems.append(Problem(path, entry.start_mark.line + 1, f"duplicate goal id '{goal.id}'"))
            continue
        seen.add(goal.id)
        goals.append(goal)
    return tuple(goals), problems


def _read(path: Path, problems: list[Problem]) -> tuple[list[Node], Any] | None:
    """The file's goal entries and the YAML loader that built them, or None (with its problem)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(path, 1, "file is not valid UTF-8"))
        return None
    except OSError as exc:
        problems.append(Problem(path, 0, f"cannot read goals: {exc.strerror}"))
        return None
    try:
        node, loader = yamlsafe.compose(text.replace("\r\n", "\n"))
    except yamlsafe.StrictYAMLError as exc:
        problems.append(Problem(path, exc.line + 1, exc.message))
        return None
    if isinstance(node, MappingNode):
        try:
            items, duplicates = yamlsafe.mapping_items(loader, node)
        except yamlsafe.StrictYAMLError as exc:
            problems.append(Problem(path, exc.line + 1, exc.message))
            return None
        problems.extend(Problem(path, dup.line + 1, dup.message) for dup in duplicates)
        for key, _, line in items:
            if key != "goals":
                problems.append(Problem(path, line + 1, f"unknown key '{key}': the file holds 'goals:' only"))
        node = next((value for key, value, _ in items if key == "goals"), None)
    if not isinstance(node, SequenceNode) or not node.value:
        line = node.start_mark.line + 1 if node is not None else 1
        problems.append(Problem(path, line, "goals.yml must hold 'goals:' followed by a list of goals"))
        return None
    return list(node.value), loader


def _parse_goal(
    entry: Node, loader: Any, path: Path, tracks: Collection[str], problems: list[Problem]
) -> Goal | None:
    """One goal, or None when anything in it is wrong (each problem at its own line)."""
    line = entry.start_mark.line + 1
    before = len(problems)

    def error(at: int, message: str) -> None:
        problems.append(Problem(path, at, message))

    if not isinstance(entry, MappingNode):
        error(line, "each goal needs an id, a title per language and a track")
        return None
    values: _Values = {}
    try:
        items, duplicates = yamlsafe.mapping_items(loader, entry)
        for key, value_node, key_line in items:
            values[str(key)] = (yamlsafe.construct(loader, value_node), value_node, key_line + 1)
    except yamlsafe.StrictYAMLError as exc:
        error(exc.line + 1, exc.message)
        return None
    for dup in duplicates:
        error(dup.line + 1, dup.message)
    for key, (_, _, key_line) in values.items():
        if key not in FIELDS:
            hint = difflib.get_close_matches(key, FIELDS, n=1)
            error(key_line, f"unknown field '{key}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
    goal_id = _goal_id(values, line, error)
    name = f"goal '{goal_id}'" if goal_id else "goal"
    titles = _titles(values, line, name, error)
    track = _track(values, line, name, tracks, error)
    lessons = _lessons(values, name, track, tracks, error)
    if len(problems) > before or goal_id is None or titles is None or track is None:
        return None
    return Goal(goal_id, titles, track, lessons)


def _goal_id(values: _Values, line: int, error: _Error) -> str | None:
    """The goal's id, kebab-case."""
    if "id" not in values:
        error(line, "goal has no id: add 'id: some-words' (lowercase words joined by '-')")
        return None
    goal_id, _, at = values["id"]
    if not isinstance(goal_id, str) or not ID_RE.match(goal_id) or len(goal_id) > ID_MAX:
        error(at, f"goal id {goal_id!r} must be lowercase words joined by '-', like protect-my-accounts")
        return None
    return goal_id


def _titles(values: _Values, line: int, name: str, error: _Error) -> dict[str, str] | None:
    """The title per language: every language of the library, each non-empty and short enough."""
    example = ", ".join(f"{lang}: …" for lang in LANGS)
    if "title" not in values:
        error(line, f"{name} has no title: give one per language ({example})")
        return None
    titles, _, at = values["title"]
    if not isinstance(titles, dict):
        error(at, f"{name}: title must give one title per language ({example})")
        return None
    ok = True
    for lang in titles:
        if lang not in LANGS:
            error(at, f"{name}: title language '{lang}' is not one of {', '.join(LANGS)}")
            ok = False
    for lang in LANGS:
        text = titles.get(lang)
        if lang not in titles:
            error(at, f"{name}: title has no '{lang}' version; every goal needs {', '.join(LANGS)}")
            ok = False
        elif not isinstance(text, str) or not text.strip():
            error(at, f"{name}: title '{lang}' must be non-empty text")
            ok = False
        elif len(text.strip()) > TITLE_MAX:
            error(at, f"{name}: title '{lang}' is {len(text.strip())} characters; the limit is {TITLE_MAX}")
            ok = False
    if not ok:
        return None
    return {lang: french(titles[lang].strip()) if lang == "fr" else titles[lang].strip() for lang in LANGS}


def _track(values: _Values, line: int, name: str, tracks: Collection[str], error: _Error) -> str | None:
    """The goal's track: one of `tracks`."""
    if "track" not in values:
        error(line, f"{name} has no track: add 'track: <id>', one of the ids in tracks.yml")
        return None
    track, _, at = values["track"]
    if not isinstance(track, str) or not track.strip():
        error(at, f"{name}: track must be a track id from tracks.yml")
        return None
    if track not in tracks:
        hint = difflib.get_close_matches(track, sorted(tracks), n=1)
        known = f"did you mean '{hint[0]}'?" if hint else f"known: {', '.join(sorted(tracks)) or 'none'}"
        error(at, f"{name}: no track '{track}' ({known})")
        return None
    return track


def _lessons(
    values: _Values,
    name: str,
    track: str | None,
    tracks: Collection[str],
    error: _Error,
) -> tuple[str, ...]:
    """The optional lessons: distinct lesson ids, each in the goal's track when the tracks' lessons are
    known; each problem at its entry's line."""
    if "lessons" not in values:
        return ()
    lessons, node, at = values["lessons"]
    if not isinstance(lessons, list) or not lessons or not all(isinstance(x, str) for x in lessons):
        error(at, f"{name}: lessons must be a list of lesson ids, like [strong-passwords]")
        return ()
    lines = [item.start_mark.line + 1 for item in node.value] if isinstance(node, SequenceNode) else []
    in_track = tracks.get(track) if isinstance(tracks, Mapping) and track is not None else None
    seen: set[str] = set()
    for lesson_id, lesson_line in zip(lessons, lines or [at] * len(lessons), strict=True):
        if lesson_id in seen:
            error(lesson_line, f"{name} lists lesson '{lesson_id}' twice")
        elif in_track is not None and lesson_id not in in_track:
            error(lesson_line, f"{name}: lesson '{lesson_id}' is not in track '{track}'")
        seen.add(lesson_id)
    return tuple(lessons)
