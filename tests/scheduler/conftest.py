"""Drip fixtures: the fake chat API on 127.0.0.1 and an app whose 'test' people are reached through it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.console.chat import ConsoleOutlet
from bot.core.commands import build_router
from bot.core.context import Services
from bot.core.conversation import Conversation
from bot.outlets import Outlets
from tests.support.fake_chat import FakeChat
from tests.support.http_outlet import HttpTestOutlet


@pytest.fixture
async def fake_chat() -> AsyncIterator[FakeChat]:
    chat = FakeChat()
    await chat.start()
    yield chat
    await chat.stop()


@pytest.fixture
async def app(services: Services, fake_chat: FakeChat) -> AsyncIterator[App]:
    services.settings = services.settings.model_copy(
        update={"global_rate": 0.0, "conversation_interval": 0.0}
    )
    conversation = Conversation(services, build_router())
    outlets = Outlets(services)
    outlet = HttpTestOutlet(fake_chat.url, timeout=2.0)
    outlets.register("test", outlet)
    outlets.register("console", ConsoleOutlet(None, conversation))
    yield App(services, conversation, outlets)
    await outlet.close()
