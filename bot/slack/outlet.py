"""Delivering ledger items to Slack people: direct messages through the bot's DM (App Home messages tab),
or posts in a room (a channel, or a thread in it) that the person answers for (a workshop's host).

An item goes out in parts, in order: its messages, and its files, each uploaded into the DM (`upload`,
as the channel does for a reply) or into the room. Each message carries its ledger key and part number
in Slack message metadata, so `arrived` can read the DM's history (a channel's history, a thread's
replies) and tell, after a crash or an unanswered request, which parts already arrived. A file's message can carry no metadata: a file is known to have arrived when a
later part of its item is in the history (parts go out in order); otherwise it is uploaded again (at
least once: a calendar file sent twice updates the same event). When a part fails after others went
out, the failure says the item may have arrived in part, so the next try asks before resending.

The Web API client used here has no retry handlers of its own: a retry that posts again before that
check would be a duplicate, so retrying is the dispatcher's job.

The bot posts only in rooms it was added to (no `chat:write.public`): a room it is not in answers
`not_in_channel` or `channel_not_found`, a permanent failure, and the sender is told.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.replies import File
from bot.outlets import Item
from bot.slack.render import markdown_to_mrkdwn, render
from scheduler.errors import PermanentError, RateLimited, TemporaryError
from storage import keys
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
UPLOAD_REFUSED = frozenset({"missing_scope", "file_uploads_disabled", "file_uploads_except_images_disabled"})
"""Why Slack may refuse the bot a file while it takes messages (an app installed before it had
`files:write`, a workspace without uploads): the file then comes as messages, as a reply's does."""

Part = dict[str, Any] | File
"""A part of an item: a rendered message to post, or a file to upload."""


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


async def upload(client: AsyncWebClient, user_id: str, file: File) -> None:
    """Upload a file into the person's direct messages with the bot, under its caption
    (files.getUploadURLExternal, the upload, files.completeUploadExternal); raises what Slack answered.
    The bytes' own upload failing raises SlackRequestError: nothing was shared then."""
    opened = await client.conversations_open(users=user_id)
    await upload_to(client, opened["channel"]["id"], file)


async def upload_to(client: AsyncWebClient, channel: str, file: File, thread: str | None = None) -> None:
    """Upload a file into a conversation (a thread of it, with `thread`), under its caption; raises as
    `upload` does."""
    await client.files_upload_v2(
        channel=channel,
        thread_ts=thread,
        content=file.content,
        filename=file.name,
        title=file.name,
        initial_comment=markdown_to_mrkdwn(file.caption) or None,
    )


def address(item: Item) -> tuple[str, str | None]:
    """Where an item's messages go: (channel, thread) of its room, or (the person's user id, None),
    which Slack posts in the bot's DM with them."""
    if item.destination.room:
        try:
            room = keys.parse_room(item.destination.room)
        except ValueError:
            room = None
        if room is None or room.platform != "slack":
            raise PermanentError("channel_not_found: not a Slack room")
        return room.conversation, room.thread or None
    return local_id(item.destination.key), None


class SlackOutlet:
    """Direct messages to Slack people, and posts in rooms: exactly once, but for a file whose upload
    got no clear answer and that is its item's last part."""

    exactly_once = True

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    def _parts(self, item: Item) -> list[Part]:
        return [
            part for reply in item.replies for part in ([reply] if isinstance(reply, File) else render(reply))
        ]

    async def deliver(self, item: Item) -> None:
        parts = self._parts(item)
        present = await self._present(item, parts) if item.recovered else set()
        sent = False
        try:
            for number, part in enumerate(parts):
                if number in present:
                    continue
                if isinstance(part, File):
                    await self._upload(item, number, part)
                else:
                    await self._post(item, number, part)
                sent = True
        except Exception as exc:
            failure = classify(exc)
            if sent and isinstance(failure, TemporaryError) and not failure.ambiguous:
                raise TemporaryError(f"{failure} (after part of the message went out)") from exc
            raise failure from exc

    async def _post(self, item: Item, number: int, message: dict[str, Any]) -> None:
        channel, thread = address(item)
        payload = {"key": item.key, "part": number}
        await self.client.chat_postMessage(
            channel=channel,
            thread_ts=thread,
            text=message["text"],
            blocks=message["blocks"],
            metadata={"event_type": METADATA_TYPE, "event_payload": payload},
        )

    async def _upload(self, item: Item, number: int, file: File) -> None:
        """Upload the file; when Slack refuses the bot files, post it as messages instead."""
        channel, thread = address(item)
        try:
            if item.destination.room:
                await upload_to(self.client, channel, file, thread)
            else:
                await upload(self.client, channel, file)
        except SlackRequestError as exc:  # the bytes' upload failed: nothing was shared
            raise TemporaryError("the file could not be uploaded", ambiguous=False) from exc
        except SlackApiError as exc:
            problem = str(exc.response.get("error", "")) if exc.response is not None else ""
            if problem not in UPLOAD_REFUSED:
                raise
            logger.warning("Slack: could not upload a file, so it is sent as messages: %s", problem)
            for message in render(file):
                await self._post(item, number, message)

    async def arrived(self, item: Item) -> bool:
        """Every part of the item is in the person's DM history (the room's, for a room)."""
        parts = self._parts(item)
        return set(range(len(parts))) <= await self._present(item, parts)

    async def _present(self, item: Item, parts: list[Part]) -> set[int]:
        """Which parts of this item arrived: the messages the DM's recent history holds, and the files
        before the last of them."""
        found = await self._found(item)
        last = max(found, default=-1)
        return found | {
            number for number, part in enumerate(parts) if isinstance(part, File) and number < last
        }

    async def _found(self, item: Item) -> set[int]:
        """Which parts of this item the recent history of its conversation holds: the DM's, a channel's,
        or a thread's replies (from its start)."""
        try:
            channel, thread = address(item)
            if not item.destination.room:
                channel = (await self.client.conversations_open(users=channel))["channel"]["id"]
            found: set[int] = set()
            cursor = None
            for _ in range(HISTORY_PAGES):
                page = await self._history(channel, thread, cursor)
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

    async def _history(self, channel: str, thread: str | None, cursor: str | None) -> Any:
        """One page of a conversation's messages with their metadata: the newest first, or a thread's
        replies, the oldest first."""
        if thread:
            return await self.client.conversations_replies(
                channel=channel, ts=thread, include_all_metadata=True, limit=100, cursor=cursor
            )
        return await self.client.conversations_history(
            channel=channel, include_all_metadata=True, limit=100, cursor=cursor
        )
