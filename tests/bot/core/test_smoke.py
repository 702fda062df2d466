from tests.support.harness import Harness


async def test_help_and_question(harness: Harness) -> None:
    text = await harness.text("alice", "help")
    assert "today" in text
    text = await harness.text("alice", "how do I make a strong password?")
    assert "password" in text.lower()
