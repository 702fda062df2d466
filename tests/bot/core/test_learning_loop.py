"""A bot that learns from its mentors: the mentor's "Which lesson should have answered this?", the admins'
`questions link|new-topic`, the "new topic needed" list in `report`, privacy, and the export to lesson files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from sqlalchemy import delete

from bot.core.context import LessonStore
from bot.core.replies import LessonCard, Text
from lessons import Library, load_library
from storage import examples
from storage.models import LearnedExample, Question
from tests.bot.core.test_mentor_commands import rows, setup_programme
from tests.support.cli import tandem
from tests.support.harness import Harness, text_of

LINKED = "how do i stop headhunters messaging me"
PARAPHRASE = "recruiters keep messaging me on linkedin, how to stop"
LESSON = "linkedin-profile"


@pytest.fixture
async def ids(harness: Harness) -> dict[str, int]:
    return await setup_programme(harness)


async def answered_by_mentor(harness: Harness, text: str) -> tuple[Question, Text]:
    """Bob sends `text` to his mentor mia, who answers it; returns the question and mia's teaching offer."""
    await harness.say("bob", f"mentor {text}")
    [question] = [q for q in await rows(harness, Question) if q.text == text]
    replies = await harness.say(
        "mia", f"reply {question.id} Set your profile to Open to Work, recruiters only."
    )
    [offer] = [
        r for r in replies if isinstance(r, Text) and r.buttons and r.buttons[0].action.startswith("teach")
    ]
    return question, offer


def answer_of(harness: Harness, text: str) -> tuple[str | None, bool]:
    found = harness.services.lessons.engine.answer(text, "en")
    return found.lesson_id, found.confident


async def test_mentor_links_a_question_and_a_paraphrase_gets_that_lesson_confidently(
    harness: Harness, ids: dict[str, int]
) -> None:
    assert answer_of(harness, PARAPHRASE) != (LESSON, True)  # what the lessons alone answer
    question, offer = await answered_by_mentor(harness, LINKED)

    assert "Which lesson should have answered this?" in offer.markdown
    actions = [b.action for b in offer.buttons]
    assert actions[-2:] == ["teach.new_topic", "teach.skip"]
    assert 1 <= actions.count("teach.lesson") <= 3
    assert [b.label for b in offer.buttons[-2:]] == ["None: a new topic is needed", "Skip"]
    replies = await harness.press("mia", "teach.lesson", f"{question.id}:{LESSON}")

    assert "from now on I’ll answer questions like this one with *A LinkedIn profile that works*" in text_of(
        replies
    )
    [example] = await rows(harness, LearnedExample)
    assert (example.lesson_id, example.lang, example.text) == (LESSON, "en", LINKED)
    assert set(LearnedExample.model_fields) == {"id", "lesson_id", "lang", "text", "created_at"}  # no author
    assert answer_of(harness, PARAPHRASE) == (LESSON, True)
    replies = await harness.say("dave", PARAPHRASE)
    [card] = [r for r in replies if isinstance(r, LessonCard)]
    assert card.lesson.id == LESSON
    [asked] = await rows(harness, Question, person_id=ids["dave"])
    assert (asked.lesson_id, asked.confident, asked.status) == (LESSON, True, "answered")
    assert answer_of(harness, "how do I stop notifications on my phone")[0] != LESSON  # not any "stop"


async def test_learned_examples_survive_a_restart_and_a_reload(
    harness: Harness, ids: dict[str, int], bundled_library: Library
) -> None:
    question, _ = await answered_by_mentor(harness, LINKED)
    await harness.press("mia", "teach.lesson", f"{question.id}:{LESSON}")

    restarted = LessonStore([], library=bundled_library)
    async with harness.services.db.transaction() as session:
        restarted.set_learned(await examples.learned_triples(session))
    found = restarted.engine.answer(PARAPHRASE, "en")
    assert (found.lesson_id, found.confident) == (LESSON, True)
    assert "Lessons reloaded" in await harness.text("root", "reload")
    assert answer_of(harness, PARAPHRASE) == (LESSON, True)


async def test_new_topic_and_skip_from_the_mentor_and_only_their_own_questions(
    harness: Harness, ids: dict[str, int]
) -> None:
    question, _ = await answered_by_mentor(harness, "where do I sign the expense report for my trip")
    before = await harness.snapshot()
    assert "can no longer be linked" in text_of(
        await harness.press("noah", "teach.new_topic", str(question.id))
    )
    assert "can no longer be linked" in text_of(
        await harness.press("noah", "teach.lesson", f"{question.id}:{LESSON}")
    )
    assert await harness.snapshot() == before
    assert "All right." in text_of(await harness.press("mia", "teach.skip", str(question.id)))
    assert await harness.snapshot() == before

    replies = await harness.press("mia", "teach.new_topic", str(question.id))

    assert "a new topic is needed" in text_of(replies)
    [marked] = await rows(harness, Question, id=question.id)
    assert marked.new_topic_at == harness.clock.now
    assert await rows(harness, LearnedExample) == []
    report = await harness.text("root", "report pilot")
    assert "New topics needed (1)" in report and "expense report" in report
    assert "bob" not in report.split("New topics needed")[1]
    unknown = await harness.press("mia", "teach.lesson", f"{question.id}:no-such-lesson")
    assert "There is no lesson `no-such-lesson`" in text_of(unknown)


async def test_admin_links_and_marks_by_ref_and_declined_questions_are_never_listed(
    harness: Harness, ids: dict[str, int]
) -> None:
    await harness.say("bob", "how do I file my travel expenses in the tool")
    await harness.say("carol", "how do I get travel expenses refunded")
    await harness.say("erin", "my travel expenses secret question nobody should see")
    waiting = {q.person_id: q for q in await rows(harness, Question)}
    declined = waiting[ids["erin"]]
    await harness.press("erin", "question.keep", str(declined.id))
    listing = await harness.text("root", "questions")
    bob_ref = examples.question_ref(waiting[ids["bob"]].id or 0)
    carol_ref = examples.question_ref(waiting[ids["carol"]].id or 0)
    declined_ref = examples.question_ref(declined.id or 0)
    assert f"ref `{bob_ref}`" in listing and f"ref `{carol_ref}`" in listing
    assert declined_ref not in listing and "secret question" not in listing
    assert f"#{waiting[ids['bob']].id}" not in listing

    assert "a new topic is needed" in await harness.text("root", f"questions new-topic {bob_ref}")
    assert "a new topic is needed" in await harness.text("root", f"questions nouveau-sujet {carol_ref}")
    refused = await harness.text("root", f"questions new-topic {declined_ref}")
    assert f"There is no question `{declined_ref}`" in refused
    assert "Usage" in await harness.text("root", "questions link")
    assert "There is no question `qzzzzzz`" in await harness.text("root", "questions link qzzzzzz hashtags")

    listing = await harness.text("root", "questions")
    grouped = listing.split("New topics needed (2), grouped by similarity, without who asked:")[1]
    assert grouped.count("\n- ") == 1 and "- 2 × " in grouped  # one group: "travel expenses"
    assert "secret question" not in listing and "secret question" not in await harness.text(
        "root", "report other"
    )
    async with harness.services.db.transaction() as session:
        assert {q.id for q in await examples.new_topic_questions(session)} == {
            waiting[ids["bob"]].id,
            waiting[ids["carol"]].id,
        }

    linked = await harness.text("root", f"questions link {bob_ref} {LESSON}")
    assert "Linked to *A LinkedIn profile that works*" in linked
    [example] = await rows(harness, LearnedExample)
    assert example.text == "how do I file my travel expenses in the tool"
    assert "New topics needed (1)" in await harness.text("root", "questions")
    assert "is for programme admins" in await harness.text("bob", f"questions link {carol_ref} {LESSON}")


async def test_my_data_shows_and_forget_me_deletes_the_examples_made_of_ones_questions(
    harness: Harness, ids: dict[str, int]
) -> None:
    question, _ = await answered_by_mentor(harness, LINKED)
    await harness.press("mia", "teach.lesson", f"{question.id}:{LESSON}")
    async with harness.services.db.transaction() as session:
        await examples.add_example(
            session, lesson_id="hashtags", lang="en", text="pound sign words", now=harness.clock.now
        )

    exported = text_of(await harness.say("bob", "my-data"))
    assert '"learned_examples"' in exported and LINKED in exported.split('"learned_examples"')[1]
    assert "pound sign words" not in exported

    await harness.say("bob", "forget-me")
    await harness.press("bob", "forget.confirm")

    assert [x.text for x in await rows(harness, LearnedExample)] == ["pound sign words"]
    assert harness.services.lessons.learned == (("hashtags", "en", "pound sign words"),)
    assert answer_of(harness, PARAPHRASE) != (LESSON, True)


async def test_export_writes_lesson_files_that_lessons_check_accepts(
    harness: Harness, db_url: str, tmp_path: Path
) -> None:
    async with harness.services.db.transaction() as session:
        for lesson_id, lang, text in (
            (LESSON, "en", LINKED),
            (LESSON, "en", 'my old "boss" can see I\'m looking: help'),
            ("hashtags", "fr", "les mots avec le signe dièse"),
            ("no-such-lesson", "en", "lost example"),
        ):
            await examples.add_example(
                session, lesson_id=lesson_id, lang=lang, text=text, now=harness.clock.now
            )
    out = tmp_path / "learned"

    done = tandem(db_url, "lessons", "examples", "--export", str(out))

    assert done.returncode == 0, done.stderr
    assert "3 examples written into 2 lesson files" in done.stdout
    assert "no-such-lesson" in done.stderr
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.md")) == [
        "en/linkedin-profile.md",
        "fr/hashtags.md",
    ]
    check = tandem(db_url, "lessons", "check", str(out))
    assert check.returncode == 0, check.stdout + check.stderr
    library = load_library([out])
    bundled = load_library()
    asks = library.lessons[(LESSON, "en")].asks
    assert asks[: len(bundled.lessons[(LESSON, "en")].asks)] == bundled.lessons[(LESSON, "en")].asks
    assert asks[-2:] == (LINKED, 'my old "boss" can see I\'m looking: help')
    assert library.lessons[("hashtags", "fr")].asks[-1] == "les mots avec le signe dièse"
    front = (out / "en" / "linkedin-profile.md").read_text().split("---")[1]
    assert yaml.safe_load(front)["asks"] == list(asks)
    again = tandem(db_url, "--lessons", str(out), "lessons", "examples", "--export", str(out))
    assert "0 examples written" in again.stdout  # already there: nothing appended twice


async def test_a_link_made_on_another_replica_reaches_this_one_and_so_does_forgetting(
    harness: Harness, ids: dict[str, int]
) -> None:
    mark = await harness.app.sync_learned()
    async with harness.services.db.transaction() as session:  # what another replica's mentor link writes
        await examples.add_example(session, lesson_id=LESSON, lang="en", text=LINKED, now=harness.clock.now)
    assert answer_of(harness, PARAPHRASE) != (LESSON, True)

    stop = asyncio.Event()
    follower = asyncio.create_task(harness.app.follow_learned(stop, every=0.01))
    for _ in range(500):
        if harness.services.lessons.learned:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await follower

    assert harness.services.lessons.learned == ((LESSON, "en", LINKED),)
    assert answer_of(harness, PARAPHRASE) == (LESSON, True)
    mark = await harness.app.sync_learned(mark)
    assert await harness.app.sync_learned(mark) == mark  # nothing changed: nothing read again
    async with harness.services.db.transaction() as session:
        await session.exec(delete(LearnedExample))
    await harness.app.sync_learned(mark)
    assert harness.services.lessons.learned == ()
    assert answer_of(harness, PARAPHRASE) != (LESSON, True)
