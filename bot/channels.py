"""The chat channels Tandem has, and opening the ones the settings turn on: the console always (its
outlet is part of every process, `bot.app`), Slack and Teams when configured. `tandem run` serves what
it opens; `tandem drip --at` only sends through it.

Each channel's settings are the field of `Settings` that bears its name; it is imported only when it is
turned on, so that a process without it never loads its platform's libraries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from bot.channel import Channel
from bot.core.conversation import Conversation
from bot.outlets import Outlets
from bot.settings import Settings

CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class ChannelKind:
    """A chat platform Tandem can serve: its name (that of its `Settings` field), its name for people,
    and how to build it from the conversation and its settings."""

    name: str
    title: str
    build: Callable[[Conversation, Settings], Channel]


def _slack(conversation: Conversation, settings: Settings) -> Channel:
    from bot.slack.channel import SlackChannel

    return SlackChannel(conversation, settings.slack)


def _teams(conversation: Conversation, settings: Settings) -> Channel:
    from bot.teams.channel import TeamsChannel

    return TeamsChannel(conversation, settings.teams)


CHANNELS: tuple[ChannelKind, ...] = (
    ChannelKind("slack", "Slack", _slack),
    ChannelKind("teams", "Microsoft Teams", _teams),
)


def title(platform: str) -> str:
    """A platform's name for people: `Microsoft Teams`, `the console`."""
    titles = {kind.name: kind.title for kind in CHANNELS}
    return "the console" if platform == CONSOLE else titles.get(platform, platform)


def switch(settings: Settings, platform: str) -> str | None:
    """The setting that turns a platform on, for messages that say how (None for the console)."""
    channel = settings.channels.get(platform)
    return channel.switch if channel is not None else None


@dataclass(slots=True)
class Channels:
    """The channels a process opened, in the order of `CHANNELS`."""

    opened: Sequence[Channel] = ()

    def __iter__(self) -> Iterator[Channel]:
        return iter(self.opened)

    async def start(self) -> None:
        for channel in self.opened:
            await channel.start()

    async def close(self) -> None:
        for channel in reversed(self.opened):
            await channel.close()


def open_channels(conversation: Conversation, outlets: Outlets, settings: Settings) -> Channels:
    """Build every channel the settings turn on, and register its outlet (and its directory, when it
    has one). Call inside the running event loop; `close()` what it returns."""
    opened = []
    for kind in CHANNELS:
        channel_settings = settings.channels.get(kind.name)
        if channel_settings is None or not channel_settings.enabled:
            continue
        channel = kind.build(conversation, settings)
        outlets.register(channel.name, channel.outlet)
        directory = getattr(channel, "directory", None)
        if directory is not None:  # how a people import finds this platform's people by email
            conversation.services.directories[channel.name] = directory
        opened.append(channel)
    return Channels(opened)
