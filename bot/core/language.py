"""Speaking the person's language: someone who writes to Tandem in the other language is answered in it.

A person's language comes first from their platform profile, or from the programme's default
(`LangSource.PROFILE`). While it does, and while they have asked fewer than `SWITCH_WINDOW` questions, a
message they write that is plainly in the other language (`lessons.analyzer.clear_language`, the answer
engine's markers, made stricter) switches them to it, once: Tandem says so in the new language, tells how
to go back, and offers a button that does. A command, a word or two ("ok", "merci") or a message mixing
both languages never switches anyone, and after a switch or a `lang` only `lang` changes the language.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.replies import Button, Reply, Text
from bot.i18n import register, t
from lessons import LANGS, analyzer
from storage import activity, people
from storage.enums import LangSource
from storage.models import PersonUpdate

SWITCH_WINDOW = 3
"""Only the first questions someone asks may switch their language: later, one question in the other
language (a quotation, a word they looked up) is not a reason to change how Tandem speaks to them."""

OWN_WORDS_COMMANDS = frozenset({"ask", "mentor"})
"""Commands whose argument is the person's own sentence, which tells their language like free text does."""

ACTION = "lang.set"
"""The button under the switch notice: its value is the language to speak."""

register(
    {
        "lang.switched": {
            "en": "You’re writing to me in English, so I’ll speak English with you from now on. "
            "To go back to French, type `lang fr`.",
            "fr": "Vous m’écrivez en français : je vous parlerai désormais en français. "
            "Pour revenir à l’anglais, tapez `langue en`.",
        },
        "lang.keep": {"en": "Keep English", "fr": "Garder le français"},
    }
)


def own_words(ctx: Context) -> str | None:
    """What the person wrote in their own words: free text, or the sentence after `ask` or `mentor`.
    None for a button, a slash command, or any other command."""
    if ctx.event.kind != "message":
        return None
    spec, _, rest, text = ctx.router.parse(ctx.event)
    if spec is None:
        return text
    return rest if spec.name in OWN_WORDS_COMMANDS else None


async def follow_language(ctx: Context) -> list[Reply]:
    """Switch the person to the language they plainly write in, if Tandem may (see the module); the
    notice to add after the answer, in the new language, or nothing. Runs before the answer is made, so
    the answer is already in the new language."""
    person = ctx.person
    if person.lang_source != LangSource.PROFILE:
        return []
    text = own_words(ctx)
    lang = analyzer.clear_language(text) if text else None
    if lang is None or lang == person.lang or lang not in LANGS:
        return []
    if await activity.count_questions_of(ctx.session, person_id=person.id or 0) >= SWITCH_WINDOW:
        return []
    before = person.lang
    await people.update_person(
        ctx.session, person=person, data=PersonUpdate(lang=lang, lang_source=LangSource.GUESSED)
    )
    back = Button(t("lang.keep", before), ACTION, before)
    return [Text(t("lang.switched", lang), (back,), private=True)]
