"""The test channel: an outlet that posts each item to the fake chat API over real HTTP."""

from __future__ import annotations

import aiohttp

from bot.core.replies import LessonCard, Reply, Text
from bot.outlets import Item
from scheduler.errors import PermanentError, RateLimited, TemporaryError

PERMANENT = {"user_not_found", "account_inactive", "channel_not_found", "is_archived", "not_in_channel"}


class HttpTestOutlet:
    """Sends to `<url>/api/chat.postMessage`; the channel is the person's key."""

    exactly_once = True
    paced = True

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def deliver(self, item: Item) -> None:
        text = "\n\n".join(_markdown(r) for r in item.replies)
        body = {
            "channel": item.destination.key,
            "text": text,
            "metadata": {"event_type": "tandem", "event_payload": {"key": item.key}},
        }
        try:
            async with self._client().post(f"{self.url}/api/chat.postMessage", json=body) as response:
                if response.status == 429:
                    raise RateLimited(float(response.headers.get("Retry-After", "1")))
                if response.status >= 500:
                    raise TemporaryError(f"HTTP {response.status}")
                data = await response.json()
        except aiohttp.ClientConnectorError as exc:
            raise TemporaryError(str(exc) or type(exc).__name__, ambiguous=False) from exc
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            raise TemporaryError(str(exc) or type(exc).__name__) from exc
        if not data.get("ok"):
            error = str(data.get("error"))
            if error in PERMANENT:
                raise PermanentError(error)
            raise TemporaryError(error, ambiguous=False)

    async def arrived(self, item: Item) -> bool:
        async with self._client().get(f"{self.url}/delivered", params={"key": item.key}) as response:
            return bool((await response.json())["delivered"])


def _markdown(reply: Reply) -> str:
    """The test channel shows Markdown as is: a card is its intro, title, summary and try-it."""
    if isinstance(reply, LessonCard):
        lesson = reply.lesson
        return f"{reply.intro}\n**{lesson.title}**\n{lesson.summary}\n{lesson.try_it}"
    if isinstance(reply, Text):
        return reply.markdown
    return ""
