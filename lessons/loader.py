"""Read and validate the Markdown lesson library, its tracks and its goals.

Every problem becomes a `path:line: message`. A broken file is left out and reported; it never stops the
others from loading. Directories given later override lessons (same id and language), tracks and goals
(same id) from earlier ones, so an organisation's own lessons win over the bundled ones.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from lessons import yamlsafe
from lessons.goals import GOALS_FILE, load_goals
from lessons.model import AUDIENCES, LANGS, LEARNERS, Lesson, Library, Problem, Quiz, Track
from lessons.typography import french

logger = logging.getLogger(__name__)

BUNDLED_DIR = Path(__file__).resolve().parent / "library"
TRACKS_FILE = "tracks.yml"
SUMMARY_MAX = 400
BODY_WORDS = (120, 300)
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
WORD_RE = re.compile(r"\w+(?:['’]\w+)*")
FIELDS = (
    "id",
    "title",
    "lang",
    "tags",
    "summary",
    "try_it",
    "opener",
    "quiz",
    "quizzes",
    "verified",
    "related",
    "asks",
    "audience",
)
REQUIRED = ("id", "title", "lang", "tags", "summary", "try_it", "verified")
"""Required besides one of `quiz` (one question) and `quizzes` (a list of variants)."""
QUIZ_FIELDS = ("question", "choices", "answer", "explanation")
MIN_VARIANTS = 3
FEW_VARIANTS = "only {count} quiz {variants}: reviews will ask them again and again; list 3 or more"
"""A `quizzes:` list that is too short. The single `quiz:` form stays valid and quiet: a lesson written
that way simply asks its one question again in reviews."""
NEAR_QUESTION = 0.85
"""Two quiz variants whose questions match this closely (difflib's ratio, case and punctuation aside)
are one question reworded."""
ASK_MAX = 300
"""The longest example question (`asks:`), in characters."""
OPENER_MAX = 200
"""The longest `opener:` (the question a mentor asks the room to open a workshop lesson), in characters."""
OPENER_EXAMPLE = "What worries you about LinkedIn?"


@dataclass(slots=True)
class _Draft:
    """A lesson that parsed, with the lines of the fields checked across files."""

    lesson: Lesson
    related_lines: list[int] = field(default_factory=list)
    audience_line: int = 2


class _FileErrors(Exception):
    """Raised inside one file's parsing to stop it once it cannot be a lesson."""


@dataclass(slots=True)
class _Reporter:
    path: Path
    problems: list[Problem]
    failed: bool = False

    def error(self, line: int, message: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.path, line, message))

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, warning=True))


def load_library(extra_dirs: Sequence[Path | str] = (), *, include_bundled: bool = True) -> Library:
    """Load the bundled library, then each extra directory in order, and validate the result."""
    dirs = ([BUNDLED_DIR] if include_bundled else []) + [Path(d) for d in extra_dirs]
    library = Library()
    drafts: dict[tuple[str, str], _Draft] = {}
    track_lines: dict[str, tuple[Path, int, list[int]]] = {}
    for directory in dirs:
        _load_dir(directory, library, drafts, track_lines)
    _check_references(library, drafts, track_lines)
    library.lessons = {key: draft.lesson for key, draft in sorted(drafts.items())}
    _load_goals(dirs, library)
    logger.info(
        "Loaded %s lessons, %s tracks and %s goals from %s directories (%s errors)",
        len(library.lessons),
        len(library.tracks),
        len(library.goals),
        len(dirs),
        len(library.errors),
    )
    return library


def _load_goals(dirs: Sequence[Path], library: Library) -> None:
    """Each directory's `goals.yml`, in order, checked against the tracks as finally loaded (a goal may
    name a track from any directory); a goal with the id of an earlier one replaces it."""
    tracks = {track_id: track.lessons for track_id, track in library.tracks.items()}
    for directory in dirs:
        path = directory / GOALS_FILE
        if not path.is_file():
            continue
        goals, problems = load_goals(path, tracks=tracks)
        library.problems.extend(problems)
        for goal in goals:
            library.goals[goal.id] = goal


def _load_dir(
    directory: Path,
    library: Library,
    drafts: dict[tuple[str, str], _Draft],
    track_lines: dict[str, tuple[Path, int, list[int]]],
) -> None:
    if not directory.is_dir():
        library.problems.append(Problem(directory, 0, "lesson directory not found"))
        return
    seen_here: dict[tuple[str, str], Path] = {}
    for path in _lesson_files(directory, library.problems):
        draft = parse_lesson_file(path, library.problems)
        if draft is None:
            continue
        key = draft.lesson.key
        if key in seen_here:
            library.problems.append(
                Problem(path, 2, f"duplicate lesson id '{key[0]}' ({key[1]}), also in {seen_here[key]}")
            )
            continue
        seen_here[key] = path
        if key in drafts:
            logger.debug("%s overrides %s", path, drafts[key].lesson.path)
        drafts[key] = draft
    tracks_path = directory / TRACKS_FILE
    if tracks_path.is_file():
        for track, lines in _parse_tracks(tracks_path, library.problems):
            library.tracks[track.id] = track
            track_lines[track.id] = (tracks_path, lines[0], lines[1:])


def _lesson_files(directory: Path, problems: list[Problem]) -> Iterable[Path]:
    for sub in sorted(p for p in directory.iterdir() if p.is_dir()):
        files = sorted(sub.glob("*.md"))
        if sub.name in LANGS:
            yield from files
        elif files:
            problems.append(
                Problem(sub, 0, f"folder '{sub.name}' is not a language ({', '.join(LANGS)}); skipped", True)
            )


def parse_lesson_file(path: Path, problems: list[Problem]) -> _Draft | None:
    """Parse one lesson file; append its problems and return None when it cannot be used."""
    report = _Reporter(path, problems)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        report.error(1, "file is not valid UTF-8")
        return None
    except OSError as exc:
        report.error(0, f"cannot read file: {exc.strerror}")
        return None
    try:
        return _parse_text(text.replace("\r\n", "\n"), path, report)
    except _FileErrors:
        return None


def _split_front_matter(text: str, report: _Reporter) -> tuple[str, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        report.error(1, "no front matter: the file must start with a '---' line")
        raise _FileErrors
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    report.error(1, "front matter is not closed: add a '---' line after the last field")
    raise _FileErrors


def _parse_text(text: str, path: Path, report: _Reporter) -> _Draft | None:
    front, body, body_line = _split_front_matter(text, report)
    try:
        node, loader = yamlsafe.compose(front)
    except yamlsafe.StrictYAMLError as exc:
        report.error(exc.line + 2, exc.message)
        return None
    if not isinstance(node, MappingNode):
        report.error(2, "front matter must be a list of 'field: value' lines")
        return None
    items, duplicates = yamlsafe.mapping_items(loader, node)
    for dup in duplicates:
        report.error(dup.line + 2, dup.message)
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, value_node, line in items:
        lines[str(key)] = line + 2
        if key not in FIELDS:
            hint = difflib.get_close_matches(str(key), FIELDS, n=1)
            report.error(
                line + 2, f"unknown field '{key}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
            )
            continue
        try:
            values[key] = yamlsafe.construct(loader, value_node)
        except yamlsafe.StrictYAMLError as exc:
            report.error(exc.line + 2, f"{key}: {exc.message}")
    for name in REQUIRED:
        if name not in values and name not in lines:
            report.error(2, f"missing required field '{name}'")
    if "quiz" in lines and "quizzes" in lines:
        report.error(lines["quizzes"], "write either quiz (one question) or quizzes (a list), not both")
    elif "quiz" not in lines and "quizzes" not in lines:
        report.error(2, "missing required field 'quiz' (or 'quizzes', a list of variants)")
    lesson = _build_lesson(values, lines, body, body_line, path, report)
    if lesson is None or report.failed:
        return None
    return _Draft(lesson, [lines.get("related", 2)], lines.get("audience", 2))


def _text(values: dict[str, Any], name: str, lines: dict[str, int], report: _Reporter) -> str:
    value = values.get(name)
    if name not in values:
        return ""
    if not isinstance(value, str) or not value.strip():
        report.error(lines.get(name, 2), f"{name} must be non-empty text")
        return ""
    return value.strip()


def _str_list(values: dict[str, Any], name: str, lines: dict[str, int], report: _Reporter) -> tuple[str, ...]:
    value = values.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        report.error(lines.get(name, 2), f"{name} must be a list of words, like [linkedin, profile]")
        return ()
    return tuple(v.strip() for v in value)


def _build_lesson(
    values: dict[str, Any], lines: dict[str, int], body: str, body_line: int, path: Path, report: _Reporter
) -> Lesson | None:
    lesson_id = _text(values, "id", lines, report)
    if lesson_id and not ID_RE.match(lesson_id):
        report.error(lines["id"], f"id '{lesson_id}' must use lowercase letters, digits and '-'")
    elif lesson_id and lesson_id != path.stem:
        report.error(lines["id"], f"id '{lesson_id}' does not match the file name '{path.name}'")
    lang = values.get("lang")
    if "lang" in values and lang not in LANGS:
        shown = "no (YAML reads it as false; quote it)" if lang is False else repr(lang)
        report.error(lines["lang"], f"lang must be one of {', '.join(LANGS)}, not {shown}")
    elif "lang" in values and path.parent.name in LANGS and lang != path.parent.name:
        report.error(lines["lang"], f"lang '{lang}' does not match the folder '{path.parent.name}'")
    title = _text(values, "title", lines, report)
    summary = _text(values, "summary", lines, report)
    if len(summary) > SUMMARY_MAX:
        report.error(lines["summary"], f"summary is {len(summary)} characters; the limit is {SUMMARY_MAX}")
    try_it = _text(values, "try_it", lines, report)
    tags = _str_list(values, "tags", lines, report)
    if "tags" in values and not tags:
        report.error(lines["tags"], "tags must list at least one word")
    related = _str_list(values, "related", lines, report)
    asks = _asks(values, lines, report)
    opener = _opener(values, lines, report)
    audience = _audience(values, lines, report)
    verified = _date(values, lines, report)
    quizzes = _quizzes(values, lines, report)
    words = len(WORD_RE.findall(body))
    if words == 0:
        report.error(body_line, "the lesson has no body: write the full lesson after the front matter")
    elif not BODY_WORDS[0] <= words <= BODY_WORDS[1]:
        report.warn(body_line, f"body has {words} words; aim for {BODY_WORDS[0]}–{BODY_WORDS[1]}")
    if report.failed or not quizzes or verified is None:
        return None
    return _typeset(
        Lesson(
            id=lesson_id,
            lang=str(lang),
            title=title,
            tags=tags,
            summary=summary,
            try_it=try_it,
            quiz=quizzes[0],
            verified=verified,
            body=body.strip(),
            related=tuple(r for r in related if r != lesson_id),
            path=path,
            asks=asks,
            quizzes=quizzes if "quizzes" in values else (),
            opener=opener,
            audience=audience,
        )
    )


def _asks(values: dict[str, Any], lines: dict[str, int], report: _Reporter) -> tuple[str, ...]:
    """The example questions: a list of non-empty texts of at most `ASK_MAX` characters each."""
    if "asks" not in values or values["asks"] is None:
        return ()
    value, line = values["asks"], lines.get("asks", 2)
    if not isinstance(value, list):
        report.error(line, "asks must be a list of example questions, one per '- ' line")
        return ()
    kept: list[str] = []
    for index, ask in enumerate(value, start=1):
        if isinstance(ask, int | float) and not isinstance(ask, bool):
            ask = str(ask)
        if not isinstance(ask, str) or not ask.strip():
            report.error(line, f"asks: example {index} must be non-empty text")
        elif len(ask.strip()) > ASK_MAX:
            report.error(
                line, f"asks: example {index} is {len(ask.strip())} characters; the limit is {ASK_MAX}"
            )
        else:
            kept.append(" ".join(ask.split()))
    return tuple(kept)


def _opener(values: dict[str, Any], lines: dict[str, int], report: _Reporter) -> str:
    """The optional opening question: one question of at most `OPENER_MAX` characters, ending with '?'.
    Optional means left out: an `opener:` line with nothing after it is a mistake, not an absence."""
    if "opener" not in values:
        return ""
    value, line = values["opener"], lines.get("opener", 2)
    if not isinstance(value, str) or not value.strip():
        report.error(line, f"opener must be one question to the room, as text, like '{OPENER_EXAMPLE}'")
        return ""
    opener = " ".join(value.split())
    if len(opener) > OPENER_MAX:
        report.error(line, f"opener is {len(opener)} characters; the limit is {OPENER_MAX}")
    elif not opener.endswith("?"):
        report.error(line, f"opener must be a question that ends with '?', like '{OPENER_EXAMPLE}'")
    return opener


def _audience(values: dict[str, Any], lines: dict[str, int], report: _Reporter) -> str:
    """Whom the lesson is for: `learners` (the default, when the field is absent) or `mentors` (the
    mentor guide, which the answer engine never answers with)."""
    if "audience" not in values:
        return LEARNERS
    value = values["audience"]
    if value not in AUDIENCES:
        hint = difflib.get_close_matches(str(value), AUDIENCES, n=1)
        report.error(
            lines.get("audience", 2),
            f"audience must be {' or '.join(AUDIENCES)}, not {value!r}"
            + (f" (did you mean '{hint[0]}'?)" if hint else ""),
        )
        return LEARNERS
    return str(value)


def _typeset(lesson: Lesson) -> Lesson:
    """A French lesson with French typography (`lessons.typography.french`), however its author typed
    the spaces; the quiz's answer stays one of its choices since both change alike."""
    if lesson.lang != "fr":
        return lesson
    quizzes = tuple(_french_quiz(quiz) for quiz in lesson.quizzes)
    return replace(
        lesson,
        title=french(lesson.title),
        summary=french(lesson.summary),
        try_it=french(lesson.try_it),
        opener=french(lesson.opener),
        body=french(lesson.body),
        quiz=quizzes[0] if quizzes else _french_quiz(lesson.quiz),
        quizzes=quizzes,
    )


def _french_quiz(quiz: Quiz) -> Quiz:
    return Quiz(
        french(quiz.question),
        tuple(french(choice) for choice in quiz.choices),
        french(quiz.answer),
        french(quiz.explanation),
    )


def _date(values: dict[str, Any], lines: dict[str, int], report: _Reporter) -> dt.date | None:
    if "verified" not in values:
        return None
    value = values["verified"]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    report.error(lines["verified"], f"verified must be a real date like 2026-11-20, not {value!r}")
    return None


def _quizzes(values: dict[str, Any], lines: dict[str, int], report: _Reporter) -> tuple[Quiz, ...]:
    """The lesson's quiz variants: the single `quiz`, or each of `quizzes` (checked one by one, then
    against each other: two variants must not share their answer nor ask nearly the same question)."""
    if "quiz" in values:
        quiz = _quiz(values["quiz"], lines["quiz"], "quiz", report)
        return (quiz,) if quiz is not None else ()
    if "quizzes" not in values:
        return ()
    listed, line = values["quizzes"], lines["quizzes"]
    if not isinstance(listed, list) or not listed:
        report.error(
            line, "quizzes must be a list of quizzes, each with question, choices, answer, explanation"
        )
        return ()
    found = [_quiz(item, line, f"quizzes: variant {n}", report) for n, item in enumerate(listed, start=1)]
    quizzes = tuple(quiz for quiz in found if quiz is not None)
    if len(quizzes) != len(found):
        return ()
    _compare_variants(quizzes, line, report)
    if len(quizzes) < MIN_VARIANTS:
        report.warn(
            line,
            FEW_VARIANTS.format(count=len(quizzes), variants="variant" if len(quizzes) == 1 else "variants"),
        )
    return quizzes


def _compare_variants(quizzes: tuple[Quiz, ...], line: int, report: _Reporter) -> None:
    for first in range(len(quizzes)):
        for second in range(first + 1, len(quizzes)):
            a, b = quizzes[first], quizzes[second]
            pair = f"quizzes: variants {first + 1} and {second + 1}"
            if _folded(a.answer) == _folded(b.answer):
                report.error(line, f"{pair} have the same answer; test the point from another angle")
            if _near(a.question, b.question):
                report.error(line, f"{pair} ask nearly the same question; reword one from another angle")


def _folded(text: str) -> str:
    return " ".join(WORD_RE.findall(text.casefold()))


def _near(first: str, second: str) -> bool:
    """Two questions that differ by a few words only (a reworded copy, not another angle)."""
    a, b = _folded(first), _folded(second)
    return difflib.SequenceMatcher(None, a, b).ratio() >= NEAR_QUESTION


def _quiz(quiz: Any, line: int, label: str, report: _Reporter) -> Quiz | None:
    if not isinstance(quiz, dict):
        report.error(line, f"{label} must have question, choices, answer and explanation")
        return None
    missing = [name for name in QUIZ_FIELDS if name not in quiz]
    extra = [str(name) for name in quiz if name not in QUIZ_FIELDS]
    if missing:
        report.error(line, f"{label} is missing {', '.join(missing)}")
    if extra:
        report.error(line, f"{label} has unknown field(s) {', '.join(extra)}")
    if missing or extra:
        return None
    choices = quiz["choices"]
    if not isinstance(choices, list) or not all(isinstance(c, str | int | float) for c in choices):
        report.error(line, f"{label} choices must be a list of 2 to 4 answers")
        return None
    choices = [str(c).strip() for c in choices]
    texts = {name: quiz[name] for name in ("question", "answer", "explanation")}
    problems = [name for name, value in texts.items() if not isinstance(value, str | int) or not str(value)]
    if problems:
        report.error(line, f"{label} {', '.join(problems)} must be text")
        return None
    answer = str(quiz["answer"]).strip()
    if not 2 <= len(choices) <= 4:
        report.error(line, f"{label} needs 2 to 4 choices, not {len(choices)}")
    elif len(set(choices)) != len(choices):
        report.error(line, f"{label} choices must all be different")
    elif answer not in choices:
        report.error(line, f"{label} answer '{answer}' is not one of the choices")
    else:
        return Quiz(str(quiz["question"]).strip(), tuple(choices), answer, str(quiz["explanation"]).strip())
    return None


def _parse_tracks(path: Path, problems: list[Problem]) -> list[tuple[Track, list[int]]]:
    """Each valid track with its line and the line of each lesson id in it."""
    report = _Reporter(path, problems)
    try:
        node, loader = yamlsafe.compose(path.read_text(encoding="utf-8-sig"))
    except yamlsafe.StrictYAMLError as exc:
        report.error(exc.line + 1, exc.message)
        return []
    except (OSError, UnicodeDecodeError) as exc:
        report.error(0, f"cannot read tracks: {exc}")
        return []
    entries = _tracks_node(node, loader, report)
    tracks: list[tuple[Track, list[int]]] = []
    seen: set[str] = set()
    for entry in entries:
        parsed = _parse_track(entry, loader, report)
        if parsed is None:
            continue
        if parsed[0].id in seen:
            report.error(entry.start_mark.line + 1, f"duplicate track id '{parsed[0].id}'")
            continue
        seen.add(parsed[0].id)
        tracks.append(parsed)
    return tracks


def _tracks_node(node: Node | None, loader: Any, report: _Reporter) -> list[Node]:
    if isinstance(node, MappingNode):
        items, duplicates = yamlsafe.mapping_items(loader, node)
        for dup in duplicates:
            report.error(dup.line + 1, dup.message)
        node = next((value for key, value, _ in items if key == "tracks"), None)
    if not isinstance(node, SequenceNode):
        report.error(1, "tracks.yml must hold 'tracks:' followed by a list of tracks")
        return []
    return list(node.value)


def _parse_track(entry: Node, loader: Any, report: _Reporter) -> tuple[Track, list[int]] | None:
    line = entry.start_mark.line + 1
    if not isinstance(entry, MappingNode):
        report.error(line, "each track needs id, title and lessons")
        return None
    try:
        items, duplicates = yamlsafe.mapping_items(loader, entry)
        values = {key: (yamlsafe.construct(loader, value), value) for key, value, _ in items}
    except yamlsafe.StrictYAMLError as exc:
        report.error(exc.line + 1, exc.message)
        return None
    for dup in duplicates:
        report.error(dup.line + 1, dup.message)
    track_id = values.get("id", (None, None))[0]
    titles = values.get("title", (None, None))[0]
    lessons, lessons_node = values.get("lessons", (None, None))
    ok = not duplicates
    if not isinstance(track_id, str) or not ID_RE.match(track_id):
        report.error(line, "track id must use lowercase letters, digits and '-'")
        ok = False
    if isinstance(titles, str):
        titles = {lang: titles for lang in LANGS}
    if not isinstance(titles, dict) or not titles or not set(titles) <= set(LANGS):
        report.error(line, f"track title must give a title per language ({', '.join(LANGS)})")
        ok = False
    if not isinstance(lessons, list) or not lessons or not all(isinstance(x, str) for x in lessons):
        report.error(line, "track lessons must be a list of lesson ids")
        ok = False
    if (
        not ok
        or not isinstance(track_id, str)
        or not isinstance(titles, dict)
        or not isinstance(lessons, list)
    ):
        return None
    lesson_lines = [item.start_mark.line + 1 for item in lessons_node.value] if lessons_node else []
    titled = {k: french(str(v)) if k == "fr" else str(v) for k, v in titles.items()}
    return Track(track_id, titled, tuple(lessons)), [line, *lesson_lines]


def _check_references(
    library: Library,
    drafts: dict[tuple[str, str], _Draft],
    track_lines: dict[str, tuple[Path, int, list[int]]],
) -> None:
    """Related ids and track entries must name existing lessons; fix the data and report each miss."""
    known = {lesson_id for lesson_id, _ in drafts}
    for key, draft in drafts.items():
        lesson = draft.lesson
        missing = [r for r in lesson.related if r not in known]
        for related_id in missing:
            assert lesson.path is not None
            library.problems.append(
                Problem(lesson.path, draft.related_lines[0], f"related lesson '{related_id}' does not exist")
            )
        if missing:
            kept = tuple(r for r in lesson.related if r in known)
            drafts[key] = replace(draft, lesson=_replace_related(lesson, kept))
    for track_id, track in list(library.tracks.items()):
        path, _, lines = track_lines[track_id]
        seen: set[str] = set()
        kept_ids: list[str] = []
        for lesson_id, line in zip(track.lessons, lines, strict=False):
            if lesson_id not in known:
                library.problems.append(Problem(path, line, f"track '{track_id}': no lesson '{lesson_id}'"))
            elif lesson_id in seen:
                library.problems.append(Problem(path, line, f"track '{track_id}' lists '{lesson_id}' twice"))
            else:
                seen.add(lesson_id)
                kept_ids.append(lesson_id)
        if len(kept_ids) != len(track.lessons):
            library.tracks[track_id] = Track(track.id, track.titles, tuple(kept_ids))
    for lesson_id in sorted(known):
        langs = [lang for lang in LANGS if (lesson_id, lang) in drafts]
        _check_audience(library, [drafts[(lesson_id, lang)] for lang in langs])
        if len(langs) < len(LANGS):
            where = drafts[(lesson_id, langs[0])].lesson.path
            assert where is not None
            library.problems.append(
                Problem(where, 1, f"lesson '{lesson_id}' has no translation in {_missing(langs)}", True)
            )


def _check_audience(library: Library, versions: list[_Draft]) -> None:
    """Every language of a lesson is for the same audience: an error at each one that differs from the
    first, since the answer engine would answer with one language and not the other."""
    first = versions[0].lesson
    for draft in versions[1:]:
        lesson = draft.lesson
        if lesson.audience != first.audience:
            assert lesson.path is not None
            library.problems.append(
                Problem(
                    lesson.path,
                    draft.audience_line,
                    f"audience '{lesson.audience}' differs from the {first.lang} version's "
                    f"'{first.audience}': write the same audience in every language",
                )
            )


def _missing(langs: list[str]) -> str:
    return ", ".join(lang for lang in LANGS if lang not in langs)


def _replace_related(lesson: Lesson, related: tuple[str, ...]) -> Lesson:
    return replace(lesson, related=related)
