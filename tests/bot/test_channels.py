"""The channel contract: the web host mounts whatever channels it is given, the channels the settings
turn on are built with their outlets, and each channel's settings live under its own environment names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.channel import Channel, ChannelSettings, Route
from bot.channels import CHANNELS, open_channels, switch, title
from bot.core.context import Services
from bot.outlets import Item, Outlet, Outlets
from bot.server import build_web_app
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.settings import SlackSettings
from bot.teams.settings import TeamsSettings
from tests.support.serve import serve_local


class EchoOutlet:
    exactly_once = True

    async def deliver(self, item: Item) -> None:
        return None

    async def arrived(self, item: Item) -> bool:
        return False


class EchoChannel:
    """The smallest channel there is: one route that answers with what it reads from the web app."""

    name = "echo"
    mode = "http"

    def __init__(self) -> None:
        self.settings = ChannelSettings()
        self.outlet: Outlet = EchoOutlet()
        self.started = False

    def routes(self) -> Sequence[Route]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return web.json_response({"got": len(await request.read()), "state": request.app["echo_state"]})

        return [Route("POST", "/echo", handle, max_body=2_000_000, app_state={"echo_state": "ready"})]

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        return None


async def test_the_web_host_serves_any_channel_and_reports_it(services: Services) -> None:
    channel: Channel = EchoChannel()
    runner, url = await serve_local(build_web_app(services.db, [channel], known=["slack", "echo"]))
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{url}/echo", data=b"x" * 1_500_000) as response:
                assert response.status == 200
                assert await response.json() == {"got": 1_500_000, "state": "ready"}
            async with session.get(f"{url}/healthz") as response:
                assert await response.json() == {"status": "ok", "slack": "off", "echo": "http"}
            async with session.post(f"{url}/slack/events", data=b"{}") as response:
                assert response.status == 404  # a channel that is not served has no route
    finally:
        await runner.cleanup()


async def test_only_the_channels_turned_on_are_built_with_their_outlets(services: Services) -> None:
    from bot.app import make_app

    settings = services.settings.model_copy(
        update={
            "slack": SlackSettings(bot_token=SecretStr("xoxb-1"), signing_secret=SecretStr("s")),
            "teams": TeamsSettings(),
        }
    )
    app = make_app(services)
    channels = open_channels(app.conversation, app.outlets, settings)
    try:
        assert [channel.name for channel in channels] == ["slack"]
        assert set(app.outlets.platforms) == {"console", "slack"}
        [slack] = channels
        assert [(route.method, route.path) for route in slack.routes()] == [("POST", "/slack/events")]
    finally:
        await channels.close()
    empty = Outlets()
    assert list(open_channels(app.conversation, empty, Settings(_env_file=None))) == []  # type: ignore[call-arg]
    assert empty.platforms == ()


def test_every_channel_has_a_settings_field_a_title_and_a_switch() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    for kind in CHANNELS:
        assert kind.name in settings.channels
        assert title(kind.name) == kind.title
        assert switch(settings, kind.name)
    assert title("console") == "the console" and switch(settings, "console") is None


def test_channel_settings_come_from_their_own_names_in_the_environment_and_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=s\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().slack.bot_token == SecretStr("xoxb-from-dotenv")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("TANDEM_TEAMS_ALLOW_ANONYMOUS", "true")
    settings = load_settings()
    assert settings.slack.bot_token == SecretStr("xoxb-from-env")
    assert settings.teams.anonymous and settings.teams.loopback_only
    given = load_settings(slack={"bot_token": SecretStr("xoxb-given"), "signing_secret": SecretStr("s")})
    assert given.slack.bot_token == SecretStr("xoxb-given")


def test_settings_errors_name_each_channels_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_TEAMS_ALLOW_ANONYMOUS", "perhaps")
    monkeypatch.setenv("SLACK_API_URL", "slack.example")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("TANDEM_PORT", "0")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    lines = str(caught.value).splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == [
        "TANDEM_PORT",
        "SLACK_API_URL must be an http(s) URL, like https",
        "TANDEM_TEAMS_ALLOW_ANONYMOUS",
    ]
