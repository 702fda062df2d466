"""Delivering ledger items to Slack people: direct messages through the bot's DM (App Home messages tab).

Each message carries its ledger key (and its part, when a long item needs several messages) in Slack
message metadata, so `arrived` can read the DM's history and tell, after a crash or an unanswered
request, which parts already arrived. The Web API client used here has no retry handlers of its own:
a retry that posts again before that check would be a duplicate, so retrying is the dispatcher's job.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outlets import Item
from bot.slack.render import render
from scheduler.errors import PermanentError, RateLimited, TemporaryError
from storage.keys import local_id

logger = logging.getLogger(__name__)

METADATA_TYPE = "tandem_delivery"
HISTORY_PAGES = 3
"""Pages of 100 messages read back to find an item: weeks of a learner's DM."""
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
AMBIGUOUS_ERRORS = frozenset({"internal_error", "fatal_error", "request_timeout", "service_unavailable"})
"""Errors after which the message may have been posted all the same."""


def classify(exc: Exception) -> Exception:
    """A Slack failure as the dispatcher's error kinds: slow down, retry (saying whether it may have been
    posted all the same), or give up on that person."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        if status == 429 or error == "ratelimited":
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            try:
                return RateLimited(float(retry_after) if retry_after else None)
            except ValueError:
                return RateLimited(None)
        if status >= 500:
            return TemporaryError(f"Slack HTTP {status}")
        if error in PERMANENT_ERRORS:
            return PermanentError(error)
        return TemporaryError(error or "slack error", ambiguous=error in AMBIGUOUS_ERRORS)
    if isinstance(exc, aiohttp.ClientConnectorError):  # never connected: nothing was posted
        return TemporaryError(type(exc).__name__, ambiguous=False)
    if isinstance(exc, (aiohttp.ClientError, TimeoutError, asyncio.TimeoutError)):
        return TemporaryError(type(exc).__name__)
    return exc


class SlackOutlet:
    """Direct messages to Slack people, exactly once."""

    exactly_once = True

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    def _messages(self, item: Item) -> list[dict[str, Any]]:
        return [message for reply in item.replies for message in render(reply)]

    async def deliver(self, item: Item) -> None:
        user_id = local_id(item.destination.key)
        messages = self._messages(item)
        present = await self._parts(item) if item.recovered else set()
        try:
            for part, message in enumerate(messages):
                if part in present:
                    continue
                payload = {"key": item.key, "part": part}
                await self.client.chat_postMessage(
                    channel=user_id,
                    text=message["text"],
                    blocks=message["blocks"],
                    metadata={"event_type": METADATA_TYPE, "event_payload": payload},
                )
        except Exception as exc:
            raise classify(exc) from exc

    async def arrived(self, item: Item) -> bool:
        """Every part of the item is in the person's DM history."""
        wanted = set(range(len(self._messages(item))))
        return wanted <= await self._parts(item)

    async def _parts(self, item: Item) -> set[int]:
        """Which parts of this item the DM's recent history holds."""
        try:
            opened = await self.client.conversations_open(users=local_id(item.destination.key))
            channel = opened["channel"]["id"]
            found: set[int] = set()
            cursor = None
            for _ in range(HISTORY_PAGES):
                page = await self.client.conversations_history(
                    channel=channel, include_all_metadata=True, limit=100, cursor=cursor
                )
                messages: list[dict[str, Any]] = page.get("messages") or []
                for message in messages:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("key") == item.key:
                        found.add(int(payload.get("part") or 0))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor or not page.get("has_more"):
                    break
        except Exception as exc:
            raise classify(exc) from exc
        return found
