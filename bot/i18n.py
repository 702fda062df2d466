"""Every sentence the bot says, in English and French ("vous"), looked up by key.

Each module that speaks registers its own messages next to its code, when it is imported: the command
modules, the cards, the conversation core's errors, the rate limit, the delivery reports, the channels'
own words (Slack's Home tab, Teams' cards). The few below are shared by the `ask` command, the
`tandem ask` CLI, the cards and the lists commands show (`#12: …` is `n° 12 : …` in French). `t()`
finds them by key. French sentences follow French typography (see `register`).

French elides "de", "que", "le" and "la" before a vowel sound ("le mentor d’Anne", not "de Anne"), which a
template cannot know before it is filled in. A French template writes the word as the value's format spec
instead, `le mentor {mentee:de}`: `t()` fills it in with `elide` ("de **Bob**", "d’**Anne**").
"""

from __future__ import annotations

import logging
import string
import unicodedata
from typing import Any

from lessons.model import LANGS
from lessons.typography import french

logger = logging.getLogger(__name__)

MESSAGES: dict[str, dict[str, str]] = {}

ELIDED = frozenset({"de", "que", "le", "la", "jusque", "lorsque", "puisque"})
"""The French words that lose their last vowel before a vowel sound, as `elide` and templates know them."""
_VOWEL_SOUNDS = frozenset("aeiouyhœæ")
_MARKUP = "*_~`\\"
"""Markdown around a name (`**Anne**`, a neutralised `\\_anne`): `elide` looks past it."""


def elide(word: str, following: str) -> str:
    """`word` then `following`, the French way: `d’**Anne**`, `qu’Hélène`, `l’Yvette`, but `de **Bob**`.

    Kept simple on purpose: `word` (one of `ELIDED`, in any case: `De` gives `D’`) is elided when the first
    letter of `following`, past any Markdown and without its accent, is a, e, i, o, u, y, h, œ or æ.
    Every h counts as mute (d’Hélène, d’Hugo): the rare name with an aspirate h gets an elision it should
    not. A digit, an @ or anything else keeps the word whole, as does a word not in `ELIDED`."""
    first = following.lstrip(_MARKUP)[:1]
    base = unicodedata.normalize("NFD", first)[:1].lower()
    if word.lower() in ELIDED and base in _VOWEL_SOUNDS:
        return f"{word[:-1]}’{following}"
    return f"{word} {following}"


class _Eliding(string.Formatter):
    """`str.format`, where a field whose format spec is an elided word (`{mentee:de}`) is `elide`d."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.lower() in ELIDED:
            return elide(format_spec, str(value))
        return str(super().format_field(value, format_spec))


_FORMATTER = _Eliding()


def register(messages: dict[str, dict[str, str]]) -> None:
    """Add a module's messages; every entry needs every language Tandem speaks, and keys stay unique.

    French sentences get French typography here, once (`lessons.typography.french`: a narrow no-break
    space before `: ; ! ?`, « » quotation marks), whoever wrote them and however they typed the spaces."""
    for key, entry in messages.items():
        entry = {lang: french(text) if lang == "fr" else text for lang, text in entry.items()}
        if key in MESSAGES and MESSAGES[key] != entry:
            raise ValueError(f"message key registered twice: {key}")
        if set(entry) != set(LANGS):
            raise ValueError(f"message {key} needs exactly {' and '.join(LANGS)}")
        MESSAGES[key] = entry


def t(key: str, lang: str, **values: object) -> str:
    """The message `key` in `lang` (English when missing), with `values` filled in."""
    entry = MESSAGES.get(key)
    if entry is None:
        logger.error("Missing message key %s", key)
        return key
    template = entry.get(lang) or entry["en"]
    return _FORMATTER.vformat(template, (), values) if values else template


register(
    {
        "ask.empty": {
            "en": "Ask me anything about LinkedIn, X, Facebook or staying safe online, "
            "for example: *how do I choose a strong password?*",
            "fr": "Posez-moi une question sur LinkedIn, X, Facebook ou la sécurité en ligne, "
            "par exemple : *comment choisir un bon mot de passe ?*",
        },
        "ask.truncated": {
            "en": "Your question was long, so I read only its first {limit} characters.",
            "fr": "Votre question était longue : j’en ai lu les {limit} premiers caractères.",
        },
        "ask.unsure": {
            "en": "I don’t have a lesson that answers this well yet.",
            "fr": "Je n’ai pas encore de leçon qui réponde vraiment à cette question.",
        },
        "ask.closest": {
            "en": "The closest lesson I have: *{title}* (`lesson {id}`).",
            "fr": "La leçon la plus proche : *{title}* (`leçon {id}`).",
        },
        "ask.see_also": {"en": "See also: {titles}", "fr": "Voir aussi : {titles}"},
        "list.numbered": {"en": "#{id}: {text}", "fr": "n° {id} : {text}"},
        "list.labelled": {"en": "`{label}`: {text}", "fr": "`{label}` : {text}"},
        "ask.lesson_ref": {"en": "*{title}* (`lesson {id}`)", "fr": "*{title}* (`leçon {id}`)"},
        "card.more": {"en": "Full lesson: `lesson {id}`", "fr": "Leçon complète : `leçon {id}`"},
    }
)
