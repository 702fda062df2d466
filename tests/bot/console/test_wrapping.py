"""Console text fits the terminal: labels count in the width, button rows wrap between buttons, and
lesson ids and addresses are never cut."""

from __future__ import annotations

import os
import re

import pytest

from bot.console import render
from bot.console.chat import SPEAKER, speaking
from bot.console.render import margin, markdown_to_text, render_buttons, render_card
from bot.core.cards import labels, tip_buttons
from bot.core.replies import Button, LessonCard
from lessons import Library

WIDTH = 40


@pytest.fixture(autouse=True)
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal 40 columns wide (the real `width()` runs, margin included)."""
    monkeypatch.setattr(render.shutil, "get_terminal_size", lambda fallback: os.terminal_size((WIDTH, 24)))


def lines_of(text: str) -> list[str]:
    return text.split("\n")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_try_it_label_counts_in_the_width(bundled_library: Library, lang: str) -> None:
    lesson = bundled_library.get("phishing-scams", lang)
    assert lesson is not None
    text = render_card(LessonCard(lesson, labels=labels(lang)))
    try_it = text[text.index("→") :]
    label = "→ Try it today: " if lang == "en" else "→ À essayer aujourd’hui\u202f: "
    assert try_it.startswith(label)
    assert all(len(line) <= WIDTH for line in lines_of(text))
    words = " ".join(try_it.removeprefix(label).split())
    assert words.startswith(" ".join(lesson.try_it.split()[:3]))


def test_a_try_it_that_is_not_a_paragraph_puts_the_label_on_its_own_line() -> None:
    text = markdown_to_text("- one step\n- another step", lead="→ Try it today: ")
    assert lines_of(text) == ["→ Try it today:", "  • one step", "  • another step"]


def test_button_rows_wrap_between_buttons_never_inside_a_label(bundled_library: Library) -> None:
    lesson = bundled_library.get("strong-passwords", "fr")
    assert lesson is not None
    buttons = tip_buttons(lesson)
    rows = lines_of(render_buttons(buttons, start=3))
    assert len(rows) > 1 and all(len(row) <= WIDTH for row in rows)
    found = [label for row in rows for label in re.split(r"  (?=\[\d+\])", row)]
    assert found == [f"[{n}] {button.label}" for n, button in enumerate(buttons, 3)]


def test_a_label_wider_than_the_terminal_stays_whole_on_its_own_row() -> None:
    wide = Button("A very long button label that cannot fit in forty columns", "x")
    rows = lines_of(render_buttons((Button("Yes", "y"), wide, Button("No", "n"))))
    assert rows == ["[1] Yes", f"[2] {wide.label}", "[3] No"]


def test_quiz_choices_stay_one_a_line() -> None:
    rows = lines_of(render_buttons((Button("A", "q"), Button("B", "q")), stacked=True))
    assert rows == ["[1] A", "[2] B"]


def test_lesson_ids_and_addresses_are_never_broken_at_a_hyphen() -> None:
    url = "https://example.com/security-checkup-for-your-accounts"
    text = markdown_to_text(
        "Related: Two-step verification, your second lock (lesson two-factor-authentication), and "
        f"[the checklist]({url}), or <{url}?step-by-step=yes>."
    )
    assert "two-factor-authentication)" in text
    assert f"({url})" in text and f"{url}?step-by-step=yes" in text
    assert not any(line.endswith("-") for line in lines_of(text))


def test_the_speaker_prefix_counts_in_the_width() -> None:
    with margin(len(SPEAKER)):
        text = markdown_to_text("word " * 40)
    shown = lines_of(speaking(text))
    assert shown[0].startswith(SPEAKER) and all(line.startswith(" " * len(SPEAKER)) for line in shown[1:])
    assert all(len(line) <= WIDTH for line in shown)
    assert render.width() == WIDTH  # the margin ends with its block
