"""The Teams channel end to end: Activity JSON posted to /api/messages, replies through expectReplies,
proactive messages recorded by a fake Bot Connector at the activity's serviceUrl."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import select

from scheduler.service import run_tick
from storage.enums import DeliveryKind
from storage.models import AuditLog, Delivery, Enrollment, Feedback, Person, Question
from tests.bot.teams.conftest import (
    TENANT,
    TeamsTester,
    cards,
    conversation_of,
    submits,
    texts,
)

BOB = "29:bob"
MIA = "29:mia"
ADMIN = "29:admin"


def mention(user: str, name: str, *, aad: str | None = None) -> dict[str, Any]:
    """A Teams mention entity as Teams sends it: the mentioned account has its 29: id, rarely the object id."""
    mentioned: dict[str, Any] = {"id": user, "name": name}
    if aad:
        mentioned["aadObjectId"] = aad
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": mentioned}


async def rows(teams: TeamsTester, model, *conditions):  # type: ignore[no-untyped-def]
    async with teams.app.services.db.transaction() as session:
        return list(await session.exec(select(model).where(*conditions)))


async def person(teams: TeamsTester, aad: str) -> Person:
    [found] = await rows(teams, Person, Person.key == f"teams:{TENANT}:{aad}")
    return found


async def setup_programme(teams: TeamsTester) -> None:
    """The admin installs the app, creates a cohort, enrolls bob and pairs him with mia (by mentions)."""
    await teams.install(ADMIN)
    await teams.install(MIA)
    await teams.say(ADMIN, "cohort create pilot track first-steps start 2026-01-05")
    replies = await teams.say(
        ADMIN, "enroll pilot <at>Bob Senior</at>", entities=[mention(BOB, "Bob Senior")]
    )
    # small enrollments finish in the turn; big ones report later, in the same conversation
    await teams.until(
        lambda: "Bob Senior" in texts(replies) + "\n".join(teams.connector.texts(conversation_of(ADMIN)))
    )
    await teams.say(
        ADMIN,
        "pair <at>Mia Junior</at> <at>Bob Senior</at>",
        entities=[mention(MIA, "Mia Junior"), mention(BOB, "Bob Senior")],
    )


async def test_install_stores_the_conversation_and_says_hello(teams: TeamsTester) -> None:
    replies = await teams.install(BOB)
    welcome = texts(replies)
    assert "Tandem" in welcome and "aide" in welcome
    assert "Votre mentor ne voit que les questions que vous choisissez de lui envoyer" in welcome
    assert "les administrateurs voient les questions sans votre nom" in welcome
    bob = await person(teams, "aad-bob")
    assert bob.reachable is True
    assert bob.conversation is not None
    assert bob.conversation["conversation"]["id"] == conversation_of(BOB)
    assert bob.conversation["serviceUrl"] == teams.connector.url
    assert (bob.lang, bob.tz) == ("fr", "Europe/Paris")  # from the activity's locale and localTimezone


async def test_conversation_update_adding_the_bot_counts_as_install(teams: TeamsTester) -> None:
    activity = teams.activity(MIA, "conversationUpdate", membersAdded=[{"id": "28:tandem-bot"}])
    replies = await teams.turn(activity)
    assert "Tandem" in texts(replies)
    assert (
        "Your mentor sees only the questions you choose to send; admins see questions without your name"
        in (texts(replies))
    )
    assert (await person(teams, "aad-mia")).conversation is not None


async def test_first_message_stores_the_conversation_too(teams: TeamsTester) -> None:
    replies = await teams.say(MIA, "help")
    assert "next" in texts(replies)
    assert (await person(teams, "aad-mia")).conversation is not None


async def test_help_lists_commands_as_cards(teams: TeamsTester) -> None:
    replies = await teams.say(BOB, "help")
    assert cards(replies), "replies are Adaptive Cards"
    assert all(card["version"] == "1.5" for card in cards(replies))


async def test_learner_cannot_use_admin_commands_and_nothing_is_written(teams: TeamsTester) -> None:
    await teams.install(BOB)
    replies = await teams.say(BOB, "cohort create sneaky track first-steps")
    assert "admin" in texts(replies).lower()
    [refusal] = await rows(teams, AuditLog, AuditLog.outcome == "refused")
    assert refusal.action == "cohort"


async def test_enroll_by_mention_resolves_people_and_keeps_them_pending(teams: TeamsTester) -> None:
    await setup_programme(teams)
    bob = await person(teams, "aad-bob")  # resolved through the connector's member lookup
    assert bob.display_name == "Bob Senior"
    assert bob.reachable is False and bob.conversation is None
    listing = texts(await teams.say(ADMIN, "cohort list"))
    assert "1 not reachable yet" in listing
    report = texts(await teams.say(ADMIN, "report pilot"))
    assert "Not reachable yet: 1" in report


async def test_pending_learner_gets_tips_once_they_open_the_bot(teams: TeamsTester) -> None:
    await setup_programme(teams)
    monday = teams.app.services.clock()  # Monday 2026-11-23, 11:00 in Paris
    await _all_due(teams, monday)
    plan, _ = await run_tick(teams.app.drip(clock=lambda: monday), monday)
    assert plan.queued == 0  # pending: nothing can reach bob yet
    assert teams.connector.to(conversation_of(BOB)) == []
    await teams.install(BOB)
    # what waited for him (being paired with mia) arrives once he opens the bot
    await teams.until(lambda: any("Mia Junior" in s.text for s in teams.connector.to(conversation_of(BOB))))
    plan, _ = await run_tick(teams.app.drip(clock=lambda: monday), monday)
    assert plan.queued == 1
    await teams.until(lambda: bool(tips_to(teams, BOB)))  # this tick, or the dispatcher running beside it
    [tip] = tips_to(teams, BOB)
    [card] = tip.cards
    assert card["version"] == "1.5"
    titles = [action["data"]["tandem"] for action in submits(card)]
    assert {"lesson.more", "quiz.start", "feedback.useful", "feedback.not_useful", "ask.start"} <= set(titles)


async def test_full_story_enroll_tip_quiz_question_mentor_reply(teams: TeamsTester) -> None:
    await setup_programme(teams)
    await teams.install(BOB)
    await teams.until(lambda: any("Mia Junior" in s.text for s in teams.connector.to(conversation_of(BOB))))
    monday = teams.app.services.clock()  # Monday 2026-11-23, 11:00 in Paris
    await _all_due(teams, monday)
    plan, _ = await run_tick(teams.app.drip(clock=lambda: monday), monday)
    assert plan.queued == 1
    await teams.until(lambda: bool(tips_to(teams, BOB)))  # this tick, or the dispatcher running beside it
    [tip] = tips_to(teams, BOB)
    [card] = tip.cards
    quiz_button = next(a for a in submits(card) if a["data"]["tandem"] == "quiz.start")

    quiz = await teams.submit(BOB, quiz_button["data"])
    [quiz_card] = cards(quiz)
    choices = [a for a in submits(quiz_card) if a["data"]["tandem"] == "quiz.answer"]
    assert len(choices) >= 2
    feedback = await teams.submit(BOB, choices[0]["data"])
    assert cards(feedback), "the quiz feedback comes back as a card"
    assert texts(feedback).strip()

    question = "Who won the 1998 football world cup final?"
    answer = await teams.say(BOB, question)
    forward = next(a for c in cards(answer) for a in submits(c) if a["data"]["tandem"] == "question.forward")
    forwarded = await teams.submit(BOB, forward["data"])
    assert "Mia Junior" in texts(forwarded)
    await teams.until(lambda: any(question in t for t in teams.connector.texts(conversation_of(MIA))))
    incoming = next(s for s in teams.connector.to(conversation_of(MIA)) if question in s.text)
    [reply_button] = [
        a for c in incoming.cards for a in submits(c) if a["data"]["tandem"] == "question.reply"
    ]
    assert any(element.get("type") == "Input.Text" for element in json_walk(incoming.cards[0])), (
        "the mentor answers in a text box inside the card"
    )

    done = await teams.submit(MIA, {**reply_button["data"], "text": "France, 3-0 against Brazil."})
    assert "Bob Senior" in texts(done)
    await teams.until(lambda: any("3-0" in t for t in teams.connector.texts(conversation_of(BOB))))
    [stored] = await rows(teams, Question, Question.status == "answered")
    assert stored.answer == "France, 3-0 against Brazil."


async def test_empty_reply_box_is_refused_kindly(teams: TeamsTester) -> None:
    await teams.install(MIA)
    replies = await teams.submit(MIA, {"tandem": "question.reply", "value": "1", "text": "   "})
    assert "answer" in texts(replies).lower()


async def test_uninstall_stops_delivery(teams: TeamsTester) -> None:
    await setup_programme(teams)
    await teams.install(BOB)
    assert (await person(teams, "aad-bob")).reachable
    await teams.uninstall(BOB)
    bob = await person(teams, "aad-bob")
    assert bob.reachable is False and bob.conversation is None
    monday = teams.app.services.clock()  # Monday 2026-11-23, 11:00 in Paris
    await _all_due(teams, monday)
    plan, _ = await run_tick(teams.app.drip(clock=lambda: monday), monday)
    assert plan.queued == 0
    assert teams.connector.to(conversation_of(BOB)) == [] or all(
        "conseil" not in s.text.lower() for s in teams.connector.to(conversation_of(BOB))
    )


async def test_malformed_activities_get_400_and_change_nothing(teams: TeamsTester) -> None:
    for body in (
        b"{not json",
        b"[1, 2]",
        json.dumps({"type": "message", "text": "help"}).encode(),  # no conversation
        json.dumps({"conversation": {"id": "x"}, "text": "help"}).encode(),  # no type
        json.dumps({"type": "message", "conversation": {"id": "x"}, "from": "nobody"}).encode(),
    ):
        response = await teams.post(body, headers={"content-type": "application/json"})
        assert response.status == 400, body
        assert (await response.json())["error"], "the 400 says what is wrong"
    assert await rows(teams, Person) == []
    assert teams.connector.sent == []


async def test_unknown_activity_types_are_ignored_politely(teams: TeamsTester) -> None:
    response = await teams.post({**teams.activity(BOB, "messageReaction"), "deliveryMode": "expectReplies"})
    assert response.status in (200, 202)
    response = await teams.post(teams.activity(BOB, "somethingNew"))
    assert response.status in (200, 202)
    assert teams.connector.sent == []


async def test_messages_outside_a_personal_chat_point_to_the_personal_chat(teams: TeamsTester) -> None:
    activity = teams.activity(BOB, text="help")
    activity["conversation"] = {"id": "19:team-channel", "conversationType": "channel", "tenantId": TENANT}
    replies = await teams.turn(activity)
    assert "personal" in texts(replies).lower() or "privée" in texts(replies).lower()


async def test_replies_are_posted_to_the_connector_without_expect_replies(teams: TeamsTester) -> None:
    response = await teams.post(teams.activity(MIA, text="help"))
    assert response.status in (200, 202)
    await teams.until(lambda: bool(teams.connector.to(conversation_of(MIA))))
    [sent, *_] = teams.connector.to(conversation_of(MIA))
    assert sent.reply_to is not None  # a reply to the person's message


async def test_connector_failures_become_delivery_errors(teams_by_hand: TeamsTester) -> None:
    teams = teams_by_hand
    await setup_programme(teams)
    await teams.install(BOB)
    monday = teams.app.services.clock()  # Monday 2026-11-23, 11:00 in Paris
    await _all_due(teams, monday)
    await teams.app.deliver_now()  # the pairing notices, before the faults
    assert any("Mia Junior" in s.text for s in teams.connector.to(conversation_of(BOB)))
    teams.connector.fail(429)
    teams.connector.fail(503)
    runtime = teams.app.drip(clock=lambda: monday)
    _, first = await run_tick(runtime, monday)
    assert (first.sent, first.retried) == (0, 1)  # the 429: due again after Retry-After
    second = await runtime.dispatcher.run_once(monday + dt.timedelta(minutes=1))
    assert (second.sent, second.retried) == (0, 1)  # the 503: it may have arrived, so it waits to settle
    third = await runtime.dispatcher.run_once(monday + dt.timedelta(minutes=2))
    assert third.sent == 1 and len(tips_to(teams, BOB)) == 1
    teams.connector.fail(403, times=5)
    async with teams.app.services.db.transaction() as session:
        bob = (await session.exec(select(Person).where(Person.key == f"teams:{TENANT}:aad-bob"))).one()
    from bot.core.replies import Text
    from bot.outlets import Destination, Item
    from scheduler.errors import PermanentError

    item = Item(
        "msg:x", Destination(bob.key, "teams", bob.display_name, bob.id, bob.conversation), (Text("hi"),)
    )
    try:
        await teams.channel.outlet.deliver(item)
    except PermanentError as exc:
        assert "403" in str(exc)
    else:
        raise AssertionError("a 403 means the bot can no longer write to this person")


def json_walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(json_walk(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(json_walk(item))
    return found


async def _all_due(teams: TeamsTester, when: dt.datetime) -> None:
    async with teams.app.services.db.transaction() as session:
        for enrollment in await session.exec(select(Enrollment)):
            enrollment.next_due_at = when
            session.add(enrollment)


def tips_to(teams: TeamsTester, user: str) -> list[Any]:
    """The tip cards a person received: the cards with a quiz button."""
    return [
        sent
        for sent in teams.connector.to(conversation_of(user))
        if any(a["data"].get("tandem") == "quiz.start" for card in sent.cards for a in submits(card))
    ]


async def test_mentor_sees_mentees_and_pushes_a_tip_that_arrives_proactively(teams: TeamsTester) -> None:
    await setup_programme(teams)
    await teams.install(BOB)
    overview = texts(await teams.say(MIA, "mentees"))
    assert "Bob Senior" in overview
    replies = await teams.say(
        MIA,
        "push <at>Bob Senior</at> Pin the conversations you use every day: they stay on top.",
        entities=[mention(BOB, "Bob Senior")],
    )
    assert texts(replies).strip()
    await teams.until(
        lambda: any("Pin the conversations" in t for t in teams.connector.texts(conversation_of(BOB)))
    )


async def test_learner_cannot_use_mentor_commands(teams: TeamsTester) -> None:
    await teams.install(BOB)
    replies = await teams.say(BOB, "reply 1 hello")
    assert "mentor" in texts(replies).lower()
    assert await rows(teams, Question) == []


async def test_quiz_answer_turns_the_quiz_card_into_its_feedback(teams: TeamsTester) -> None:
    """Without expectReplies Teams gets the feedback as an update of the quiz card itself."""
    await teams.install(BOB)
    quiz = await teams.submit(BOB, {"tandem": "quiz.start", "value": "strong-passwords"})
    [choice, *_] = [a for c in cards(quiz) for a in submits(c) if a["data"]["tandem"] == "quiz.answer"]
    activity = teams.activity(BOB, value=choice["data"], replyToId="quiz-card-7")
    response = await teams.post(activity)
    assert response.status in (200, 202)
    await teams.until(lambda: bool(teams.connector.updates))
    [update] = teams.connector.updates
    assert update.reply_to == "quiz-card-7" and update.conversation == conversation_of(BOB)
    assert update.cards and update.cards[0]["version"] == "1.5"
    assert not any(a["data"]["tandem"] == "quiz.answer" for c in update.cards for a in submits(c))


async def test_a_replayed_quiz_answer_is_recorded_once(teams: TeamsTester) -> None:
    """Attack: the same quiz-answer submit (the same activity id) posted three times, to count one answer
    several times in the cohort's quiz results. The activity id is the event's id: only the first counts,
    and the replays get no answer."""
    await teams.install(BOB)
    quiz = await teams.submit(BOB, {"tandem": "quiz.start", "value": "strong-passwords"})
    [choice, *_] = [a for c in cards(quiz) for a in submits(c) if a["data"]["tandem"] == "quiz.answer"]
    answer = teams.activity(BOB, value=choice["data"], replyToId="quiz-card-7")
    first, *replays = [await teams.turn(answer) for _ in range(3)]
    assert texts(first).strip()
    assert replays == [[], []]
    assert len(await rows(teams, Feedback, Feedback.kind == "quiz")) == 1


async def test_a_replayed_question_to_the_mentor_is_queued_once(teams: TeamsTester) -> None:
    """Attack: a learner's `mentor <question>` message replayed three times (the same activity id), to
    flood the mentor. One question is recorded and one message to the mentor is queued."""
    await setup_programme(teams)
    await teams.install(BOB)
    mia = await person(teams, "aad-mia")
    message = teams.activity(BOB, text="mentor How do I share only one window in a call?")
    for _ in range(3):
        await teams.turn(message)
    assert len(await rows(teams, Question)) == 1
    to_mentor = await rows(
        teams, Delivery, Delivery.person_id == mia.id, Delivery.kind == DeliveryKind.QUESTION
    )
    assert len(to_mentor) == 1


async def test_a_replayed_mentor_reply_is_handled_once(teams: TeamsTester) -> None:
    """Attack: a mentor's reply box submitted three times with the same activity id. The `reply` command
    built from it carries the activity's id too: the replays get no answer at all (not even "already
    answered"), and the learner gets the answer once."""
    await setup_programme(teams)
    await teams.install(BOB)
    await teams.say(BOB, "mentor Where do I find the files someone shared with me?")
    [question] = await rows(teams, Question)
    submit = {"tandem": "question.reply", "value": str(question.id), "text": "In the Files tab of the chat."}
    reply = teams.activity(MIA, value=submit, replyToId="card-1")
    first, *replays = [await teams.turn(reply) for _ in range(3)]
    assert "Bob Senior" in texts(first)
    assert replays == [[], []]
    bob = await person(teams, "aad-bob")
    answers = await rows(teams, Delivery, Delivery.person_id == bob.id, Delivery.kind == DeliveryKind.ANSWER)
    assert len(answers) == 1


async def test_a_full_lesson_ends_with_its_related_lessons(teams: TeamsTester) -> None:
    replies = await teams.say(ADMIN, "lesson strong-passwords")
    [card] = cards(replies)
    related = [e["text"] for e in json_walk(card) if e.get("isSubtle") and "Related" in e.get("text", "")]
    assert related == [
        "Related: _Two-step verification, your second lock_ (lesson two-factor-authentication), "
        "_Spot phishing, fake profiles and CEO fraud_ (lesson phishing-scams), "
        "_Protect your X account_ (lesson x-account-security)"
    ], related


async def test_the_ask_box_in_a_card_is_answered_like_a_question(teams: TeamsTester) -> None:
    await teams.install(BOB)
    lesson = await teams.say(BOB, "lesson strong-passwords")
    [ask] = [a for c in cards(lesson) for a in submits(c) if a["data"]["tandem"] == "ask.start"]
    answer = await teams.submit(
        BOB, {**ask["data"], "text": "comment activer la validation en deux étapes ?"}
    )
    assert "deux étapes" in texts(answer).lower()
    empty = await teams.submit(BOB, {**ask["data"], "text": " "})
    assert "zone" in texts(empty).lower()  # "Écrivez votre réponse dans la zone…": the box was empty
