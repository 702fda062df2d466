"""The mentor's talking outline: the real risk, how to master it and what you gain, one short sentence a
point, found the same way in both languages whatever the headings say."""

from __future__ import annotations

import datetime as dt

import pytest

from lessons import LANGS, Lesson, Library, Quiz
from lessons.outline import POINT_MAX, Outline, outline, shorten, visible_length
from tests.lessons.test_bundled import IDS

NNBSP = "\u202f"


def lesson(body: str, lang: str = "en") -> Lesson:
    quiz = Quiz("Which one?", ("This one", "That one"), "This one", "Because.")
    return Lesson(
        "demo", lang, "A demo", ("demo",), "The summary.", "Try it.", quiz, dt.date(2026, 11, 20), body
    )


@pytest.mark.parametrize("lesson_id", IDS)
def test_every_bundled_lesson_has_an_outline_alike_in_both_languages(
    bundled_library: Library, lesson_id: str
) -> None:
    outlines = {lang: outline(bundled_library.lessons[(lesson_id, lang)]) for lang in LANGS}
    for lang, found in outlines.items():
        assert found.master and found.gain, (lang, found)
        for point in (*found.risk, *found.master, *found.gain):
            assert point and "\n" not in point, point
            assert visible_length(point) <= POINT_MAX, point
            assert point.count("**") % 2 == 0, point
    english, french = outlines["en"], outlines["fr"]
    assert (len(english.risk), len(english.master), len(english.gain)) == (
        len(french.risk),
        len(french.master),
        len(french.gain),
    )


def test_the_three_sections_of_a_lesson(bundled_library: Library) -> None:
    found = outline(bundled_library.lessons[("linkedin-profile", "en")])
    assert found.risk == ("An empty or outdated profile does not look modest: it looks absent.",)
    assert (
        found.master[0]
        == "**Photo:** recent, well lit, your face filling most of the frame, plain background."
    )
    assert len(found.master) == 7
    assert found.gain == (
        "A profile that works for you while you sleep: partners, candidates and journalists find you, "
        "understand your role and feel confident reaching out.",
    )


def test_french_headings_that_vary_are_found_by_position(bundled_library: Library) -> None:
    """« Comment s’y prendre », « Comment garder la main », « Comment s’en protéger »: all how to
    master it, since they come between the risk and the gain."""
    for lesson_id in ("linkedin-profile", "company-confidentiality", "phishing-scams", "news-alerts"):
        found = outline(bundled_library.lessons[(lesson_id, "fr")])
        assert found.risk and found.master and found.gain, lesson_id
    found = outline(bundled_library.lessons[("linkedin-profile", "fr")])
    assert found.risk == (f"Un profil vide ou daté ne passe pas pour de la modestie{NNBSP}: il fait absent.",)
    assert found.master[0].startswith(f"**La photo{NNBSP}:** récente")


def test_a_lesson_without_a_risk_section_has_no_risk(bundled_library: Library) -> None:
    """Hashtags: "How they work" and "How many to use" are how to master it; the caller talks from the
    summary for the risk."""
    found = outline(bundled_library.lessons[("hashtags", "en")])
    assert found.risk == ()
    assert found.master[0] == "A hashtag has no spaces: #SupplyChain, not #Supply Chain."
    assert "**LinkedIn:** three to five, at the end of the post." in found.master
    assert found.gain[0].startswith("**Follow events in real time.** Conferences publish")


def test_sections_before_the_risk_set_the_scene_and_stay_out(bundled_library: Library) -> None:
    found = outline(bundled_library.lessons[("x-basics", "en")])
    assert not any("Handle" in point for point in (*found.risk, *found.master))
    assert found.risk == ("Everything is public by default and travels fast.",)


def test_a_lesson_without_sections_has_an_empty_outline() -> None:
    found = outline(lesson("Just a few paragraphs.\n\nNo headings at all."))
    assert found == Outline() and found.empty
    assert outline(lesson("## Only one\n\n- A point.\n\n## And another\n\nText.")).empty


def test_other_headings_in_the_usual_order_are_taken_by_position() -> None:
    body = (
        "Intro.\n\n## Why it matters\n\nIt matters. Really.\n\n## What to do\n\n- **First.** Do this.\n"
        "- Then that.\n\n## The upside\n\nPeace of mind."
    )
    assert outline(lesson(body)) == Outline(
        risk=("It matters.",), master=("**First.** Do this.", "Then that."), gain=("Peace of mind.",)
    )


def test_every_section_between_the_risk_and_the_gain_is_how_to_master_it() -> None:
    body = (
        "## The real risk\n\nA risk.\n\n## How to master it\n\n- One.\n\n## Group etiquette\n\n- Two.\n\n"
        "## What you gain\n\nA gain."
    )
    assert outline(lesson(body)).master == ("One.", "Two.")


def test_a_risk_without_a_named_gain_takes_the_last_section_as_the_gain() -> None:
    body = "## The real risk\n\nA risk.\n\n## How to master it\n\n- One.\n\n## The payoff\n\nCalm."
    assert outline(lesson(body)) == Outline(risk=("A risk.",), master=("One.",), gain=("Calm.",))


def test_items_paragraphs_continuations_and_nested_items() -> None:
    body = (
        "## The real risk\n\nFirst paragraph,\nsecond line. More.\n\n"
        "## How to master it\n\nA lead-in line.\n- **Item one**\n  continued. Then more.\n  - nested detail.\n"
        "- Item two.\n\nA paragraph after the list.\n\n> A quoted tip.\n\n"
        "```\n## not a heading\n```\n\n## What you gain\n\nGood things."
    )
    found = outline(lesson(body))
    assert found.risk == ("First paragraph, second line.",)
    assert found.master == (
        "A lead-in line.",
        "**Item one** continued.",
        "Item two.",
        "A paragraph after the list.",
        "A quoted tip.",
    )


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ("**Camera.** Place it at eye level. Look at the lens.", "**Camera.** Place it at eye level."),
        ("**Photo:** recent and clear. A phone will do.", "**Photo:** recent and clear."),
        ("Use tools, e.g. LinkedIn or X. Then rest.", "Use tools, e.g. LinkedIn or X."),
        ('Say "Ok." from a leader. It feels cold.', 'Say "Ok." from a leader.'),
        ("Visit example.com today. Then 2.5 times more.", "Visit example.com today."),
        ("Is it real? Check first.", "Is it real?"),
        ("One sentence only", "One sentence only"),
        (
            f"Il demande{NNBSP}: «{NNBSP}Qui est-ce{NNBSP}?{NNBSP}» Puis il part.",
            f"Il demande{NNBSP}: «{NNBSP}Qui est-ce{NNBSP}?{NNBSP}»",
        ),
        ("**Be found.**", "**Be found.**"),
    ],
)
def test_a_point_is_its_first_sentence(point: str, expected: str) -> None:
    assert shorten(point) == expected


def test_a_long_sentence_is_cut_at_a_clause_with_an_ellipsis() -> None:
    clause = "Fake profiles of recruiters and investors on LinkedIn build trust over many weeks and months"
    clause += " with flattering messages and shared contacts"
    sentence = f"{clause}, before sending a booby-trapped document or a too-good-to-be-true opportunity."
    assert 0.75 * POINT_MAX <= len(clause) < POINT_MAX < len(sentence)
    assert shorten(sentence) == clause + "…"


def test_without_a_late_clause_a_sentence_is_cut_at_a_word() -> None:
    sentence = (
        "**Fake profiles**: a flattering recruiter or investor on LinkedIn who builds trust over many weeks, "
        "before sending a booby-trapped document or a too-good-to-be-true opportunity to your assistant."
    )
    assert shorten(sentence) == (
        "**Fake profiles**: a flattering recruiter or investor on LinkedIn who builds trust over many weeks, "
        "before sending a booby-trapped document…"
    )


def test_a_cut_keeps_bold_closed_and_links_whole_and_no_dangling_words() -> None:
    bold = "**" + " ".join(["word"] * 50) + "**"
    short = shorten(bold)
    assert short.startswith("**word") and short.endswith("word**…") and visible_length(short) <= POINT_MAX
    words = "See " + " ".join(["words"] * 21)
    linked = f"{words} at [the official site with a long name](https://example.org/a/long/path) now and then."
    assert shorten(linked) == words + "…"
    dangling = " ".join(["Sentence"] * 26) + " of the end"
    assert shorten(dangling).endswith("Sentence…")


def test_a_link_counts_as_its_text() -> None:
    url = "(https://haveibeenpwned.com/some/long/address/that/goes/on/and/on/and/on/until/it/is/long)"
    point = (
        f"Check for leaks on [Have I Been Pwned]{url} to see whether your email appears in a known breach."
    )
    assert visible_length(point) == len(point) - len(url) - 2 < POINT_MAX < len(point)
    assert shorten(point) == point
