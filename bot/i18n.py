"""Every sentence the bot says, in English and French ("vous"), looked up by key.

Each module that speaks registers its own messages next to its code, when it is imported: the command
modules, the cards, the conversation core's errors, the rate limit, the delivery reports, the channels'
own words (Slack's Home tab, Teams' cards). The few below are shared by the `ask` command, the
`tandem ask` CLI, the cards and the lists commands show (`#12: …` is `n° 12 : …` in French). `t()`
finds them by key. French sentences follow French typography (see `register`).
"""

from __future__ import annotations

import logging

from lessons.model import LANGS
from lessons.typography import french

logger = logging.getLogger(__name__)

MESSAGES: dict[str, dict[str, str]] = {}


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
    return template.format(**values) if values else template


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
