"""Downloading a file a person sent, from the address their platform gives for it (Slack's
`url_private_download`, Teams' `downloadUrl`): over HTTPS only (plain HTTP only to `bot.channel.LOCALHOST`,
where the tests' fakes serve), with a time limit, and never more than one byte past the size allowed,
so that a file too big is known as such without being read whole. Failures are `intake.Unreadable`, whose
message the person gets (bot/core/intake.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

import aiohttp

from bot.channel import LOCALHOST
from bot.core.intake import Unreadable

logger = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)
CHUNK = 64 * 1024


def allowed(url: str, *, hosts: tuple[str, ...] = ()) -> bool:
    """Whether a file may be fetched from `url`: https (http only to LOCALHOST), and when `hosts` are
    given, from one of them or a subdomain of one (a URL that carries the bot's token goes nowhere else)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return False
    if not host or not (parts.scheme == "https" or (parts.scheme == "http" and host == LOCALHOST)):
        return False
    return not hosts or any(host == name or host.endswith(f".{name}") for name in hosts)


async def download(
    session: aiohttp.ClientSession,
    url: str,
    *,
    limit: int,
    platform: str,
    headers: Mapping[str, str] | None = None,
    follow: bool = True,
) -> bytes:
    """The file's bytes, at most `limit` + 1 of them. Raises Unreadable: `intake.download_refused` when
    the platform answers with a page instead of the file (a sign-in page: the app may not read files),
    else `intake.download_failed` with the reason."""
    try:
        async with session.get(
            url, headers=dict(headers or {}), allow_redirects=follow, timeout=TIMEOUT
        ) as response:
            if response.status in (301, 302, 303, 307, 308, 401, 403) or _is_page(response):
                logger.info("%s: a file download was refused (HTTP %s)", platform, response.status)
                raise Unreadable("intake.download_refused", platform=platform)
            if response.status != 200:
                logger.info("%s: a file download failed (HTTP %s)", platform, response.status)
                raise Unreadable(
                    "intake.download_failed", platform=platform, reason=f"HTTP {response.status}"
                )
            data = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK):
                data += chunk
                if len(data) > limit:
                    break
            return bytes(data[: limit + 1])
    except (aiohttp.ClientError, TimeoutError) as exc:
        logger.info("%s: a file download failed: %s", platform, type(exc).__name__)
        raise Unreadable("intake.download_failed", platform=platform, reason=_reason(exc)) from None


def _is_page(response: aiohttp.ClientResponse) -> bool:
    """An HTML page where a CSV file was expected: what Slack serves a token that may not read files."""
    return response.content_type == "text/html"


def _reason(exc: BaseException) -> str:
    """Why a download failed, as a message key of bot/core/intake.py."""
    if isinstance(exc, TimeoutError):
        return "intake.reason.timeout"
    return "intake.reason.connection"
