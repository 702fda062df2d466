"""The channel contract: what a chat platform implements for Tandem to serve it.

A channel translates its platform's events into the core's events (`bot.core.events`), renders the
core's replies at its edge, and delivers what the ledger hands its outlet (`bot.outlets`). It depends on
the conversation (`bot.core.conversation.Conversation`) and on its own settings, nothing else of the
process. `bot.channels` lists the channels Tandem has; `bot.serve` builds the enabled ones and mounts
their routes on the one web host (`bot.server`). The README's "Adding a channel" says which files a new
one needs.

Only pydantic is imported here at run time, so that the settings can use `ChannelSettings` without
loading any web or platform library.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from aiohttp import web

    from bot.outlets import Outlet

Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]
LOCALHOST = "127.0.0.1"
"""Where the web host listens when a channel is `loopback_only`."""


class ChannelSettings(BaseModel):
    """A channel's settings: a sub-model of the one `bot.settings.Settings`, read from the channel's own
    environment names (each field's `validation_alias`; `Settings` looks them up in the environment
    and `.env`). Its validators name those variables in their messages."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    switch: ClassVar[str] = ""
    """The environment variable that turns the channel on, for messages that say how to."""

    @property
    def enabled(self) -> bool:
        """Whether this process serves and sends through the channel."""
        return False

    @property
    def loopback_only(self) -> bool:
        """Whether the channel accepts unauthenticated requests (a local test mode): the web host then
        listens on `LOCALHOST` only."""
        return False


@dataclass(frozen=True, slots=True)
class Route:
    """One HTTP route a channel serves on the web host, with the largest body it accepts."""

    method: str
    path: str
    handler: Handler
    max_body: int
    app_state: Mapping[str, object] = field(default_factory=dict)
    """Values its handler reads from the web application (the Agents SDK's JWT check reads its settings
    there), set on it before it starts."""


class Channel(Protocol):
    """A chat platform, ready to serve once built (inside the running event loop)."""

    @property
    def name(self) -> str:
        """The platform's name: in person keys (`slack:…`) and in the ledger, for its outlet."""
        ...

    @property
    def settings(self) -> ChannelSettings:
        """Its settings sub-model."""
        ...

    @property
    def outlet(self) -> Outlet:
        """How the ledger's dispatcher delivers to its people."""
        ...

    @property
    def mode(self) -> str:
        """How it is served, for /healthz and the start-up log (`http`, `socket`, `on`)."""
        ...

    def routes(self) -> Sequence[Route]:
        """Its HTTP routes; none when it receives events another way (Slack's Socket Mode)."""
        ...

    async def start(self) -> None:
        """Start receiving what does not come over the web host (a socket); after the routes serve."""
        ...

    async def close(self) -> None:
        """Stop receiving and close its connections."""
        ...
