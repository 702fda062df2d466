"""The chat channels a process can send through, built from the settings: the console always, Slack
and Teams when configured. `tandem run` serves them; `tandem drip --at` only sends through them."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.app import App
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.slack.channel import SlackChannel
    from bot.teams.channel import TeamsChannel

logger = logging.getLogger(__name__)

LOCALHOST = "127.0.0.1"
PLATFORM_NAMES = {"slack": "Slack", "teams": "Microsoft Teams", "console": "the console"}
PLATFORM_SETTINGS = {
    "slack": "SLACK_BOT_TOKEN",
    "teams": "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID",
}


@dataclass(slots=True)
class Channels:
    slack: SlackChannel | None = None
    teams: TeamsChannel | None = None

    async def close(self) -> None:
        if self.teams is not None:
            await self.teams.close()
        if self.slack is not None:
            await self.slack.close()


def open_channels(app: App, settings: Settings) -> Channels:
    """Build the configured channels; each registers its outlet with the app."""
    channels = Channels()
    if settings.slack_enabled:
        from bot.slack.channel import SlackChannel

        channels.slack = SlackChannel(app, settings)
    if settings.teams_enabled:
        channels.teams = _teams(app, settings)
    return channels


def _teams(app: App, settings: Settings) -> TeamsChannel:
    """The Teams channel. Anonymous mode is for local tests: loopback only, and said so."""
    from bot.teams.channel import TeamsChannel

    # The SDK stores its claims under a plain string key on each request, which aiohttp warns about.
    warnings.filterwarnings("ignore", message="It is recommended to use web.RequestKey", category=UserWarning)
    if settings.teams_anonymous:
        # Without an app id the SDK warns on every turn; in this local mode that says nothing new.
        logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(
            logging.ERROR
        )
        logger.warning(
            "Teams: TANDEM_TEAMS_ALLOW_ANONYMOUS is on: /api/messages accepts requests without a token "
            "and listens on %s only. Never use this in production.",
            LOCALHOST,
        )
    return TeamsChannel(app, settings)
