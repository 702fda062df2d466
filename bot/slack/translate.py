"""Slack payloads to core events: identities, mentions and channel references. No I/O here."""

from __future__ import annotations

import re

from bot.core.events import Actor, Group
from lessons import lang_of_locale
from storage import keys

USER_MENTION_RE = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|([^>]*))?>")
CHANNEL_RE = re.compile(r"<#([CG][A-Z0-9]{2,})(?:\|([^>]*))?>")
MAX_NAME = 200


def actor(
    team_id: str, user_id: str, *, name: str | None = None, profile: dict[str, object] | None = None
) -> Actor:
    """An Actor for a Slack user; `profile` is users.info's `user` object when we have it.

    The name is the one Slack shows (the profile's display name, else the real name). Without a profile,
    `name` (a handle, a mention's label) or the user id names someone new, but never renames anyone."""
    profile = profile or {}
    info = profile.get("profile")
    shown = _text(info.get("display_name") if isinstance(info, dict) else None) or _text(
        profile.get("real_name")
    )
    return Actor(
        key=keys.slack_person(team_id, user_id),
        name=(shown or _text(name) or _text(profile.get("name")) or user_id)[:MAX_NAME],
        platform="slack",
        lang=lang_of_locale(profile.get("locale")),
        tz=_text(profile.get("tz")),
        named=shown is not None,
        email=_email(info),
    )


def _email(info: object) -> str | None:
    """The profile's email (with the `users:read.email` scope), lower-case."""
    email = _text(info.get("email")) if isinstance(info, dict) else None
    return email.lower() if email else None


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def mentions_in(text: str, team_id: str) -> dict[str, Actor]:
    """`<@U123>` and `<@U123|name>` tokens, exactly as they appear in the text, to the people they name."""
    found: dict[str, Actor] = {}
    for match in USER_MENTION_RE.finditer(text):
        found[match.group(0)] = actor(team_id, match.group(1), name=match.group(2) or match.group(1))
    return found


def channels_in(text: str) -> dict[str, str]:
    """`<#C123|general>` tokens to their channel ids."""
    return {match.group(0): match.group(1) for match in CHANNEL_RE.finditer(text)}


def groups_in(text: str) -> dict[str, Group]:
    """`<#C123|general>` tokens to the channels they name (`#general`), members not looked up yet."""
    return {
        match.group(0): Group(f"#{match.group(2) or match.group(1)}") for match in CHANNEL_RE.finditer(text)
    }


def room_of(
    team_id: str,
    channel_id: object,
    thread_ts: object = None,
    *,
    ts: object = None,
    channel_type: object = None,
) -> str | None:
    """The room an event came from (a room key, storage/keys.py): its channel (public or private, or a
    group DM), or the thread in it when the event is a reply in a thread. None for a direct message
    (an `im`, whose ids start with D) and for an event with no channel (a form, the App Home).

    A message that starts a thread carries its own ts as `thread_ts`: it is in the channel, not in the
    thread."""
    if (
        not isinstance(channel_id, str)
        or not channel_id
        or channel_id.startswith("D")
        or channel_type == "im"
    ):
        return None
    thread = thread_ts if isinstance(thread_ts, str) and thread_ts and thread_ts != ts else None
    try:
        return keys.slack_room(team_id, channel_id, thread)
    except ValueError:  # ids too long for a room key: not a channel Slack gives
        return None


def without_bot_mention(text: str, bot_user_id: str | None) -> str:
    """An @mention's text without the leading mention of the bot itself."""
    if bot_user_id:
        text = re.sub(rf"^\s*<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[:,]?\s*", "", text)
    return text.strip()
