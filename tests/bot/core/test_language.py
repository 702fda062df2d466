"""Language: Tandem follows the language a person writes in, speaks French by French rules, and names the
zone of every time it shows."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import bot
from bot.console.channel import console_key
from bot.core.commands import build_router
from bot.core.replies import Reply, Text
from bot.i18n import MESSAGES
from lessons import Library
from lessons.typography import NNBSP, french, french_problems
from storage import people
from storage.enums import LangSource
from storage.models import Person
from tests.support.harness import Harness, text_of

FRENCH_QUESTION = "comment activer la double authentification sur mon compte ?"
ENGLISH_QUESTION = "how do I turn on two-factor authentication for my account?"


async def person(harness: Harness, name: str) -> Person:
    async with harness.services.db.transaction() as session:
        found = await people.get_person(session, key=console_key(name))
        assert found is not None
        return found


def switch_notices(replies: list[Reply]) -> list[Text]:
    return [r for r in replies if isinstance(r, Text) and any(b.action == "lang.set" for b in r.buttons)]


# --- following the language a person writes in -----------------------------------------------------------


async def test_a_clear_french_question_switches_an_english_learner_once(harness: Harness) -> None:
    said = await harness.say("alice", FRENCH_QUESTION)
    [notice] = switch_notices(said)
    assert notice.markdown.startswith(
        f"Vous m’écrivez en français{NNBSP}: je vous parlerai désormais en français."
    )
    assert "`langue en`" in notice.markdown
    [button] = notice.buttons
    assert (button.label, button.value) == ("Keep English", "en")  # in the language they may want back
    assert said[-1] is notice  # after the answer
    alice = await person(harness, "alice")
    assert (alice.lang, alice.lang_source) == ("fr", LangSource.GUESSED)
    assert "Voici ce que je peux faire pour vous" in await harness.text("alice", "help")
    # no flip-flop: a later question in English does not switch back
    assert switch_notices(await harness.say("alice", ENGLISH_QUESTION)) == []
    assert (await person(harness, "alice")).lang == "fr"


@pytest.mark.parametrize(
    "text", ["merci", "ok", "bonjour", "merci beaucoup", "lesson strong-passwords", "oui"]
)
async def test_a_word_or_a_command_never_switches(harness: Harness, text: str) -> None:
    said = await harness.say("alice", text)
    assert switch_notices(said) == []
    alice = await person(harness, "alice")
    assert (alice.lang, alice.lang_source) == ("en", LangSource.PROFILE)


async def test_a_mixed_message_does_not_switch(harness: Harness) -> None:
    assert switch_notices(await harness.say("alice", "a recipe for crêpes?")) == []
    assert (await person(harness, "alice")).lang == "en"


async def test_a_french_profile_writing_english_is_switched_to_english(harness: Harness) -> None:
    said = await harness.say("bruno", ENGLISH_QUESTION, lang="fr")
    [notice] = switch_notices(said)
    assert "I’ll speak English with you from now on" in notice.markdown and "`lang fr`" in notice.markdown
    assert notice.buttons[0].label == "Garder le français"
    assert (await person(harness, "bruno")).lang == "en"


async def test_a_language_chosen_with_lang_is_never_switched(harness: Harness) -> None:
    await harness.say("alice", "lang en")
    assert (await person(harness, "alice")).lang_source == LangSource.CHOSEN
    said = await harness.say("alice", FRENCH_QUESTION)
    assert switch_notices(said) == []
    assert (await person(harness, "alice")).lang == "en"
    assert (
        "leçon" in text_of(said).lower() or "authentification" in text_of(said).lower()
    )  # answered in French


async def test_only_the_first_questions_switch(harness: Harness) -> None:
    for question in (
        ENGLISH_QUESTION,
        "how do I spot a phishing email?",
        "how do I choose a strong password?",
    ):
        await harness.say("alice", question)
    assert switch_notices(await harness.say("alice", FRENCH_QUESTION)) == []
    assert (await person(harness, "alice")).lang == "en"


async def test_the_keep_button_switches_back_for_good(harness: Harness) -> None:
    await harness.say("alice", FRENCH_QUESTION)
    said = await harness.press("alice", "lang.set", "en")
    assert "I’ll speak English with you from now on" in text_of(said)
    alice = await person(harness, "alice")
    assert (alice.lang, alice.lang_source) == ("en", LangSource.CHOSEN)
    assert (
        switch_notices(await harness.say("alice", "comment choisir un bon mot de passe pour mon compte ?"))
        == []
    )


async def test_the_keep_button_with_a_strange_value_changes_nothing(harness: Harness) -> None:
    await harness.say("alice", "settings")
    said = await harness.press("alice", "lang.set", "de")
    assert "expired" in text_of(said)
    assert (await person(harness, "alice")).lang_source == LangSource.PROFILE


async def test_aide_is_the_french_help_whatever_the_persons_language(harness: Harness) -> None:
    aide = await harness.text("alice", "aide")
    assert aide.startswith(f"Voici ce que je peux faire pour vous{NNBSP}:")
    assert f"- `aide`{NNBSP}: cette liste" in aide and "`réglages`" in aide and "`leçon <id>`" in aide
    assert (await person(harness, "alice")).lang == "en"  # help in French, once
    assert (await harness.text("alice", "help")).startswith("Here is what I can do for you:")


# --- French typography and no English in French -------------------------------------------------------------


def _import_every_module() -> None:
    """Every module that registers messages: the core, the commands, the channels."""
    for module in pkgutil.walk_packages(bot.__path__, "bot."):
        importlib.import_module(module.name)


ENGLISH_VARIANTS = {"?", "mydata", "forgetme"}
"""Extra names of commands that are English spellings, not French aliases."""
ENGLISH_WORDS = re.compile(r"\b(?:lesson|tips?|please|the|your|type|reply|settings)\b", re.IGNORECASE)


def _english_commands() -> set[str]:
    """English command names that have a French alias: French text shows the alias instead."""
    return {
        name
        for spec in build_router().commands
        if set(spec.names[1:]) - ENGLISH_VARIANTS
        for name in [spec.name, *(n for n in spec.names[1:] if n in ENGLISH_VARIANTS)]
    }


def test_every_french_message_follows_french_typography() -> None:
    _import_every_module()
    problems = {key: french_problems(entry["fr"]) for key, entry in MESSAGES.items()}
    assert {key: found for key, found in problems.items() if found} == {}
    assert len(MESSAGES) > 200


def test_no_french_message_shows_an_english_command_or_word() -> None:
    _import_every_module()
    english = _english_commands()
    assert {"help", "lesson", "resume", "settings", "reply", "mentees", "cohort"} <= english
    wrong = {}
    for key, entry in MESSAGES.items():
        text = entry["fr"]
        spans = re.findall(r"`([^`]*)`", text)
        first_words = [span.split()[0].lower() for span in spans if span.split()]
        prose = re.sub(r"`[^`]*`|\{[^}]*\}", " ", text)
        found = [w for w in first_words if w in english] + ENGLISH_WORDS.findall(prose)
        if key.endswith(".usage"):
            found += [w for w in re.split(r"[\s|]+", text) if w.lower() in english]
        if found:
            wrong[key] = found
    assert wrong == {}


NAME_FIELDS = "admin|author|helper|host|learner|mentee|mentor|name|other|person|previous|user|who"
"""The fields messages fill with a person's name (`args.mention`)."""


def test_no_french_message_puts_an_unelided_word_before_a_name() -> None:
    """ "de", "que", "le" or "la" before a name is the field's format spec (`{mentee:de}`, bot/i18n.py
    `elide`), so that French reads "le mentor d’Anne", never "de Anne"."""
    _import_every_module()
    plain = re.compile(rf"\b(?:de|que|le|la)\s+[*_]*\{{(?:{NAME_FIELDS})\}}", re.IGNORECASE)
    found = {key: plain.findall(entry["fr"]) for key, entry in MESSAGES.items()}
    assert {key: words for key, words in found.items() if words} == {}
    assert "{mentee:de}" in MESSAGES["pair.done"]["fr"]


def test_french_typography_leaves_code_links_and_times_alone() -> None:
    text = 'Heure : 08:30 ; voir https://x.fr/a?b=c : `lesson {id}` ? Il a dit "bonjour"!'
    typeset = french(text)
    assert typeset == (
        f"Heure{NNBSP}: 08:30{NNBSP}; voir https://x.fr/a?b=c{NNBSP}: `lesson {{id}}`{NNBSP}? "
        f"Il a dit «{NNBSP}bonjour{NNBSP}»{NNBSP}!"
    )
    assert french(typeset) == typeset
    assert french_problems(typeset) == []
    assert (
        french("{hour}:{minute} et <https://a.b|le site> !")
        == f"{{hour}}:{{minute}} et <https://a.b|le site>{NNBSP}!"
    )


def test_french_lessons_are_typeset(bundled_library: Library) -> None:
    french_lessons = [lesson for (_, lang), lesson in bundled_library.lessons.items() if lang == "fr"]
    assert len(french_lessons) == 40  # 30 for the learners, 10 in the mentor's guide
    for lesson in french_lessons:
        quiz = lesson.quiz
        for part in (
            lesson.title,
            lesson.summary,
            lesson.try_it,
            lesson.body,
            quiz.question,
            quiz.explanation,
        ):
            assert french_problems(part) == [], (lesson.id, french_problems(part))
        assert quiz.answer in quiz.choices
    assert any(NNBSP in lesson.body for lesson in french_lessons)
    assert all(
        NNBSP not in lesson.body for (_, lang), lesson in bundled_library.lessons.items() if lang == "en"
    )


# --- times in the person's zone, named ----------------------------------------------------------------------


def use_default_zone(harness: Harness, zone: str) -> None:
    harness.services.settings = harness.services.settings.model_copy(update={"default_tz": zone})


async def test_questions_show_times_in_the_default_zone_for_an_admin_without_cohort(harness: Harness) -> None:
    use_default_zone(harness, "America/Toronto")
    await harness.say("alice", "recipe for pancakes with blueberries please?")
    text = await harness.text("root", "questions")
    # the harness clock: Monday 23 November 2026, 10:00 UTC, 05:00 in Toronto
    assert "2026-11-23 05:00 (America/Toronto)" in text
    await harness.say("root", "lang fr")
    assert f"2026-11-23 05:00 (America/Toronto){NNBSP}:" in await harness.text("root", "questions")


async def test_pause_and_settings_name_the_default_zone_without_cohort(harness: Harness) -> None:
    use_default_zone(harness, "Asia/Tokyo")
    pause = await harness.text("alice", "pause 3 days")
    assert "Thursday 26 November 2026 at 19:00 (Asia/Tokyo)" in pause  # 10:00 UTC is 19:00 in Tokyo
    assert "Time zone: Asia/Tokyo (the programme’s default)" in await harness.text("alice", "settings")


async def test_the_next_tip_is_shown_in_the_persons_own_zone(harness: Harness) -> None:
    """Alice follows her first cohort's zone (Paris); her next tip comes from her second cohort, in New
    York, and is said in her zone, named."""
    await harness.say("root", "cohort create pilot track first-steps start 2026-11-23 days sat")
    await harness.say("root", "cohort create ny track first-steps start 2026-11-23 tz America/New_York")
    await harness.say("root", "enroll pilot @alice")
    await harness.say("root", "enroll ny @alice")
    text = await harness.text("alice", "settings")
    assert "Time zone: Europe/Paris (set by your cohort *pilot*)" in text
    # 09:00 in New York is 14:00 UTC, 15:00 in Paris
    assert "Your next tip: Monday 23 November 2026 at 15:00 (Europe/Paris)." in text


async def test_what_a_french_programme_sees_follows_french_rules(harness: Harness) -> None:
    """An admin, a mentor and a learner speaking French go through the usual commands: every reply, with
    what the commands put together around the registered sentences, is French by French rules."""
    for name in ("root", "mia", "lea"):
        await harness.say(name, "lang fr")
    setup = [
        "cohort create pilot track first-steps start 2026-11-23",
        "enroll pilot @lea",
        "pair @mia @lea",
    ]
    said = [await harness.say("root", command) for command in setup]
    said += [await harness.say("lea", command) for command in (
        "aide", "réglages", "progrès", "aujourd’hui", "parcours", "leçon strong-passwords", "pause 2 semaines",
        "reprendre", "jours lun-mer", "heure 10:15", "fuseau America/Toronto", "langue fr", "lecon inconnue",
        "suivnt", "comment rédiger un bon post LinkedIn pour ma société",
    )]  # fmt: skip
    said += [await harness.say("mia", command) for command in ("aide", "mentorés")]
    said += [
        await harness.say("root", command)
        for command in ("aide", "rapport pilot", "questions", "cohorte liste")
    ]
    for replies in said:
        text = text_of(replies)
        assert french_problems(text) == [], text
        assert not re.search(r"`(?:help|lesson|resume|settings|reply|mentees|cohort)\b", text), text


async def test_a_mistyped_french_command_is_suggested_in_french(harness: Harness) -> None:
    await harness.say("lea", "lang fr")
    assert f"Vouliez-vous dire `suivant`{NNBSP}? Tapez `aide`" in await harness.text("lea", "suivnt")
    assert "Did you mean `next`?" in await harness.text("alice", "nxt")
