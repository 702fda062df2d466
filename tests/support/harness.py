"""Drive the conversation core as named console people, with a controllable clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.app import make_app
from bot.console.channel import console_actor, mentions_in
from bot.core.context import Services
from bot.core.events import Actor, Event
from bot.core.replies import File, LessonCard, Notify, QuizCard, Reply, Text
from bot.core.serialize import from_dict
from storage.models import Delivery, Person


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
        elif isinstance(reply, File):
            parts.extend([reply.caption, reply.content.decode("utf-8")])
    return "\n".join(parts)


class Said(list[Reply]):
    """The replies for the person talking, and (`notes`) what the command queued in the delivery ledger
    for other people, as Notify."""

    notes: list[Notify]


def notifications(replies: list[Reply], key: str | None = None) -> list[Reply]:
    """What a command queued for `key` (or for anyone), in order."""
    found: list[Reply] = []
    for note in getattr(replies, "notes", []):
        if key is None or note.person_key == key:
            found.extend(note.replies)
    return found


class Harness:
    """A conversation over a real database; `say('alice', 'help')` returns the core's replies, with what
    it queued for others in `.notes`."""

    def __init__(self, services: Services, clock: Clock) -> None:
        self.services = services
        self.clock = clock
        self.app = make_app(services)
        self.conversation = self.app.conversation

    def actor(self, name: str, **hints: Any) -> Actor:
        return console_actor(name, **hints)

    async def say(self, name: str, text: str, *, command: bool = False, **hints: Any) -> Said:
        kind = "command" if command else "message"
        event = Event(self.actor(name, **hints), kind, text, mentions=mentions_in(text))
        return await self.handle(event)

    async def handle(self, event: Event) -> Said:
        before = await self._last_delivery()
        said = Said(await self.conversation.handle(event))
        said.notes = await self._queued_since(before)
        return said

    async def text(self, name: str, text: str, **kw: Any) -> str:
        return text_of(await self.say(name, text, **kw))

    async def press(self, name: str, action: str, value: str = "") -> Said:
        return await self.handle(Event(self.actor(name), "action", action=action, value=value))

    async def run_jobs(self) -> Said:
        """Run the jobs commands left for later; returns what they sent back (to the requester too)."""
        before = await self._last_delivery()
        await self.app.jobs.run_pending()
        said = Said()
        said.notes = await self._queued_since(before)
        for note in said.notes:
            said.extend(note.replies)
        return said

    async def _last_delivery(self) -> frozenset[str]:
        """The ledger rows there are now, by key (not by id: SQLite gives a deleted row's id to the next
        one, so "rows after the highest id" could miss some)."""
        async with self.services.db.transaction() as session:
            return frozenset(str(row[0]) for row in await session.exec(select(Delivery.dedupe_key)))

    async def _queued_since(self, before: frozenset[str]) -> list[Notify]:
        async with self.services.db.transaction() as session:
            rows = [
                (row, key)
                for row, key in (
                    await session.exec(
                        select(Delivery, Person.key)
                        .join(Person, Person.id == Delivery.person_id)  # type: ignore[arg-type]
                        .order_by(Delivery.id)  # type: ignore[arg-type]
                    )
                ).all()
                if row.dedupe_key not in before
            ]
        library = self.services.lessons.library
        return [
            Notify(
                key,
                tuple(r for r in (from_dict(p, library) for p in row.payload or []) if r is not None),
                kind=row.kind,
                tip_id=row.tip_id,
            )
            for row, key in rows
        ]

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
