"""The one splitter and packer the renderers share: cut where text reads best, count as the platform does."""

from __future__ import annotations

import json
import re

from bot.markdown import ELLIPSIS, Measure


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def json_bytes(text: str) -> int:
    return len(json.dumps(text)) - 2


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    measure = Measure()
    text = "first paragraph here\n\nsecond one\nwith two lines"
    assert measure.split(text, 100) == [text]
    assert measure.split(text, 30) == ["first paragraph here", "second one\nwith two lines"]
    assert measure.split(text, 15) == ["first paragraph", "here", "second one", "with two lines"]


def test_every_piece_fits_by_the_platforms_own_count() -> None:
    """Slack counts UTF-16 units (an emoji outside the BMP is two), Teams JSON bytes (é is six)."""
    text = " ".join(["🙂é"] * 400)
    for cost in (utf16, json_bytes):
        pieces = Measure(cost=cost).split(text, 100)
        assert all(cost(piece) <= 100 for piece in pieces)
        assert " ".join(pieces) == text


def test_a_word_pattern_keeps_links_whole() -> None:
    measure = Measure(word=re.compile(r"(?:\[[^\]]*\]\([^()\s]*\)|\S)+"))
    text = "see [the long label](https://example.com/a) now"
    pieces = measure.split(text, 40)
    assert "[the long label](https://example.com/a)" in pieces


def test_hard_split_never_cuts_a_unit() -> None:
    entities = Measure(unit=re.compile(r"&[a-z]+;|.", re.DOTALL))
    pieces = entities.hard_split("a&amp;" * 20, 7)
    assert "".join(pieces) == "a&amp;" * 20
    assert all(piece.count("&") == piece.count(";") for piece in pieces)
    assert all(len(piece) <= 7 for piece in pieces)


def test_pack_joins_while_it_fits_and_keeps_blank_lines_only_when_asked() -> None:
    measure = Measure()
    assert measure.pack(["ab", "cd", "ef"], "\n", 5) == ["ab\ncd", "ef"]
    assert measure.pack(["x", "", "y"], "\n", 1) == ["x", "y"]
    assert measure.pack(["x", "", "y"], "\n", 1, keep_blank=True) == ["x", "", "y"]


def test_truncate_cuts_at_a_word_within_the_limit_and_never_inside_a_construct() -> None:
    measure = Measure()
    assert measure.truncate("short", 10) == "short"
    cut = measure.truncate("one two three four five", 12)
    assert cut == f"one two{ELLIPSIS}" and len(cut) <= 12
    links = Measure(unfinished=re.compile(r"<[^>]*$"))
    assert links.truncate("see <https://example.com/long|a link>", 20) == f"see{ELLIPSIS}"
    emoji = Measure(cost=utf16)
    assert utf16(emoji.truncate("🙂" * 10, 7)) <= 7
