"""Drip fixtures: the fake chat API on 127.0.0.1 and an app whose 'test' people are reached through it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App, make_app
from bot.core.context import Services
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
    app = make_app(services)
    outlet = HttpTestOutlet(fake_chat.url, timeout=2.0)
    app.outlets.register("test", outlet)
    yield app
    await outlet.close()
