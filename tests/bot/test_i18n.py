"""French elision before a name: `elide`, and the templates that use it through `t()`."""

from __future__ import annotations

import pytest

from bot.core.commands import build_router
from bot.i18n import elide, t

build_router()  # every command module registers its messages on import


@pytest.mark.parametrize(
    ("word", "following", "expected"),
    [
        ("de", "**Anne**", "d’**Anne**"),
        ("de", "**Émilie**", "d’**Émilie**"),
        ("de", "Hélène", "d’Hélène"),  # every h is taken as mute
        ("de", "**yves**", "d’**yves**"),
        ("de", "Œdipe", "d’Œdipe"),
        ("de", "\\_ines", "d’\\_ines"),  # a neutralised name: past the Markdown escape
        ("que", "Ulysse", "qu’Ulysse"),
        ("le", "Olivier", "l’Olivier"),
        ("la", "**Isa**", "l’**Isa**"),
        ("De", "Anne", "D’Anne"),
        ("de", "**Bob**", "de **Bob**"),
        ("que", "Marc", "que Marc"),
        ("de", "**3pm**", "de **3pm**"),
        ("de", "@anne", "de @anne"),
        ("de", "", "de "),
        ("à", "Anne", "à Anne"),  # not a word French elides
    ],
)
def test_elide_drops_the_vowel_before_a_vowel_sound_only(word: str, following: str, expected: str) -> None:
    assert elide(word, following) == expected


def test_french_messages_elide_before_a_name_and_english_ones_are_unchanged() -> None:
    names = {"mentor": "**mia**", "mentee": "**Anne**", "previous": "**Hugo**"}
    assert t("pair.replaced", "fr", **names) == (
        "**mia** est maintenant le mentor d’**Anne**, à la place d’**Hugo**."
    )
    assert t("pair.replaced", "fr", mentor="**mia**", mentee="**bob**", previous="**cy**") == (
        "**mia** est maintenant le mentor de **bob**, à la place de **cy**."
    )
    assert t("pair.replaced", "en", **names) == "**mia** is now **Anne**’s mentor, in place of **Hugo**."
    assert t("push.incoming", "fr", mentor="**Émilie**", tip="> Bonjour").startswith(
        "Un conseil d’**Émilie**"
    )
    assert t("resume.admin_done", "fr", person="**Inès**").startswith("Les conseils d’**Inès** reprennent.")
