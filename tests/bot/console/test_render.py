"""Terminal text from canonical Markdown: read with the shared parser, readable, and safe to print."""

from __future__ import annotations

import pytest

from bot.console import render
from bot.console.render import markdown_to_text, render_reply
from bot.core.replies import Text


@pytest.fixture(autouse=True)
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "width", lambda: 40)


def test_headings_lists_quotes_and_code() -> None:
    text = markdown_to_text(
        "# Strong passwords\n\nA *good* one is **long**.\nA second line.\n\n"
        "- one\n- two\n  - nested\n\n3. third\n4. fourth\n\n> quoted\n\n```\n  indented code\n```"
    )
    assert text.split("\n") == [
        "STRONG PASSWORDS",
        "",
        "A good one is long.",
        "A second line.",
        "",
        "  • one",
        "  • two",
        "    • nested",
        "",
        "  3. third",
        "  4. fourth",
        "",
        "  │ quoted",
        "",
        "      indented code",
    ]


def test_long_lines_wrap_under_their_bullet() -> None:
    text = markdown_to_text("- " + "word " * 20)
    first, *rest = text.split("\n")
    assert first.startswith("  • ") and rest and all(line.startswith("    ") for line in rest)
    assert all(len(line) <= 40 for line in text.split("\n"))


def test_links_show_their_address_and_literal_characters_stay() -> None:
    text = markdown_to_text(
        "[the guide](https://example.com/x), <https://example.com/y>, [odd](ftp://host) "
        "2*3*4, snake_case_name, \\*not emphasis\\*, `code`"
    )
    assert "the guide (https://example.com/x)" in text
    assert "https://example.com/y" in text and "(https://example.com/y)" not in text
    assert "odd" in text and "ftp://" not in text
    assert "2*3*4" in text and "snake_case_name" in text and "*not emphasis*" in text
    assert "`" not in text


def test_what_is_printed_passes_the_terminal_filter() -> None:
    body, _ = render_reply(Text("**Hi** \x1b[2Jthere\u202e"))
    assert body.startswith("Hi ") and body.endswith("there")
    assert "\x1b" not in body and "\u202e" not in body
