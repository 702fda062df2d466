from tests.support.harness import Harness


async def test_help_and_question(harness: Harness) -> None:
    text = await harness.text("alice", "help")
    assert "today" in text
    text = await harness.text("alice", "how do I make a strong password?")
    assert "password" in text.lower()


async def test_related_lessons_travel_with_the_answer_card(harness: Harness) -> None:
    from bot.core.replies import LessonCard

    replies = await harness.say("alice", "LinkedIn profile and who can see it")
    cards = [r for r in replies if isinstance(r, LessonCard)]
    assert len(replies) == 1 and len(cards) == 1
    assert "See also" in cards[0].footer
