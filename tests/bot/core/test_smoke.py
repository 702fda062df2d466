from tests.support.harness import Harness


async def test_help_and_question(harness: Harness) -> None:
    text = await harness.text("alice", "help")
    assert "today" in text
    text = await harness.text("alice", "how do I make a strong password?")
    assert "password" in text.lower()


async def test_related_lessons_travel_with_the_answer_card(harness: Harness) -> None:
    from bot.core.replies import LessonCard

    replies = await harness.say("alice", "who can see my LinkedIn profile when I change my job title?")
    cards = [r for r in replies if isinstance(r, LessonCard)]
    assert len(replies) == 1 and len(cards) == 1
    assert "See also" in cards[0].footer


async def test_a_full_lesson_lists_its_related_lessons_with_the_command_to_open_each(
    harness: Harness,
) -> None:
    from bot.core.replies import LessonCard

    library = harness.services.lessons.library
    titles = {i: library.lessons[(i, "en")].title for i in ("phishing-scams", "x-account-security")}
    [card] = await harness.say("alice", "lesson strong-passwords")
    assert isinstance(card, LessonCard) and card.full
    assert card.footer == (
        "Related: *Two-step verification, your second lock* (`lesson two-factor-authentication`), "
        f"*{titles['phishing-scams']}* (`lesson phishing-scams`), "
        f"*{titles['x-account-security']}* (`lesson x-account-security`)"
    )
    [more] = await harness.press("alice", "lesson.more", "strong-passwords")
    assert isinstance(more, LessonCard) and more.full and more.footer == card.footer


async def test_related_lessons_are_named_in_the_readers_language(harness: Harness) -> None:
    from bot.core.replies import LessonCard

    await harness.say("alice", "lang fr")
    [card] = await harness.say("alice", "lesson strong-passwords")
    assert isinstance(card, LessonCard)
    assert card.footer.startswith(
        "Pour aller plus loin\u202f: *La validation en deux étapes, votre second verrou* "
        "(`leçon two-factor-authentication`), "
    )


async def test_the_daily_tip_card_has_no_related_lessons(harness: Harness) -> None:
    from bot.core.replies import LessonCard

    [card] = await harness.say("alice", "today")
    assert isinstance(card, LessonCard) and not card.full and card.footer == ""
