"""Teams activities to core events: identities, profile hints, mentions and conversation references.

Everything here works on plain Activity JSON (dicts), so it tests without the SDK or a network.
A Teams person's key is `teams:<tenant>:<Entra object id>`: the object id is what admins see in the
Entra admin centre and what TANDEM_ADMINS lists; the `29:…` channel id is only a fallback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from bot.core.events import Actor
from lessons import lang_of_locale
from storage import keys

MAX_NAME = 200
_TAG = re.compile(r"</?at>", re.IGNORECASE)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def tenant_of(activity: Mapping[str, Any]) -> str:
    """The tenant id: on the conversation, or in Teams' channel data."""
    conversation = _dict(activity.get("conversation"))
    tenant = _dict(_dict(activity.get("channelData")).get("tenant"))
    return _str(conversation.get("tenantId")) or _str(tenant.get("id")) or "default"


def zone_of(activity: Mapping[str, Any]) -> str | None:
    """The sender's IANA time zone: `localTimezone`, or the clientInfo entity Teams adds."""
    zone = _str(activity.get("localTimezone"))
    if zone:
        return zone
    for entity in activity.get("entities") or []:
        if isinstance(entity, dict) and entity.get("type") == "clientInfo":
            return _str(entity.get("timezone"))
    return None


def locale_of(activity: Mapping[str, Any]) -> str | None:
    locale = _str(activity.get("locale"))
    if locale:
        return locale
    for entity in activity.get("entities") or []:
        if isinstance(entity, dict) and entity.get("type") == "clientInfo":
            return _str(entity.get("locale"))
    return None


def account_id(account: Mapping[str, Any]) -> str | None:
    """The Entra object id of a channel account, or its Teams id when the object id is absent."""
    return _str(account.get("aadObjectId")) or _str(account.get("id"))


def sender(activity: Mapping[str, Any]) -> Actor | None:
    """The person who sent the activity, with the profile hints it carries; None when it has no sender."""
    account = _dict(activity.get("from"))
    user = account_id(account)
    if user is None:
        return None
    return Actor(
        key=keys.teams_person(tenant_of(activity), user),
        name=(_str(account.get("name")) or user)[:MAX_NAME],
        platform="teams",
        lang=lang_of_locale(locale_of(activity)),
        tz=zone_of(activity),
    )


def email_of(account: Mapping[str, Any]) -> str | None:
    """A member's work email, as the Bot Connector's member lookup gives it (`email`, else a
    `userPrincipalName` that is one), lower-case: how a person imported by email only is recognised
    when they install the app. None when the account carries none (install activities usually don't)."""
    for name in ("email", "userPrincipalName"):
        value = _str(account.get(name))
        if value and "@" in value and " " not in value:
            return value.lower()
    return None


def mention_entities(activity: Mapping[str, Any], bot_id: str | None) -> list[tuple[str, dict[str, Any]]]:
    """(token as written in the text, mentioned account) for every mention of someone other than the bot."""
    found = []
    for entity in activity.get("entities") or []:
        if not isinstance(entity, dict) or entity.get("type") != "mention":
            continue
        mentioned = _dict(entity.get("mentioned"))
        token = _str(entity.get("text"))
        if token is None or _str(mentioned.get("id")) is None or mentioned.get("id") == bot_id:
            continue
        found.append((token, mentioned))
    return found


def mentioned_actor(tenant: str, account: Mapping[str, Any]) -> Actor:
    """A mentioned person. Teams lets a bot write only to people who opened it, so someone met first
    through a mention starts as pending (the flag only matters when the person is created: anyone
    already known keeps their own state)."""
    user = account_id(account) or "unknown"
    name = _str(account.get("name")) or user
    return Actor(
        key=keys.teams_person(tenant, user),
        name=_TAG.sub("", name)[:MAX_NAME],
        platform="teams",
        reachable=False,
    )


def one_word_mentions(text: str, mentions: Mapping[str, Actor]) -> tuple[str, dict[str, Actor]]:
    """`<at>Bob Senior</at>` becomes `@Bob_Senior` in the text: the core reads arguments word by word."""
    words: dict[str, Actor] = {}
    for token, person in mentions.items():
        base = "@" + "_".join(_TAG.sub("", token).split()) if _TAG.sub("", token).strip() else "@someone"
        word, number = base, 2
        while word in words:
            word, number = f"{base}{number}", number + 1
        words[word] = person
        text = text.replace(token, word)
    return text, words


def reference_of(activity: Mapping[str, Any]) -> dict[str, Any] | None:
    """The conversation reference to store: enough to write to this person later, and nothing else."""
    conversation = _dict(activity.get("conversation"))
    service_url = _str(activity.get("serviceUrl"))
    if not _str(conversation.get("id")) or not service_url:
        return None
    user = _dict(activity.get("from"))
    bot = _dict(activity.get("recipient"))
    return {
        "channelId": _str(activity.get("channelId")) or "msteams",
        "serviceUrl": service_url,
        "conversation": {
            key: conversation[key]
            for key in ("id", "tenantId", "conversationType")
            if isinstance(conversation.get(key), str)
        },
        "user": {key: user[key] for key in ("id", "name", "aadObjectId") if isinstance(user.get(key), str)},
        "agent": {key: bot[key] for key in ("id", "name") if isinstance(bot.get(key), str)},
    }


def room_reference_of(activity: Mapping[str, Any]) -> dict[str, Any] | None:
    """The conversation reference of a room (a group chat, a channel): how to post there later. It
    keeps the conversation and the bot, not the person who wrote: a room's reference names no one."""
    reference = reference_of(activity)
    if reference is None:
        return None
    reference.pop("user", None)
    return reference


ROOM_TYPES = frozenset({"groupChat", "channel"})
"""The conversation types that are rooms: several people read what the bot posts there."""


def room_of(activity: Mapping[str, Any]) -> str | None:
    """The room an activity came from (a room key, storage/keys.py): its group chat or its channel
    conversation (a channel's thread is its own conversation, `…;messageid=…`). None in a personal chat
    and for a conversation id too long for a room key."""
    conversation = _dict(activity.get("conversation"))
    conversation_id = _str(conversation.get("id"))
    if conversation.get("conversationType") not in ROOM_TYPES or conversation_id is None:
        return None
    try:
        return keys.teams_room(tenant_of(activity), conversation_id)
    except ValueError:
        return None


def is_personal(activity: Mapping[str, Any]) -> bool:
    """A personal (1:1) chat with the bot, rather than a group chat or a team's channel."""
    kind = _dict(activity.get("conversation")).get("conversationType")
    return kind in (None, "personal")


def bot_added(activity: Mapping[str, Any]) -> bool:
    """A conversationUpdate that adds the bot itself: the app was installed in this conversation."""
    bot = _dict(activity.get("recipient")).get("id")
    return any(_dict(member).get("id") == bot for member in activity.get("membersAdded") or [])


def bot_removed(activity: Mapping[str, Any]) -> bool:
    bot = _dict(activity.get("recipient")).get("id")
    return any(_dict(member).get("id") == bot for member in activity.get("membersRemoved") or [])


def plain_text(text: Any) -> str:
    """Message text as typed: Teams may wrap it in a little HTML, and `&nbsp;` stands for spaces."""
    if not isinstance(text, str):
        return ""
    text = text.replace("&nbsp;", " ").replace("\u00a0", " ")
    return text.strip()


FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"
"""The attachment of a file sent in a personal chat with a bot that supports files (`supportsFiles`)."""


def files_of(activity: Mapping[str, Any]) -> list[tuple[str, str, str | None]]:
    """The files sent with a message, as (name, pre-authenticated download URL, file type): the
    `downloadUrl` Teams gives in each file attachment's content. Other attachments (an inline image, the
    message's own HTML) are no files; one without a download URL is left out."""
    found = []
    for attachment in activity.get("attachments") or []:
        if not isinstance(attachment, dict) or attachment.get("contentType") != FILE_DOWNLOAD:
            continue
        content = _dict(attachment.get("content"))
        url = _str(content.get("downloadUrl"))
        if url is None:
            continue
        name = _str(attachment.get("name")) or "file"
        found.append((name, url, _str(content.get("fileType"))))
    return found


def activity_key(activity: Mapping[str, Any]) -> str | None:
    """The key that marks this activity as handled (`storage.keys.teams_activity_key`), so a redelivery
    or a replay of it is ignored; None when the activity has no id or no conversation id."""
    conversation = _str(_dict(activity.get("conversation")).get("id"))
    activity_id = _str(activity.get("id"))
    if conversation is None or activity_id is None:
        return None
    return keys.teams_activity_key(conversation, activity_id)


def same_service_url(claimed: Any, used: Any) -> bool:
    """Whether two service URLs name the same endpoint: the scheme and host in any case, a trailing
    slash or not. Anything that is not an absolute http(s) URL matches nothing."""
    first, second = _service_url(claimed), _service_url(used)
    return first is not None and first == second


def _service_url(value: Any) -> tuple[str, str, str, str, str] | None:
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port  # a port that is not a number raises here
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or port == 0:
        return None
    return scheme, parts.netloc.lower(), parts.path.rstrip("/"), parts.query, parts.fragment


def shape_problem(activity: Any) -> str | None:
    """What makes an activity unusable although it may fit the SDK's schema, or None: the fields the
    SDK and Tandem rely on in every turn, and a card submit's `value`, which the schema leaves open."""
    if not isinstance(activity, dict):
        return "the activity is not a JSON object"
    required = {
        "channelId": activity.get("channelId"),
        "serviceUrl": activity.get("serviceUrl"),
        "from.id": _dict(activity.get("from")).get("id"),
        "conversation.id": _dict(activity.get("conversation")).get("id"),
    }
    for name, value in required.items():
        if _str(value) is None:
            return f"`{name}` is missing"
    if not _object_or_absent(activity.get("channelData")):
        return "`channelData` is not an object"
    if activity.get("type") == "message" and not _object_or_absent(activity.get("value")):
        return "a message's `value` is not an object"
    return None


def _object_or_absent(value: Any) -> bool:
    return value is None or isinstance(value, dict)
