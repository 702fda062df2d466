"""The bot's answer engine: lexical fused with the semantic model (TANDEM_SEMANTIC=use, the default), or
words only (off); built at start-up and asked off the event loop; its vector cache optional."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from bot.app import build_app
from bot.core.context import LessonStore, Services
from bot.core.replies import LessonCard
from bot.settings import Settings, SettingsError, load_settings
from lessons import AnswerEngine, Library
from lessons.semantic import EmbeddingCache, FusedEngine
from storage.db import Database
from storage.models import Question
from tests.bot.core.test_learning_loop import answered_by_mentor
from tests.bot.core.test_mentor_commands import rows, setup_programme
from tests.support.harness import Clock, Harness

PARAPHRASE = "the constant buzzing in my pocket wears me out"
"""A learner's words that no lesson uses: the lexical engine alone is unsure."""
LESSON = "notifications-wellbeing"


@pytest.fixture(scope="session")
def vector_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the session: the library is embedded once, later engines read the vectors."""
    return tmp_path_factory.mktemp("vectors")


@pytest.fixture
def semantic_env(monkeypatch: pytest.MonkeyPatch, vector_cache: Path) -> None:
    monkeypatch.setenv("TANDEM_SEMANTIC", "use")
    monkeypatch.setenv("TANDEM_CACHE_DIR", str(vector_cache))


@pytest.fixture
async def semantic_harness(
    semantic_env: None, db_url: str, bundled_library: Library, clock: Clock
) -> AsyncIterator[Harness]:
    settings = Settings(database_url=db_url, admins=["root"], _env_file=None)
    assert settings.semantic == "use"
    db = Database(db_url)
    lessons = LessonStore([], library=bundled_library, semantic=settings.semantic)
    yield Harness(Services(db=db, settings=settings, lessons=lessons, clock=clock), clock)
    await db.dispose()


def cards(replies: Sequence[object]) -> list[LessonCard]:
    return [r for r in replies if isinstance(r, LessonCard)]


async def test_the_bot_answers_a_paraphrase_through_the_fused_engine(semantic_harness: Harness) -> None:
    replies = await semantic_harness.say("alice", PARAPHRASE)
    assert isinstance(semantic_harness.services.lessons.engine, FusedEngine)
    assert [card.lesson.id for card in cards(replies)] == [LESSON]


async def test_learned_examples_work_through_the_fused_engine(semantic_harness: Harness) -> None:
    lessons = semantic_harness.services.lessons
    question = "my grandson says I should stop doomscrolling at night"
    lessons.learn("notifications-wellbeing", "en", question)
    assert lessons.engine.learned[-1] == ("notifications-wellbeing", "en", question)
    found = lessons.answer(question, "en")
    assert (found.lesson_id, found.confident) == ("notifications-wellbeing", True)
    lessons.set_learned(())  # forget-me
    assert lessons.engine.learned == ()


async def test_words_only_when_the_setting_is_off(harness: Harness) -> None:
    assert harness.services.settings.semantic == "off"
    assert type(harness.services.lessons.engine) is AnswerEngine
    replies = await harness.say("alice", PARAPHRASE)
    assert [card.lesson.id for card in cards(replies)] != [LESSON]  # the lexical engine alone is unsure


def test_the_semantic_model_is_the_default_and_a_bad_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANDEM_SEMANTIC")
    assert Settings(_env_file=None).semantic == "use"
    monkeypatch.setenv("TANDEM_SEMANTIC", "bert")
    with pytest.raises(SettingsError, match="TANDEM_SEMANTIC") as raised:
        load_settings(_env_file=None)
    assert "Traceback" not in str(raised.value)


async def test_build_app_builds_the_engine_at_start_up_and_questions_are_answered_off_the_loop(
    semantic_env: None, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await build_app(Settings(database_url=db_url, _env_file=None), migrate=False)
    try:
        store = app.services.lessons
        assert isinstance(store._engine, FusedEngine)  # built before any question
        threads: list[threading.Thread] = []
        original = LessonStore.answer

        def answer(self: LessonStore, question: str, lang: str | None = None) -> object:
            threads.append(threading.current_thread())
            return original(self, question, lang)

        monkeypatch.setattr(LessonStore, "answer", answer)
        harness = Harness(app.services, Clock())
        replies = await harness.say("alice", PARAPHRASE)
        assert [card.lesson.id for card in cards(replies)] == [LESSON]
        assert threads and threading.main_thread() not in threads
    finally:
        await app.close()


async def test_an_unwritable_cache_directory_still_answers(
    semantic_env: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    bundled_library: Library,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TANDEM_CACHE_DIR", str(blocker / "cache"))  # cannot be created, even by root
    with caplog.at_level(logging.WARNING, logger="lessons.semantic"):
        store = LessonStore([], library=bundled_library, semantic="use")
        found = store.answer(PARAPHRASE, "en")
    assert (found.lesson_id, found.confident) == (LESSON, True)
    assert "Could not write the embedding cache" in caplog.text


async def test_a_mentors_link_teaches_the_fused_engine_a_paraphrase_and_forget_me_unteaches_it(
    semantic_harness: Harness, vector_cache: Path
) -> None:
    harness = semantic_harness
    ids = await setup_programme(harness)
    linked = "the recruiters keep messaging me all day, how do I make them stop"
    paraphrase = "recruiters messaging me nonstop on linkedin, can I stop it?"  # 3 of its 6 content words
    engine = harness.services.lessons.engine
    assert isinstance(engine, FusedEngine)
    assert engine.answer(paraphrase, "en").lesson_id != "linkedin-profile"
    question, _ = await answered_by_mentor(harness, linked)
    await harness.press("mia", "teach.lesson", f"{question.id}:linkedin-profile")

    assert engine.engine.answer(paraphrase, "en").lesson_id != "linkedin-profile"  # the words alone miss it
    replies = await harness.say("dave", paraphrase)
    assert [card.lesson.id for card in cards(replies)] == ["linkedin-profile"]
    [asked] = await rows(harness, Question, person_id=ids["dave"])
    assert (asked.lesson_id, asked.confident) == ("linkedin-profile", True)
    strong = engine.answer("how do I make a strong password", "en")
    assert strong.lesson_id == "strong-passwords"  # an unrelated question is not pulled to it
    key = EmbeddingCache.key(engine.ranker.embedder.name, linked, True)
    assert key not in EmbeddingCache(vector_cache, engine.ranker.embedder.name).vectors  # memory only

    await harness.say("bob", "forget-me")
    await harness.press("bob", "forget.confirm")
    assert engine.learned == ()
    after = engine.answer(paraphrase, "en")
    assert (after.lesson_id, after.confident) != ("linkedin-profile", True)
    assert key not in EmbeddingCache(vector_cache, engine.ranker.embedder.name).vectors
