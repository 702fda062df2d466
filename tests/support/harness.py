"""Drive the conversation core as named console people, with a controllable clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.console.channel import console_actor, mentions_in
from bot.core.commands import build_router
from bot.core.context import Services
from bot.core.conversation import Conversation
from bot.core.events import Actor, Event
from bot.core.replies import Attachment, LessonCard, Notify, QuizCard, Reply, Text


@dataclass
class Clock:
    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def text_of(replies: list[Reply]) -> str:
    """Every visible word of these replies (not of Notify), for assertions."""
    parts: list[str] = []
    for reply in replies:
        if isinstance(reply, Text):
            parts.append(reply.markdown)
            parts.extend(b.label for b in reply.buttons)
        elif isinstance(reply, LessonCard):
            parts.extend([reply.intro, reply.lesson.title, reply.lesson.summary])
            if reply.full:
                parts.append(reply.lesson.body)
        elif isinstance(reply, QuizCard):
            parts.append(reply.question)
            parts.extend(b.label for b in reply.buttons)
        elif isinstance(reply, Attachment):
            parts.extend([reply.markdown, reply.content])
    return "\n".join(parts)


def notifications(replies: list[Reply], key: str | None = None) -> list[Reply]:
    found: list[Reply] = []
    for reply in replies:
        if isinstance(reply, Notify) and (key is None or reply.person_key == key):
            found.extend(reply.replies)
    return found


class Harness:
    """A conversation over a real database; `say('alice', 'help')` returns the core's replies."""

    def __init__(self, services: Services, clock: Clock) -> None:
        self.services = services
        self.clock = clock
        self.conversation = Conversation(services, build_router())

    def actor(self, name: str, **hints: Any) -> Actor:
        return console_actor(name, **hints)

    async def say(self, name: str, text: str, *, command: bool = False, **hints: Any) -> list[Reply]:
        kind = "command" if command else "message"
        event = Event(self.actor(name, **hints), kind, text, mentions=mentions_in(text))
        return await self.conversation.handle(event)

    async def text(self, name: str, text: str, **kw: Any) -> str:
        return text_of(await self.say(name, text, **kw))

    async def press(self, name: str, action: str, value: str = "") -> list[Reply]:
        event = Event(self.actor(name), "action", action=action, value=value)
        return await self.conversation.handle(event)

    async def run_later(self, replies: list[Reply]) -> list[Reply]:
        from bot.core.replies import Later

        out: list[Reply] = []
        for reply in replies:
            if isinstance(reply, Later):
                out.extend(await reply.work())
        return out

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, to prove a refused command changed nothing."""
        tables: dict[str, list[tuple[Any, ...]]] = {}
        async with self.services.db.transaction() as session:
            for table in SQLModel.metadata.sorted_tables:
                rows = (await session.exec(select(table).order_by(*table.primary_key.columns))).all()
                tables[table.name] = [tuple(row) for row in rows]
        return tables

    async def count(self, model: type[SQLModel]) -> int:
        async with self.services.db.transaction() as session:
            return int((await session.exec(select(func.count()).select_from(model))).one()[0])
