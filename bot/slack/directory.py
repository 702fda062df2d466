"""Slack's directory for people imports: an email to the workspace member who has it
(`users.lookupByEmail`, which needs the `users:read.email` scope)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.directory import DirectoryError
from bot.core.events import Actor
from bot.slack.translate import actor

logger = logging.getLogger(__name__)

NOT_FOUND = {"users_not_found", "user_not_found"}


class SlackDirectory:
    """`bot.core.directory.Directory` over the Slack Web API client the channel already holds."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def lookup_email(self, email: str) -> Actor | None:
        """The member with this email (with their profile: name, time zone, locale), None when the
        workspace has nobody with it or only a deactivated account or a bot."""
        try:
            response = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            problem = str(exc.response.get("error") or "error")
            if problem in NOT_FOUND:
                return None
            logger.warning("Slack: users.lookupByEmail failed: %s", problem)
            raise DirectoryError(problem) from None
        except Exception as exc:  # a dropped connection, a timeout
            logger.warning("Slack: users.lookupByEmail failed: %s", type(exc).__name__)
            raise DirectoryError(type(exc).__name__) from None
        user = response.get("user")
        if not isinstance(user, dict) or not user.get("id") or user.get("deleted") or user.get("is_bot"):
            return None
        team = str(user.get("team_id") or "")
        return actor(team, str(user["id"]), profile=user)
