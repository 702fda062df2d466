"""Sending to Slack people outside a conversation turn: tips, mentor messages, answers.

Each drip message carries its ledger key in Slack message metadata, so after a crash or a timeout
`delivered` can read the DM's history and tell whether that tip already arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.replies import Reply
from bot.slack.render import render
from bot.slack.translate import split_key
from scheduler.errors import PermanentError, RateLimited, TemporaryError
from storage.models import Person

logger = logging.getLogger(__name__)

METADATA_TYPE = "tandem_delivery"
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "channel_not_found",
        "is_archived",
        "cannot_dm_bot",
        "not_in_channel",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "team_access_not_granted",
    }
)


def classify(exc: Exception) -> Exception:
    """A Slack failure as the dispatcher's error kinds: slow down, retry, or give up on that person."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        if status == 429 or error == "ratelimited":
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            return RateLimited(float(retry_after) if retry_after else None)
        if status >= 500:
            return TemporaryError(f"Slack HTTP {status}")
        if error in PERMANENT_ERRORS:
            return PermanentError(error)
        return TemporaryError(error or "slack error", ambiguous=False)
    if isinstance(exc, (aiohttp.ClientError, TimeoutError, asyncio.TimeoutError)):
        return TemporaryError(type(exc).__name__)
    return exc


class SlackOutlet:
    """Direct messages to Slack people through the bot's DM (the App Home messages tab)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, person: Person, replies: Sequence[Reply], *, key: str | None = None) -> None:
        _, user_id = split_key(person.key)
        messages = [message for reply in replies for message in render(reply)]
        try:
            for index, message in enumerate(messages):
                extra: dict[str, Any] = {}
                if key and index == 0:
                    extra["metadata"] = {"event_type": METADATA_TYPE, "event_payload": {"key": key}}
                await self.client.chat_postMessage(
                    channel=user_id, text=message["text"], blocks=message["blocks"], **extra
                )
        except Exception as exc:
            raise classify(exc) from exc

    async def delivered(self, person: Person, key: str) -> bool:
        _, user_id = split_key(person.key)
        try:
            opened = await self.client.conversations_open(users=user_id)
            history = await self.client.conversations_history(
                channel=opened["channel"]["id"], include_all_metadata=True, limit=100
            )
        except Exception as exc:
            raise classify(exc) from exc
        return any(
            (message.get("metadata") or {}).get("event_payload", {}).get("key") == key
            for message in history.get("messages", [])
        )
