"""Kinds of slow work a command can leave for after its reply (`Later`), by name.

A job's handler gets plain values (its JSON arguments) and its own transaction; what it returns reaches
the person who asked as a message. Handlers register here at import, like commands in the router.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Services
from bot.core.replies import Reply
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


JobHandler = Callable[[JobContext], Awaitable[list[Reply]]]
_HANDLERS: dict[str, JobHandler] = {}


def job(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register a job handler under `kind` (the name stored with each job)."""

    def register(handler: JobHandler) -> JobHandler:
        _HANDLERS[kind] = handler
        return handler

    return register


def handler_for(kind: str) -> JobHandler | None:
    return _HANDLERS.get(kind)
