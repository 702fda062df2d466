"""Who sees a learner's question: the mentor only what the learner chose to send, admins the gaps in the
lessons without names, nobody the text of a declined question. Also the unsure answer's buttons, the
privacy sentence of `help`, and a mentor's cohort push reaching only their own mentees."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.core.replies import Button, LessonCard, Reply, Text
from bot.delivery import digest_message
from storage import activity, people
from storage.models import CustomTip, Delivery, InboxMessage, PendingAction, Question
from tests.bot.core.test_mentor_commands import rows, setup_programme
from tests.support.harness import Harness, notifications, text_of

CAKE = "What is the best recipe for chocolate cake?"
"""A question the library is not sure of, with several lessons close to it."""
POSTS = "How do I find my old posts on X from 2015?"
"""Another one, for a second question."""


@pytest.fixture
async def ids(harness: Harness) -> dict[str, int]:
    """cohort `pilot` (bob, carol; mia mentors bob) and `other` (dave, erin; noah mentors erin)."""
    return await setup_programme(harness)


def everything(replies: list[Reply]) -> str:
    """Every string and file content of these replies, whatever their type."""
    parts: list[str] = []
    for reply in replies:
        for field in dataclasses.fields(reply):
            value = getattr(reply, field.name)
            if isinstance(value, bytes):
                parts.append(value.decode("utf-8", "replace"))
            elif isinstance(value, str):
                parts.append(value)
    return "\n".join(parts)


def buttons_of(replies: list[Reply]) -> list[Button]:
    return [button for reply in replies if isinstance(reply, Text) for button in reply.buttons]


def button(replies: list[Reply], action: str) -> Button:
    [found] = [b for b in buttons_of(replies) if b.action == action]
    return found


async def stored_texts(harness: Harness) -> str:
    """Every message Tandem wrote down for anyone (ledger payloads, console inboxes) as one string."""
    ledger = [json.dumps(d.payload, ensure_ascii=False) for d in await rows(harness, Delivery)]
    inbox = [json.dumps(m.payload, ensure_ascii=False) for m in await rows(harness, InboxMessage)]
    return "\n".join(ledger + inbox)


async def ask_and_decline(harness: Harness, name: str, question: str) -> Question:
    replies = await harness.say(name, question)
    keep = button(replies, "question.keep")
    said = await harness.press(name, keep.action, keep.value)
    assert "stays between us" in text_of(said) and notifications(said) == []
    [stored] = await rows(harness, Question, id=int(keep.value))
    return stored


# --- the unsure answer --------------------------------------------------------------------------------------


async def test_unsure_answer_offers_the_closest_lessons_and_the_mentor(
    harness: Harness, ids: dict[str, int]
) -> None:
    result = harness.services.lessons.engine.answer(CAKE, "en")
    assert not result.confident and result.lesson is not None and len(result.alternatives) >= 2

    replies = await harness.say("bob", CAKE)

    opens = [b for b in buttons_of(replies) if b.action == "lesson.more"]
    expected = [result.lesson, *result.alternatives][:3]
    assert [b.value for b in opens] == [lesson.id for lesson in expected]
    assert [b.label for b in opens] == [f"Open: {lesson.title}" for lesson in expected]
    forward, keep = button(replies, "question.forward"), button(replies, "question.keep")
    assert (forward.label, keep.label) == ("Send to my mentor", "No thanks")
    shown = text_of(replies)
    assert "These lessons come closest:" in shown and "your mentor, **mia**" in shown
    assert "`lesson" not in shown and "lesson " + expected[0].id not in shown
    [question] = await rows(harness, Question, person_id=ids["bob"])
    assert (question.status, str(question.id)) == ("open", forward.value)
    [prompt] = await rows(harness, PendingAction, person_id=ids["bob"])
    assert prompt.kind == "forward"

    opened = await harness.press("bob", opens[1].action, opens[1].value)
    [card] = [r for r in opened if isinstance(r, LessonCard)]
    assert card.full and card.lesson.id == expected[1].id


async def test_unsure_answer_without_a_mentor_says_who_can_help(
    harness: Harness, ids: dict[str, int]
) -> None:
    replies = await harness.say("dave", CAKE)

    actions = {b.action for b in buttons_of(replies)}
    assert actions == {"lesson.more"}
    shown = text_of(replies)
    assert "You don’t have a mentor yet: an admin can pair you with one." in shown
    assert "without your name" in shown
    assert await rows(harness, PendingAction, person_id=ids["dave"]) == []

    french = text_of(await harness.say("carol", "Quelle est la meilleure recette de gâteau au chocolat ?"))
    assert "Vous n’avez pas encore de mentor\u202f: un administrateur peut vous en attribuer un." in french
    assert "sans votre nom" in french


async def test_a_typed_yes_sends_the_question_a_typed_no_declines_it(
    harness: Harness, ids: dict[str, int]
) -> None:
    await harness.say("bob", CAKE)
    said = await harness.say("bob", "yes")
    assert "passing it on to **mia**" in text_of(said)
    assert len(notifications(said, "console:mia")) == 1

    await harness.say("bob", POSTS)
    said = await harness.say("bob", "no thanks")
    assert "stays between us" in text_of(said) and notifications(said) == []
    statuses = {q.text: q.status for q in await rows(harness, Question, person_id=ids["bob"])}
    assert statuses == {CAKE: "forwarded", POSTS: "declined"}


# --- the mentor sees what was sent to them, and only that ---------------------------------------------------


async def test_mentees_lists_only_the_questions_sent_to_the_mentor(
    harness: Harness, ids: dict[str, int]
) -> None:
    replies = await harness.say("bob", CAKE)
    assert CAKE not in await harness.text("mia", "mentees"), "not sent yet: the learner has not said yes"

    forward = button(replies, "question.forward")
    await harness.press("bob", forward.action, forward.value)
    await ask_and_decline(harness, "bob", POSTS)
    mia = await harness.text("mia", "mentees")
    assert f"#{forward.value}: {CAKE}" in mia and "Open questions: 1" in mia
    assert POSTS not in mia

    await harness.say("root", "pair @noah @bob")  # bob's new mentor: the question was sent to mia, not him
    noah = await harness.text("noah", "mentees")

    assert "**bob**" in noah and CAKE not in noah and POSTS not in noah
    said = await harness.say("noah", f"reply {forward.value} Here is how.")
    assert "There is no open question" in text_of(said) and notifications(said) == []
    async with harness.services.db.transaction() as session:
        noah_row = await people.get_person_by_id(session, person_id=ids["noah"])
        assert noah_row is not None
        digest = text_of(await digest_message(session, noah_row))
    assert "**bob**" in digest and "0 open question(s)" in digest


async def test_declined_question_is_never_shown_and_cannot_be_answered(
    harness: Harness, ids: dict[str, int]
) -> None:
    declined = await ask_and_decline(harness, "bob", CAKE)
    assert declined.status == "declined"

    said = await harness.say("mia", f"reply {declined.id} Here is a recipe.")
    assert f"There is no open question #{declined.id}" in text_of(said) and notifications(said) == []
    again = await harness.press("bob", "question.keep", str(declined.id))
    assert "stays between us" in text_of(again)

    seen = [
        await harness.text("mia", "mentees"),
        await harness.text("root", "questions"),
        await harness.text("root", "report pilot"),
        await stored_texts(harness),
    ]
    assert all("chocolate" not in text for text in seen), seen


async def test_declined_question_may_still_be_sent_when_the_learner_changes_their_mind(
    harness: Harness, ids: dict[str, int]
) -> None:
    declined = await ask_and_decline(harness, "bob", CAKE)

    said = await harness.press("bob", "question.forward", str(declined.id))

    assert "passing it on to **mia**" in text_of(said)
    [question] = await rows(harness, Question, id=declined.id)
    assert (question.status, question.mentor_id) == ("forwarded", ids["mia"])


# --- admins see the gaps without names ----------------------------------------------------------------------


async def test_admins_see_the_gaps_without_names_and_declined_ones_as_counts(
    harness: Harness, ids: dict[str, int]
) -> None:
    await harness.say("bob", POSTS)  # open: bob has not chosen yet
    harness.clock.advance(minutes=5)
    await harness.say("bob", "mentor can you explain *hashtags* to me")  # sent to mia
    declined = await ask_and_decline(harness, "bob", CAKE)
    await ask_and_decline(harness, "bob", "And a recipe for chocolate cookies?")
    await harness.say("dave", "mentor who organises the Friday lunch")  # no mentor: noted for the team
    topic = harness.services.lessons.library.get(declined.lesson_id or "", "en")
    assert topic is not None

    questions = await harness.text("root", "questions")
    report = await harness.text("root", "report pilot")

    for shown in (questions, report):
        assert POSTS in shown and "hashtags" in shown
        assert "chocolate" not in shown and "cookies" not in shown
        for name in ("bob", "dave", "mia"):
            assert name not in shown, (name, shown)
        assert "console:" not in shown and "#" not in shown
        assert f"*{topic.title}* (" in shown
    assert "Questions nobody has answered yet (3), oldest first, without who asked them." in questions
    assert "Questions the learners kept to themselves, never shown: 2 (closest topics:" in questions
    assert "Friday lunch" in questions and "Friday lunch" not in report  # dave is in another cohort
    assert "- Questions waiting for an answer: 2" in report
    assert "- Questions the learners kept to themselves, never shown: 2" in report

    await harness.say("root", "lang fr")
    french = await harness.text("root", "questions")
    assert "Questions que les apprenants ont gardées pour eux, jamais affichées\u202f: 2" in french


async def test_questions_with_only_declined_ones_shows_the_count(
    harness: Harness, ids: dict[str, int]
) -> None:
    await ask_and_decline(harness, "bob", CAKE)

    shown = await harness.text("root", "questions")

    assert "Every question has an answer" not in shown
    assert shown.startswith("Questions the learners kept to themselves, never shown: 1")


# --- my-data and forget-me --------------------------------------------------------------------------------


async def test_forget_me_erases_declined_questions_which_my_data_keeps(
    harness: Harness, ids: dict[str, int]
) -> None:
    declined = await ask_and_decline(harness, "bob", CAKE)
    async with harness.services.db.transaction() as session:
        own = await activity.questions_of(session, person_id=ids["bob"])
    assert [(q.text, q.status) for q in own] == [(CAKE, "declined")]
    assert CAKE in everything(await harness.say("bob", "my-data")), (
        "a person's own data holds their questions"
    )

    confirm = button(await harness.say("bob", "forget-me"), "forget.confirm")
    await harness.press("bob", confirm.action, confirm.value)

    assert await rows(harness, Question, id=declined.id) == []


# --- help and the welcome say who sees what ---------------------------------------------------------------


async def test_help_says_who_sees_what_in_both_languages(harness: Harness, ids: dict[str, int]) -> None:
    english = await harness.text("bob", "help")
    french = await harness.text("carol", "aide")

    assert (
        "Your mentor sees only the questions you choose to send; admins see questions without your name, "
        "and counts." in english
    )
    assert (
        "Votre mentor ne voit que les questions que vous choisissez de lui envoyer\u202f; les administrateurs "
        "voient les questions sans votre nom, et des chiffres d’ensemble." in french
    )
    assert "Your mentor sees only" in await harness.text("root", "help")


# --- a mentor's cohort push reaches their own mentees only ------------------------------------------------


async def test_a_mentors_cohort_push_reaches_only_their_own_mentees(
    harness: Harness, ids: dict[str, int]
) -> None:
    said = await harness.say("mia", "push pilot Long-press a message to reply to it.")

    assert "Sent to your mentee in pilot. Thank you!" in text_of(said)
    assert {note.person_key for note in said.notes} == {"console:bob"}

    await harness.say("root", "pair @mia @carol")
    said = await harness.say("mia", "push pilot Another tip.")

    assert "Sent to your 2 mentees in pilot." in text_of(said)
    assert {note.person_key for note in said.notes} == {"console:bob", "console:carol"}
    [french] = notifications(said, "console:carol")
    assert isinstance(french, Text) and french.markdown.startswith("Un conseil de **mia**")

    said = await harness.say("mia", "push pilot A tip for Monday at 2026-11-30 10:00")
    assert "your 2 mentees in pilot will get your tip on 2026-11-30 10:00 (Europe/Paris)" in text_of(said)
    tips = await rows(harness, CustomTip, author_id=ids["mia"])
    assert {tip.target_cohort_id for tip in tips} == {ids["pilot"]}


async def test_a_mentor_without_mentees_in_the_cohort_is_told_why(
    harness: Harness, ids: dict[str, int]
) -> None:
    before = await harness.snapshot()

    said = await harness.say("noah", "push pilot Hello")

    assert "None of your mentees is in the cohort pilot" in text_of(said)
    assert notifications(said) == []
    after = await harness.snapshot()
    assert {t: v for t, v in after.items() if t != "auditlog"} == {
        t: v for t, v in before.items() if t != "auditlog"
    }


async def test_an_admin_still_pushes_to_the_whole_cohort(harness: Harness, ids: dict[str, int]) -> None:
    said = await harness.say("root", "push pilot Hello everyone")

    assert "on its way to the 2 people of the cohort pilot" in text_of(said)
    assert {note.person_key for note in said.notes} == {"console:bob", "console:carol"}
