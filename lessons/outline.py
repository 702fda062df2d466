"""A lesson's talking outline for a live workshop: the real risk, how to master it, what you gain.

Lessons follow the programme's three beats under `##` headings ("The real risk" / "Le vrai risque", "How
to master it" / "Comment s’y prendre", "What you gain" / "Ce que vous y gagnez"), but their wording varies
from lesson to lesson and between languages. The risk and the gain are found by a keyword in their heading
("risk", "risque"; "gain", "gagn", "benefit", "bénéfice"); how to master it is whatever lies between them,
whatever it is called, so a translation gets the same outline as its original. Sections before the risk
(vocabulary, formats) set the scene and are left to the summary.

Each point (a bullet, or a paragraph) is cut to its first sentence, then to at most `POINT_MAX` visible
characters, its Markdown bold kept: the mentor's five minutes, not the lesson read aloud.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lessons.model import Lesson

POINT_MAX = 160
"""The longest point in visible characters (a link counts as its text, bold markers not at all), the
ellipsis of a shortened one included."""
RISK_HEADING = re.compile(r"\brisk|\brisque", re.IGNORECASE)
GAIN_HEADING = re.compile(r"\bgain|\bgagn|\bbenefit|\bbénéfice", re.IGNORECASE)
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\s]*\)")
_ABBREVIATIONS = frozenset("e.g i.e etc vs cf ex p.ex approx incl mr mrs ms dr nº n° m mme mlle env".split())
"""Words whose full stop does not end the sentence (compared lowercased, without their last dot)."""
_CLOSERS = ("**", "*", "_", "»", "”", '"', "’", "'", ")", "]")
_OPENERS = "«“\"'‘*_([¿¡"
_CLAUSE_MARKS = (",", ";", ":", "–", "—")
"""Where a sentence that is too long is best cut, before falling back to the last space."""
_SMALL_WORDS = frozenset(
    "a an the of to in on at by for and or but with from as your its their our"
    " de du des d’ d' le la les l’ l' un une à au aux et ou en sur avec par pour votre vos son sa ses"
    " leur leurs qui que".split()
)
"""Words a shortened point does not end on, before its ellipsis."""
_PAIRS = (("(", ")"), ("[", "]"), ("«", "»"), ("“", "”"), ('"', '"'))
"""Brackets and quotation marks a shortened point does not leave open."""


@dataclass(frozen=True, slots=True)
class Outline:
    """The points of a lesson's three sections, each one short sentence; a section the lesson does not
    have is an empty tuple, and the caller falls back to the summary."""

    risk: tuple[str, ...] = ()
    master: tuple[str, ...] = ()
    gain: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """No section found at all: the caller talks from the summary."""
        return not (self.risk or self.master or self.gain)


@dataclass(slots=True)
class _Section:
    heading: str
    lines: list[str]


def outline(lesson: Lesson) -> Outline:
    """The talking outline of `lesson`, read from its body."""
    sections = _sections(lesson.body)
    headings = [section.heading for section in sections]
    risk_at, master, gain_at = _roles(headings)

    def points(indexes: range | list[int]) -> tuple[str, ...]:
        return tuple(shorten(point) for index in indexes for point in _points(sections[index].lines))

    return Outline(
        risk=points([risk_at]) if risk_at is not None else (),
        master=points(master),
        gain=points([gain_at]) if gain_at is not None else (),
    )


def _roles(headings: list[str]) -> tuple[int | None, range, int | None]:
    """Which section is the risk, which are how to master it, which is the gain, by index.

    The risk and gain are named by their heading's keyword. With neither, three sections or more are
    taken by position (the first, the middle ones, the last). With a risk but no gain named, the last
    section is the gain when at least one section lies between them. With a gain but no risk, every
    section before the gain is how to master it."""
    risk_at = next((i for i, h in enumerate(headings) if RISK_HEADING.search(h)), None)
    gain_at = next((i for i in reversed(range(len(headings))) if GAIN_HEADING.search(headings[i])), None)
    if gain_at is not None and risk_at is not None and gain_at <= risk_at:
        gain_at = None
    if risk_at is None and gain_at is None:
        if len(headings) < 3:
            return None, range(0), None
        risk_at, gain_at = 0, len(headings) - 1
    elif gain_at is None:
        assert risk_at is not None
        last = len(headings) - 1
        gain_at = last if last - risk_at >= 2 else None
    start = risk_at + 1 if risk_at is not None else 0
    return risk_at, range(start, gain_at if gain_at is not None else len(headings)), gain_at


def _sections(body: str) -> list[_Section]:
    """The body's `#` and `##` sections with their lines; the introduction before the first heading, the
    lines of fenced code blocks and deeper headings are left out."""
    sections: list[_Section] = []
    fenced = False
    for line in body.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        heading = None if fenced else _HEADING.match(line)
        if heading and len(heading.group(1)) <= 2:
            sections.append(_Section(heading.group(2), []))
        elif sections and not fenced and not heading:
            sections[-1].lines.append(line)
    return sections


def _points(lines: list[str]) -> list[str]:
    """A section's points: each top-level list item (with its continuation lines and nested items), and
    each paragraph."""
    points: list[str] = []
    current: list[str] = []
    kind = ""
    blank = False
    for raw in lines:
        line = re.sub(r"^ {0,3}> ?", "", raw)
        if not line.strip():
            blank = True
            continue
        indent = len(line) - len(line.lstrip())
        item = _ITEM.match(line)
        top_item = item is not None and indent <= 1
        if top_item or not kind or (blank and (kind != "item" or indent < 2)):
            if current:
                points.append(" ".join(current))
            current, kind = [], "item" if top_item else "paragraph"
        current.append(item.group(1) if item else line.strip())
        blank = False
    if current:
        points.append(" ".join(current))
    return [point for point in (_spaced(p) for p in points) if point]


def _spaced(text: str) -> str:
    """`text` with runs of ordinary spaces made one; French no-break spaces stay."""
    return re.sub(r"[ \t\n]+", " ", text).strip()


def shorten(point: str) -> str:
    """The first sentence of `point` (a leading bold label such as `**Camera.**` does not count as
    one), cut at a clause or a word to at most `POINT_MAX` visible characters, its bold kept balanced."""
    sentence = first_sentence(_spaced(point))
    if visible_length(sentence) <= POINT_MAX:
        return sentence
    return _cut(sentence)


def visible_length(text: str) -> int:
    """The length of `text` as a reader sees it: a link counts as its text, bold markers not at all."""
    return len(_LINK.sub(lambda link: link.group(1), text).replace("**", ""))


def first_sentence(text: str) -> str:
    """`text` up to the end of its first sentence: a `.`, `!`, `?` or `…` (with any closing quote,
    bracket or emphasis) followed by a space and a capital, a digit or an opening mark."""
    label_end = _label_end(text)
    for match in re.finditer(r"[.!?…]", text):
        end = _after_closers(text, match.end())
        if end <= label_end or end >= len(text) or not text[end].isspace():
            continue
        following = text[end:].lstrip()
        if not following or not (
            following[0].isupper() or following[0].isdigit() or following[0] in _OPENERS
        ):
            continue
        if match.group() == "." and _abbreviation(text[: match.start()]):
            continue
        return text[:end].rstrip()
    return text


def _label_end(text: str) -> int:
    """Where a leading bold label (`**Camera.** Place it …`) ends; 0 when the text has none."""
    if not text.startswith("**"):
        return 0
    close = text.find("**", 2)
    return close + 2 if close > 2 else 0


def _after_closers(text: str, index: int) -> int:
    """`index` moved past closing quotes, brackets and emphasis (a French ` »` too)."""
    while index < len(text):
        if text[index] in "\u202f\u00a0" and text[index + 1 : index + 2] == "»":
            index += 2
            continue
        closer = next((c for c in _CLOSERS if text.startswith(c, index)), None)
        if closer is None:
            return index
        index += len(closer)
    return index


def _abbreviation(before: str) -> bool:
    word = re.search(r"([\w.°º]+)$", before)
    return word is not None and word.group(1).lower().rstrip(".") in _ABBREVIATIONS


def _cut(sentence: str) -> str:
    """`sentence` cut with an ellipsis to fit `POINT_MAX`: after the last clause mark when that keeps
    three quarters of the room, else at the last space that fits; never inside a link."""
    links = [link.span() for link in _LINK.finditer(sentence)]
    spaces = [
        index
        for index, char in enumerate(sentence)
        if char == " " and not any(start < index < end for start, end in links)
    ]
    fitting = [
        index
        for index in spaces
        if _trimmed(sentence[:index]) and visible_length(_trimmed(sentence[:index])) < POINT_MAX
    ]
    if not fitting:
        return (_trimmed(sentence[: POINT_MAX - 1]) or sentence[: POINT_MAX - 1]) + "…"
    clauses = [index for index in fitting if _clause_ends(sentence, index)]
    at = max(fitting)
    if clauses and visible_length(sentence[: max(clauses)]) >= POINT_MAX * 3 // 4:
        at = max(clauses)
    return _trimmed(sentence[:at]) + "…"


def _clause_ends(sentence: str, space: int) -> bool:
    """Whether the space at `space` follows a clause mark or opens a parenthesis."""
    return sentence[:space].endswith(_CLAUSE_MARKS) or sentence.startswith("(", space + 1)


def _trimmed(text: str) -> str:
    """`text` fit to end before an ellipsis: no trailing clause mark, space or small word (`the`, `de`),
    no bracket or quotation left open, its bold closed if it was left open."""
    kept = text
    while True:
        before = kept
        kept = kept.rstrip(" ,;:–—\u202f\u00a0")
        last = re.search(r"(?:^|\s)(\S+)$", kept)
        if last and last.group(1).lower() in _SMALL_WORDS:
            kept = kept[: last.start(1)]
        for opening, closing in _PAIRS:
            if kept.count(opening) > kept.count(closing) or (opening == closing and kept.count(opening) % 2):
                kept = kept[: kept.rfind(opening)]
        if kept == before:
            break
    return kept + "**" if kept.count("**") % 2 else kept
