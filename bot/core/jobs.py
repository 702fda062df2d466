"""Kinds of slow work a command can leave for after its reply (`Later`), by name.

A job's handler gets plain values (its JSON arguments) and its own transaction; what it returns reaches
the person who asked as a message. Long work goes in steps: a handler that returns `Progress` has its
new arguments saved with that step's work, and runs again, in a new transaction, from there. So a
5,000-person enrollment never holds the database (SQLite's one writer) for more than one step, and a
process that dies mid-job resumes after the last step that committed. Handlers register here at import,
like commands in the router.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Services
from bot.core.replies import Reply
from storage.enums import JobKind
from storage.models import Person


@dataclass(slots=True)
class JobContext:
    """One job being run inside one transaction."""

    session: AsyncSession
    services: Services
    requester: Person | None
    args: dict[str, Any]
    lang: str
    now: dt.datetime


@dataclass(frozen=True, slots=True)
class Progress:
    """A step of a job is done and more remain: the job's arguments from now on (JSON), saved in the
    step's transaction."""

    args: dict[str, Any]


JobHandler = Callable[[JobContext], Awaitable[list[Reply] | Progress]]
_HANDLERS: dict[str, JobHandler] = {}


def job(kind: JobKind) -> Callable[[JobHandler], JobHandler]:
    """Register the job handler of `kind` (stored with each job)."""

    def register(handler: JobHandler) -> JobHandler:
        _HANDLERS[kind] = handler
        return handler

    return register


def handler_for(kind: str) -> JobHandler | None:
    return _HANDLERS.get(kind)
