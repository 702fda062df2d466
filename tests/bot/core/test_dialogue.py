"""Dialogue state: prompts answered by a typed yes/no or by the next message, small talk, and answers to
buttons that are gone."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core import dialogue, phrases
from bot.core.events import Event
from bot.core.phrases import SmallTalk
from bot.core.replies import Text
from scheduler.upkeep import tidy
from storage.enums import PendingKind
from storage.models import PendingAction, Person, Question
from tests.bot.core.test_mentor_commands import rows, setup_programme
from tests.support.harness import Harness, notifications, text_of

NNBSP = "\u202f"


@pytest.fixture
async def ids(harness: Harness) -> dict[str, int]:
    return await setup_programme(harness)


async def prompts(harness: Harness, person_id: int) -> list[PendingAction]:
    async with harness.services.db.transaction() as session:
        query = select(PendingAction).where(PendingAction.person_id == person_id)
        return list(await session.exec(query))


async def person_id(harness: Harness, name: str) -> int | None:
    [found] = await rows(harness, Person, key=f"console:{name}") or [None]
    return found.id if found is not None else None


async def forwarded_question(harness: Harness) -> int:
    """bob's question, forwarded to his mentor mia with `mentor`; its id."""
    replies = await harness.say("bob", "mentor Can you show me how to post a photo")
    assert len(notifications(replies, "console:mia")) == 1
    [question] = await rows(harness, Question, text="Can you show me how to post a photo")
    assert question.id is not None
    return question.id


# --- the words --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["yes", "Y", "yeah", "Oui !", "oui 👍", "OK.", "d’accord", "D'accord", "sure!", "👍", "👍🏽"]
)
def test_yes_in_both_languages(text: str) -> None:
    assert phrases.is_yes(text) and not phrases.is_no(text)


@pytest.mark.parametrize(
    "text", ["no", "N", "Non.", "no thanks", "No thanks!", "non merci", "Non, merci", "👎"]
)
def test_no_in_both_languages(text: str) -> None:
    assert phrases.is_no(text) and not phrases.is_yes(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hello", SmallTalk.GREETING),
        ("Hi!", SmallTalk.GREETING),
        ("Bonjour", SmallTalk.GREETING),
        ("salut 😊", SmallTalk.GREETING),
        ("good morning", SmallTalk.GREETING),
        ("Bonsoir Tandem !", SmallTalk.GREETING),
        ("ça va ?", SmallTalk.GREETING),
        ("merci", SmallTalk.THANKS),
        ("Merci beaucoup !", SmallTalk.THANKS),
        ("thanks", SmallTalk.THANKS),
        ("Thank you!", SmallTalk.THANKS),
        ("hi, thanks", SmallTalk.THANKS),
        ("ok", SmallTalk.ACK),
        ("👍", SmallTalk.ACK),
        ("got it", SmallTalk.ACK),
    ],
)
def test_small_talk_is_recognised(text: str, kind: SmallTalk) -> None:
    assert phrases.small_talk(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "hello, how do I spot a phishing email?",
        "bonjour, comment bloquer quelqu'un sur LinkedIn ?",
        "thanks but how do I change my password",
        "hello hello hello hello hello hello hello hello hello",
        "yes",
        "0",
    ],
)
def test_real_questions_and_answers_are_not_small_talk(text: str) -> None:
    assert phrases.small_talk(text) is None


@pytest.mark.parametrize(("text", "number"), [("0", True), ("2", True), (" 12 ", True), ("2026", False)])
def test_bare_numbers(text: str, number: bool) -> None:
    assert phrases.is_number(text) is number


# --- yes/no prompts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["oui !", "Yes", "ok 👍"])
async def test_a_typed_yes_forwards_the_question_once(
    harness: Harness, ids: dict[str, int], answer: str
) -> None:
    replies = await harness.say("bob", "What is the best recipe for chocolate cake?")
    offer = next(
        r for r in replies if isinstance(r, Text) and any(b.action == "question.forward" for b in r.buttons)
    )
    [forward] = [b for b in offer.buttons if b.action == "question.forward"]

    replies = await harness.say("bob", answer)

    assert "passing it on to **mia**" in text_of(replies)
    [incoming] = notifications(replies, "console:mia")
    assert "chocolate cake" in text_of([incoming])
    [question] = await rows(harness, Question, id=int(forward.value))
    assert question.status == "forwarded"
    assert await prompts(harness, ids["bob"]) == []
    again = await harness.say("bob", answer)
    assert notifications(again) == []
    assert len(await rows(harness, Question, person_id=ids["bob"])) == 1


async def test_a_typed_no_keeps_the_question_from_the_mentor(harness: Harness, ids: dict[str, int]) -> None:
    await harness.say("bob", "What is the best recipe for chocolate cake?")

    replies = await harness.say("bob", "No thanks.")

    assert notifications(replies) == []
    [question] = await rows(harness, Question, person_id=ids["bob"])
    assert question.status != "forwarded" and question.mentor_id is None
    assert await prompts(harness, ids["bob"]) == []


async def test_the_button_uses_the_prompt_up_so_a_later_yes_does_nothing(
    harness: Harness, ids: dict[str, int]
) -> None:
    await harness.say("bob", "What is the best recipe for chocolate cake?")
    [question] = await rows(harness, Question, person_id=ids["bob"])
    await harness.press("bob", "question.keep", str(question.id))

    replies = await harness.say("bob", "yes")

    assert notifications(replies) == []
    assert "Those buttons have expired." in text_of(replies)
    [question] = await rows(harness, Question, person_id=ids["bob"])
    assert question.mentor_id is None


async def test_another_message_within_a_prompt_is_handled_and_keeps_the_prompt(
    harness: Harness, ids: dict[str, int]
) -> None:
    await harness.say("bob", "forget-me")

    assert "Here is what I can do" in await harness.text("bob", "help")
    assert len(await prompts(harness, ids["bob"])) == 1
    text = await harness.text("bob", "Oui")

    assert "has been deleted" in text
    assert await person_id(harness, "bob") is None


@pytest.mark.parametrize("answer", ["non", "No", "non merci 👎"])
async def test_a_typed_no_cancels_forget_me(harness: Harness, ids: dict[str, int], answer: str) -> None:
    await harness.say("bob", "forget-me")

    text = await harness.text("bob", answer)

    assert "Nothing was deleted" in text
    assert await person_id(harness, "bob") == ids["bob"]
    assert await prompts(harness, ids["bob"]) == []
    assert "has expired" in text_of(await harness.press("bob", "forget.confirm"))
    assert await person_id(harness, "bob") == ids["bob"]


async def test_forget_me_by_button_then_typed_yes_acts_once(harness: Harness, ids: dict[str, int]) -> None:
    await harness.say("bob", "forget-me")
    assert "has been deleted" in text_of(await harness.press("bob", "forget.confirm"))

    text = await harness.text("bob", "yes")

    assert "Those buttons have expired." in text
    assert "has been deleted" not in text


async def test_an_expired_prompt_is_ignored_and_cleaned_up(harness: Harness, ids: dict[str, int]) -> None:
    await harness.say("bob", "forget-me")
    harness.clock.advance(minutes=11)

    replies = await harness.say("bob", "yes")

    assert "Those buttons have expired." in text_of(replies)
    assert await person_id(harness, "bob") == ids["bob"]
    assert await prompts(harness, ids["bob"]) == []


async def test_a_new_prompt_replaces_the_previous_one(harness: Harness, ids: dict[str, int]) -> None:
    await harness.say("mia", "forget-me")
    question_id = await forwarded_question(harness)
    await harness.press("mia", "question.reply", str(question_id))

    [prompt] = await prompts(harness, ids["mia"])
    assert prompt.kind == PendingKind.REPLY
    assert "has expired" in text_of(await harness.press("mia", "forget.confirm"))
    assert await person_id(harness, "mia") == ids["mia"]


# --- text prompts -----------------------------------------------------------------------------------------


async def test_reply_with_an_empty_box_takes_the_next_message_as_the_answer(
    harness: Harness, ids: dict[str, int]
) -> None:
    question_id = await forwarded_question(harness)
    mia = harness.actor("mia")

    pressed = await harness.handle(Event(mia, "action", "", action="question.reply", value=str(question_id)))
    assert f"Type your answer to question #{question_id} now (or `cancel`)" in text_of(pressed)

    replies = await harness.say("mia", "Tap the camera icon, then Share.")

    assert "On its way to **bob**" in text_of(replies)
    [answer] = notifications(replies, "console:bob")
    assert "Tap the camera icon, then Share." in text_of([answer])
    [question] = await rows(harness, Question, id=question_id)
    assert (question.status, question.answer) == ("answered", "Tap the camera icon, then Share.")
    assert await rows(harness, Question, person_id=ids["mia"]) == []
    assert await prompts(harness, ids["mia"]) == []


async def test_reply_with_a_number_only_waits_for_the_answer_in_french(
    harness: Harness, ids: dict[str, int]
) -> None:
    question_id = await forwarded_question(harness)
    await harness.say("mia", "lang fr")

    text = await harness.text("mia", f"reply {question_id}")
    assert f"Tapez maintenant votre réponse à la question n° {question_id} (ou `annuler`)" in text

    replies = await harness.say("mia", "Touchez l’icône de l’appareil photo.")
    assert "Touchez l’icône" in text_of(notifications(replies, "console:bob"))


async def test_a_bare_command_within_a_text_prompt_stays_a_command(
    harness: Harness, ids: dict[str, int]
) -> None:
    question_id = await forwarded_question(harness)
    await harness.say("mia", f"reply {question_id}")

    help_replies = await harness.say("mia", "help")
    assert notifications(help_replies) == []

    replies = await harness.say("mia", "Tap the camera icon.")
    assert len(notifications(replies, "console:bob")) == 1


@pytest.mark.parametrize("word", ["cancel", "Annuler"])
async def test_cancel_ends_a_text_prompt(harness: Harness, ids: dict[str, int], word: str) -> None:
    question_id = await forwarded_question(harness)
    await harness.say("mia", f"reply {question_id}")

    assert "All right, cancelled." in await harness.text("mia", word)
    assert await prompts(harness, ids["mia"]) == []
    [question] = await rows(harness, Question, id=question_id)
    assert question.status == "forwarded"


async def test_the_ask_button_without_text_takes_the_next_message_as_the_question(
    harness: Harness, ids: dict[str, int]
) -> None:
    pressed = await harness.press("bob", "ask.start")
    assert "Type your question now" in text_of(pressed)
    [prompt] = await prompts(harness, ids["bob"])
    assert prompt.kind == PendingKind.QUESTION

    replies = await harness.say("bob", "phishing email")

    assert "phishing" in text_of(replies).lower()
    assert [p.kind for p in await prompts(harness, ids["bob"])] in ([], [PendingKind.FORWARD])


async def test_a_prompt_for_someone_else_does_not_answer_their_messages(
    harness: Harness, ids: dict[str, int]
) -> None:
    question_id = await forwarded_question(harness)
    await harness.say("mia", f"reply {question_id}")

    replies = await harness.say("noah", "Tap the camera icon.")

    assert notifications(replies, "console:bob") == []
    [question] = await rows(harness, Question, id=question_id)
    assert question.status == "forwarded"


# --- outside a prompt -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bob", "hello", "Hello bob!"),
        ("bob", "Thanks!", "You’re welcome, bob!"),
        ("bob", "thank you", "You’re welcome, bob!"),
        ("bob", "ok", "Noted, bob."),
        ("bob", "👍", "Noted, bob."),
        ("bob", "good morning", "Hello bob!"),
        ("carol", "Bonjour", f"Bonjour carol{NNBSP}!"),
        ("carol", "merci", f"Avec plaisir, carol{NNBSP}!"),
        ("carol", "bonsoir", f"Bonjour carol{NNBSP}!"),
        ("carol", "salut", f"Bonjour carol{NNBSP}!"),
    ],
)
async def test_small_talk_gets_a_friendly_answer_and_is_never_a_question(
    harness: Harness, ids: dict[str, int], name: str, text: str, expected: str
) -> None:
    replies = await harness.say(name, text)

    said = text_of(replies)
    assert expected in said
    pointers = ("`aujourd’hui`", "`aide`") if name == "carol" else ("`today`", "`help`")
    assert all(pointer in said for pointer in pointers)
    assert notifications(replies) == []
    assert await rows(harness, Question) == []


async def test_small_talk_in_french_has_no_english(harness: Harness, ids: dict[str, int]) -> None:
    said = await harness.text("carol", "merci !")

    assert "Tapez `aujourd’hui` pour le conseil du jour, posez-moi une question" in said
    assert "Type" not in said and "Ask" not in said


async def test_a_greeting_with_a_question_is_still_a_question(harness: Harness, ids: dict[str, int]) -> None:
    replies = await harness.say("bob", "hello, how do I spot a phishing email?")

    assert "Hello bob!" not in text_of(replies)
    assert "phishing" in text_of(replies).lower()


@pytest.mark.parametrize("text", ["0", "2", "yes", "Oui", "no", "non merci"])
async def test_a_bare_answer_without_a_prompt_says_the_buttons_expired(
    harness: Harness, ids: dict[str, int], text: str
) -> None:
    replies = await harness.say("bob", text)

    said = text_of(replies)
    assert "Those buttons have expired." in said and "`help`" in said
    assert notifications(replies) == []
    assert await rows(harness, Question) == []


async def test_the_expired_answer_is_in_french_with_its_menu(harness: Harness, ids: dict[str, int]) -> None:
    replies = await harness.say("carol", "0")

    [reply] = replies
    assert isinstance(reply, Text) and reply.markdown.startswith("Ces boutons ont expiré.")
    assert [b.action for b in reply.buttons] == ["menu.today", "ask.start"]
    today = await harness.press("carol", "menu.today")
    assert today and "Ces boutons" not in text_of(today)


# --- my-data and forget-me --------------------------------------------------------------------------------


async def test_my_data_lists_live_prompts_in_words(harness: Harness, ids: dict[str, int]) -> None:
    question_id = await forwarded_question(harness)
    await harness.say("mia", f"reply {question_id}")

    async with harness.services.db.transaction() as session:
        [prompt] = list(
            await session.exec(select(PendingAction).where(PendingAction.person_id == ids["mia"]))
        )
    assert dialogue.describe(prompt, "en") == (
        f"Waiting for your text (your answer to question #{question_id}) until 2026-11-23 10:30 UTC"
    )
    assert dialogue.describe(prompt, "fr") == (
        f"En attente de votre texte (votre réponse à la question n°\u00a0{question_id}) "
        "jusqu’au 2026-11-23 10:30 UTC"
    )
    export = await harness.say("mia", "my-data")
    assert any(f"your answer to question #{question_id}" in str(getattr(r, "content", "")) for r in export), (
        "my-data lists the prompt in words"
    )


async def test_forget_me_erases_prompts(harness: Harness, ids: dict[str, int]) -> None:
    question_id = await forwarded_question(harness)
    await harness.say("mia", f"reply {question_id}")
    await harness.say("mia", "forget-me")

    await harness.say("mia", "yes")

    assert await person_id(harness, "mia") is None
    assert await prompts(harness, ids["mia"]) == []


async def test_housekeeping_drops_prompts_nobody_answered(harness: Harness, ids: dict[str, int]) -> None:
    await harness.say("bob", "forget-me")
    question_id = await forwarded_question(harness)
    await harness.say("mia", f"reply {question_id}")
    harness.clock.advance(minutes=20)

    await tidy(harness.services.db, harness.clock.now)

    assert await prompts(harness, ids["bob"]) == []
    assert [p.kind for p in await prompts(harness, ids["mia"])] == [PendingKind.REPLY]


async def test_a_prompt_that_an_answered_prompt_sets_in_its_place_stays(harness: Harness) -> None:
    """Failure: the action answering a text prompt set the next prompt (as a meeting's "what did you
    cover?" sets "anything you'll try?"); the database gave the new row the old one's id (SQLite reuses
    the id of a deleted last row), and the answered prompt's removal deleted the new one instead."""
    from bot.core.context import Context
    from storage import people

    await harness.say("ann", "help")
    event = Event(harness.actor("ann"), "action", "We met", action="test.first", value="1")

    async def then_second(ctx: Context, value: str) -> list[Text]:
        await dialogue.expect_text(ctx, kind=PendingKind.QUESTION, action="test.second", value=value)
        return [Text("next")]

    async with harness.services.db.transaction() as session:
        ann = await people.get_person(session, key="console:ann")
        assert ann is not None
        ctx = Context(event, ann, session, harness.services, harness.app.conversation.router)
        await dialogue.expect_text(ctx, kind=PendingKind.COMMITMENT, action="test.first", value="1")
    async with harness.services.db.transaction() as session:
        ctx = Context(event, ann, session, harness.services, harness.app.conversation.router)
        assert await dialogue.run_action(ctx, then_second, "1") == [Text("next")]
    [left] = await prompts(harness, ann.id or 0)
    assert (left.kind, left.data["action"]) == (PendingKind.QUESTION, "test.second")
