"""The Slack channel: slack-bolt listeners that translate Slack into core events and replies into Block Kit.

Listeners acknowledge first and work after (Slack wants an answer within 3 seconds). Role checks and
every rule live in the core; this module only translates and delivers. Requests arrive over HTTP
(`bot.slack.http`) or over Socket Mode.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import fetch
from bot.channel import Route
from bot.core import intake
from bot.core.conversation import Conversation
from bot.core.events import Actor, Event, Group, Reach
from bot.core.replies import File, Reply, Text
from bot.i18n import register, t
from bot.slack import home
from bot.slack.directory import SlackDirectory
from bot.slack.http import EVENTS_PATH, MAX_BODY, ShapeCheck, quiet_verification, slack_handler
from bot.slack.outlet import SlackOutlet, classify, upload
from bot.slack.render import (
    FORM_BLOCK,
    FORM_CALLBACK,
    FORM_PREFIX,
    Form,
    form_text,
    form_view,
    parse_action_id,
    render,
)
from bot.slack.settings import SlackSettings
from bot.slack.translate import actor, channels_in, groups_in, mentions_in, room_of, without_bot_mention
from scheduler.errors import TemporaryError
from storage import activity, keys

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

logger = logging.getLogger(__name__)

Sender = Callable[[dict[str, Any]], Awaitable[None]]
Replacer = Callable[[dict[str, Any]], Awaitable[bool]]
"""Puts a rendered message in place of the one a button was pressed on; False when it could not."""
PROFILE_TTL = 24 * 3600.0
"""How long a profile (name, time zone, locale) is kept: names and zones are refreshed at most daily."""
PROFILE_RETRY = 60.0
"""After a failed users.info, how long before it is asked again."""
MENTION_LOOKUPS = 50
"""Profiles looked up for the mentions of one message at most; others are named by their id."""
PROFILE_LIST_OVER = 50
"""Above this many channel members, profiles come from users.list (200 a page) rather than one
users.info call each: Slack allows far fewer users.info calls a minute than a big channel needs."""
REPLY_ATTEMPTS = 3
REPLY_LOOKBACK = 10
REPLY_BACKOFF = 0.3
IGNORED_SUBTYPES = {"bot_message", "message_changed", "message_deleted", "channel_join", "channel_leave"}

register(
    {
        "slack.collecting": {
            "en": "Collecting the channel’s members… I’ll report here when the enrollment is done.",
            "fr": "Je rassemble les membres du canal… Je vous dirai ici quand l’inscription sera faite.",
        },
        "slack.form_send": {"en": "Send", "fr": "Envoyer"},
        "slack.form_cancel": {"en": "Cancel", "fr": "Annuler"},
        "slack.form_empty": {"en": "Please write something first.", "fr": "Écrivez d’abord quelque chose."},
    }
)


def _event_id(body: dict[str, Any]) -> str | None:
    """The Events API id of this delivery's event; a retry carries the same one."""
    event_id = body.get("event_id")
    return keys.slack_event_key(str(event_id)) if event_id else None


def _trigger_id(payload: dict[str, Any]) -> str | None:
    """The trigger id of a slash command, a button press or a form: unique to each, so a replay of the
    same signed request (within Slack's five minutes) is recognised and ignored."""
    trigger = payload.get("trigger_id")
    return keys.slack_trigger_key(trigger) if isinstance(trigger, str) and trigger else None


def _room(team: str, body: dict[str, Any]) -> str | None:
    """The room a button was pressed in: the channel (or the thread) of the message that carries it."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    thread = message.get("thread_ts") or container.get("thread_ts")
    return room_of(team, channel, thread, ts=message.get("ts") or container.get("message_ts"))


class Profiles:
    """users.info, cached: time zone, locale and name fill a person's blanks without a call per message."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    async def load_all(self) -> None:
        """Every profile of the workspace, a page at a time, into the cache."""
        cursor = None
        expires = time.monotonic() + PROFILE_TTL
        try:
            while True:
                page = await self.client.users_list(cursor=cursor, limit=200, include_locale=True)
                for user in page.get("members") or []:
                    if isinstance(user, dict) and user.get("id"):
                        self._cache[str(user["id"])] = (expires, user)
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return
        except Exception as exc:  # users.info, one by one, still works
            logger.warning("users.list failed: %s", type(exc).__name__)

    async def get(self, user_id: str) -> dict[str, Any]:
        cached = self._cache.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
            profile = dict(response.get("user") or {})
        except Exception as exc:  # a profile is a nicety: never fail an event for it
            logger.warning("users.info failed for a user: %s", type(exc).__name__)
            self._cache[user_id] = (time.monotonic() + PROFILE_RETRY, {})
            return {}
        self._cache[user_id] = (time.monotonic() + PROFILE_TTL, profile)
        return profile


def _json(payload: Any) -> str:
    """A Web API request body (aiohttp wants text)."""
    return orjson.dumps(payload).decode()


class SlackChannel:
    """The Slack channel (`bot.channel.Channel`): holds the core and a bolt AsyncApp with its listeners,
    and the Slack outlet.

    Build it inside the running event loop, and `close()` it when done.
    """

    name = "slack"

    def __init__(self, conversation: Conversation, settings: SlackSettings) -> None:
        assert settings.bot_token is not None
        self.core = conversation
        self.settings = settings
        # One HTTP session for every Web API call: slack_sdk would otherwise open (and tear down) a new
        # session, with its connection pool and TLS handshake, for each call.
        # Every Web API call carries a few KB of Block Kit: orjson encodes it several times faster.
        self.http = aiohttp.ClientSession(json_serialize=_json)
        token = settings.bot_token.get_secret_value()
        # Replies and lookups retry a 429 (nothing was done). Nothing retries a 5xx or a dropped
        # connection here: the request may have been carried out, and doing it again would post twice.
        self.client = AsyncWebClient(
            token=token,
            base_url=settings.api_url,
            session=self.http,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        # Deliveries retry nothing themselves: the dispatcher retries, asking Slack first whether an
        # unanswered message arrived after all.
        self.delivery_client = AsyncWebClient(
            token=token, base_url=settings.api_url, session=self.http, retry_handlers=[]
        )
        self.secret = settings.signing_secret.get_secret_value() if settings.signing_secret else None
        # bolt verifies the signature of every HTTP request (and skips Socket Mode requests, which come
        # over the app's own authenticated socket); without a signing secret there is no HTTP route.
        # Right after it, ShapeCheck refuses signed bodies of an odd shape.
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=self.secret,
            request_verification_enabled=self.secret is not None,
            before_authorize=ShapeCheck(),
            process_before_response=False,
        )
        quiet_verification()
        self.profiles = Profiles(self.client)
        self.outlet = SlackOutlet(self.delivery_client)
        self.directory = SlackDirectory(self.client)
        """How a people import finds members by email (registered by `bot.channels.open_channels`)."""
        self.socket: AsyncSocketModeHandler | None = None
        self._register()

    @property
    def mode(self) -> str:
        return "socket" if self.settings.socket_mode else "http"

    def routes(self) -> list[Route]:
        """POST /slack/events, unless Slack's events come over Socket Mode."""
        if self.settings.socket_mode or self.secret is None:
            return []
        return [Route("POST", EVENTS_PATH, slack_handler(self.bolt, self.secret), MAX_BODY)]

    async def start(self) -> None:
        """Over Socket Mode: connect to Slack."""
        if not self.settings.socket_mode or self.settings.app_token is None:
            return
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self.socket = AsyncSocketModeHandler(self.bolt, self.settings.app_token.get_secret_value())
        await self.socket.connect_async()
        logger.info("Slack: connected over Socket Mode")

    async def close(self) -> None:
        """Close the socket, if any, and the HTTP session the Web API calls share."""
        if self.socket is not None:
            await self.socket.close_async()
            self.socket = None
        await self.http.close()

    # --- listeners ------------------------------------------------------------------------------------

    def _register(self) -> None:
        bolt = self.bolt
        bolt.command("/tandem")(self.on_command)
        bolt.event("message")(self.on_message)
        bolt.event("app_mention")(self.on_mention)
        bolt.event("app_home_opened")(self.on_home)
        bolt.event("app_uninstalled")(self.on_uninstalled)
        bolt.event("tokens_revoked")(self.on_uninstalled)
        bolt.action(re.compile(r"^tandem\|"))(self.on_action)
        bolt.action(re.compile(r"^tandem_home\|"))(self.on_home_action)
        bolt.action(re.compile(f"^{re.escape(FORM_PREFIX)}"))(self.on_form_button)
        bolt.view(FORM_CALLBACK)(self.on_form_submitted)

    async def _first_time(self, session: AsyncSession, body: dict[str, Any]) -> bool:
        """Slack retries events it thinks we missed; the event id is a database key, so any replica skips a
        retry. Messages, mentions, commands and buttons hand their id to the core, which does the same in
        its own transaction; the other events call this in theirs. (No bolt middleware: it would cost every
        request an extra step.)"""
        event_id = body.get("event_id")
        if not event_id or await activity.first_sighting(session, event_id=str(event_id)):
            return True
        logger.info("Ignoring a repeated Slack delivery")
        return False

    async def on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        team, user, text = command.get("team_id", ""), command.get("user_id", ""), command.get("text", "")
        who = await self._actor(team, user, command.get("user_name"))
        event = Event(
            who,
            "command",
            text,
            mentions=await self._mentions(team, text),
            groups=groups_in(text),
            event_id=_trigger_id(command),
            room=room_of(team, command.get("channel_id"), command.get("thread_ts")),
        )
        if event.groups and await self.core.allows_group_lookup(event):
            lang = who.lang or self.core.services.settings.default_lang
            await respond(text=t("slack.collecting", lang), response_type="ephemeral")
            event = replace(event, groups=await self._expand_channels(team, text))
        await self._handle(event, self._responder(respond))

    async def on_message(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        if (
            event.get("channel_type") != "im"
            or event.get("bot_id")
            or event.get("subtype") in IGNORED_SUBTYPES
        ):
            return
        if event.get("user") in (None, context.get("bot_user_id")):
            return
        team = body.get("team_id", "")
        who = await self._actor(team, event["user"])
        text = event.get("text", "")
        mentions = await self._mentions(team, text)
        core_event = Event(who, "message", text, mentions=mentions, event_id=_event_id(body))
        send = self._poster(event["channel"])
        files = [file for file in event.get("files") or [] if isinstance(file, dict)]
        if files:  # uploaded in the DM: read only for `people import`, from an admin
            taken = await intake.take(self.core, core_event, [self._offered(file) for file in files])
            if isinstance(taken, list):
                await self._say(taken, send)
                return
            core_event = taken
        await self._handle(core_event, send)

    async def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        if event.get("bot_id") or not event.get("user"):
            return
        team = body.get("team_id", "")
        who = await self._actor(team, event["user"])
        text = without_bot_mention(event.get("text", ""), context.get("bot_user_id"))
        mentions = {
            k: v for k, v in mentions_in(text, team).items() if v.local_id != context.get("bot_user_id")
        }
        room = room_of(team, event.get("channel"), event.get("thread_ts"), ts=event.get("ts"))
        core_event = Event(who, "message", text, mentions=mentions, event_id=_event_id(body), room=room)
        thread = event.get("thread_ts") or event.get("ts")
        # Answers go in a thread under the mention, but a private one only into a thread already there:
        # Slack shows no ephemeral message in a thread nobody started (a workshop's panel would be lost).
        poster = self._poster(
            event["channel"], thread=thread, user=event["user"], in_thread=bool(event.get("thread_ts"))
        )
        await self._handle(core_event, poster)

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()
        name = parse_action_id(action.get("action_id", ""))
        if name is None:
            return
        team = (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")
        who = await self._actor(team, body["user"]["id"])
        value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        event = Event(
            who, "action", action=name, value=value, event_id=_trigger_id(body), room=_room(team, body)
        )
        await self._handle(event, self._target_for(body, respond), replace=self._replacer(body, respond))

    async def on_form_button(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A button with a text box opens its form, once per press: a replayed press opens nothing."""
        await ack()
        trigger, value = body.get("trigger_id"), action.get("value")
        form = Form.decode(value)
        if not trigger or form is None or not isinstance(value, str):
            return
        async with self.core.services.db.transaction() as session:
            if not await self._first_time(session, {"event_id": keys.slack_trigger_key(trigger)}):
                return
        team = (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")
        lang = (await self._actor(team, body["user"]["id"])).lang or self.core.services.settings.default_lang
        view = form_view(value, form, send=t("slack.form_send", lang), cancel=t("slack.form_cancel", lang))
        try:
            await self.client.views_open(trigger_id=trigger, view=view)
        except SlackApiError as exc:  # an expired trigger: the press came too late to open a form
            logger.warning("Slack: could not open a form: %s", exc.response.get("error"))

    async def on_form_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A submitted form: its button's core action, with what was typed as the event's text."""
        form, typed = Form.decode(view.get("private_metadata")), form_text(view)
        if form is None:
            await ack()
            logger.info("Slack: ignored a form that is not one of Tandem's")
            return
        team = (body.get("team") or {}).get("id", "")
        who = await self._actor(team, body["user"]["id"])
        if not typed:
            empty = t("slack.form_empty", who.lang or self.core.services.settings.default_lang)
            await ack(response_action="errors", errors={FORM_BLOCK: empty})
            return
        await ack()
        event = Event(who, "action", typed, action=form.action, value=form.value, event_id=_trigger_id(body))
        await self._handle(event, self._poster(body["user"]["id"]))

    async def on_home(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        async with self.core.services.db.transaction() as session:
            if not await self._first_time(session, body):
                return
        await self.publish_home(body.get("team_id", ""), event["user"])

    async def on_home_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        team = (body.get("team") or {}).get("id", "")
        user = body["user"]["id"]
        text = home.command_for(action)
        status = ""
        if text:
            who = await self._actor(team, user)
            replies = await self.core.handle(Event(who, "command", text, event_id=_trigger_id(body)))
            status = "\n".join(r.markdown for r in replies if isinstance(r, Text))
        await self.publish_home(team, user, status=status)

    async def on_uninstalled(self, body: dict[str, Any]) -> None:
        """Stop every delivery to this workspace: its people become unreachable, with the reason."""
        team = body.get("team_id", "")
        uninstalled = body.get("event", {}).get("type") == "app_uninstalled"
        reason = "Slack app uninstalled" if uninstalled else "Slack tokens revoked"
        workspace = keys.workspace_prefix("slack", team)
        await self.core.reach(Reach(False, reason, workspace=workspace, event_id=_event_id(body)))
        logger.warning("%s for team %s: its people are out of reach until they write again", reason, team)

    # --- helpers --------------------------------------------------------------------------------------

    async def publish_home(self, team: str, user: str, *, status: str = "") -> None:
        who = await self._actor(team, user)
        view = await home.build(self.core, who, status=status)
        await self.client.views_publish(user_id=user, view=view)

    async def _actor(self, team: str, user: str, name: str | None = None) -> Actor:
        return actor(team, user, name=name, profile=await self.profiles.get(user))

    async def _mentions(self, team: str, text: str) -> dict[str, Actor]:
        """Mentioned people with their Slack profile (time zone, locale), fetched concurrently and cached;
        past MENTION_LOOKUPS in one message, people are named by their id."""
        found = mentions_in(text, team)
        if not found:
            return {}
        users = list(dict.fromkeys(mentioned.local_id for mentioned in found.values()))[:MENTION_LOOKUPS]
        profiles = dict(zip(users, await self._profiles_of(users), strict=True))
        return {
            token: actor(
                team, mentioned.local_id, name=mentioned.name, profile=profiles.get(mentioned.local_id)
            )
            for token, mentioned in found.items()
        }

    async def _expand_channels(self, team: str, text: str) -> dict[str, Group]:
        """Every human member of each mentioned channel (paging conversations.members, bots left out); a
        channel the bot cannot read says why instead."""
        groups = groups_in(text)
        for token, channel in channels_in(text).items():
            try:
                members = await self._channel_members(channel)
            except SlackApiError as exc:
                problem = str(exc.response.get("error") or "error")
                logger.info("Slack: cannot read the members of channel %s: %s", channel, problem)
                groups[token] = replace(groups[token], problem=problem)
                continue
            if len(members) > PROFILE_LIST_OVER:
                await self.profiles.load_all()
            profiles = await self._profiles_of(members)
            people = tuple(
                actor(team, user, profile=profile)
                for user, profile in zip(members, profiles, strict=True)
                if not profile.get("is_bot") and not profile.get("deleted") and user != "USLACKBOT"
            )
            groups[token] = replace(groups[token], members=people)
        return groups

    async def _channel_members(self, channel: str) -> list[str]:
        members: list[str] = []
        cursor = None
        while True:
            page = await self.client.conversations_members(channel=channel, cursor=cursor, limit=200)
            listed: list[object] = page.get("members") or []
            members.extend(member for member in listed if isinstance(member, str))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    async def _profiles_of(self, users: Sequence[str]) -> list[dict[str, Any]]:
        limit = asyncio.Semaphore(20)

        async def one(user: str) -> dict[str, Any]:
            async with limit:
                return await self.profiles.get(user)

        return list(await asyncio.gather(*(one(user) for user in users)))

    async def _handle(self, event: Event, send: Sender, *, replace: Replacer | None = None) -> None:
        """Run the core and send its replies to the person; the core queued anything for anyone else.
        A reply that `replaces` the message whose button was pressed updates it, when `replace` can."""
        for reply in await self.core.handle(event):
            if isinstance(reply, Text) and reply.replaces and replace is not None:
                messages = render(reply)
                if len(messages) == 1 and await replace(messages[0]):
                    continue
            if isinstance(reply, File) and await self._upload(event.actor, reply):
                continue
            for message in render(reply):
                await send({**message, "private": getattr(reply, "private", False)})

    async def _upload(self, person: Actor, file: File) -> bool:
        """Upload a file into the person's direct messages with the bot, whichever conversation asked for
        it (`bot.slack.outlet.upload`, as deliveries do). False when Slack refused (an app installed
        before it had `files:write`): the caller then shows it in messages."""
        try:
            await upload(self.client, person.local_id, file)
        except Exception as exc:
            problem = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            logger.warning("Slack: could not upload a file, so it is sent as messages: %s", problem)
            return False
        return True

    async def _say(self, replies: Sequence[Reply], send: Sender) -> None:
        """Replies that do not come from the core's handling of an event (why a file was not taken)."""
        for reply in replies:
            for message in render(reply):
                await send({**message, "private": getattr(reply, "private", False)})

    # --- files sent in the DM (`people import`) --------------------------------------------------------------

    def _offered(self, file: dict[str, Any]) -> intake.Offered:
        """A file shared in the DM, as Slack's event describes it, and how to read it."""
        size = file.get("size")

        async def read(limit: int) -> bytes:
            return await self._download(file, limit)

        return intake.Offered(
            name=str(file.get("name") or file.get("title") or "file"),
            read=read,
            size=size if isinstance(size, int) else None,
            mime=file.get("mimetype") if isinstance(file.get("mimetype"), str) else None,
        )

    async def _download(self, file: dict[str, Any], limit: int) -> bytes:
        """The file's bytes from `url_private_download`, with the bot token (the `files:read` scope): asked
        of files.info when the event does not carry it (a file shared from another workspace). The token
        goes to Slack's own hosts only (or the Web API's, `SLACK_API_URL`), over HTTPS."""
        url = file.get("url_private_download") or file.get("url_private")
        if not isinstance(url, str) and isinstance(file.get("id"), str):
            try:
                info = await self.client.files_info(file=file["id"])
            except SlackApiError as exc:
                problem = str(exc.response.get("error") or "error")
                logger.info("Slack: files.info failed: %s", problem)
                key = "intake.download_refused" if problem == "missing_scope" else "intake.download_failed"
                raise intake.Unreadable(key, platform="Slack", reason=problem) from None
            found = info.get("file") or {}
            url = found.get("url_private_download") or found.get("url_private")
        if not isinstance(url, str) or not fetch.allowed(url, hosts=self._file_hosts()):
            logger.warning("Slack: a file's download address is not Slack's; it was not fetched")
            raise intake.Unreadable(
                "intake.download_failed", platform="Slack", reason="intake.reason.address"
            )
        token = self.settings.bot_token.get_secret_value() if self.settings.bot_token else ""
        headers = {"Authorization": f"Bearer {token}"}
        # No redirect is followed: Slack sends a token that may not read files to its sign-in page.
        return await fetch.download(
            self.http, url, limit=limit, platform="Slack", headers=headers, follow=False
        )

    def _file_hosts(self) -> tuple[str, ...]:
        """Where Slack serves files: its own domains, and the Web API's host (GovSlack, a test double)."""
        api_host = urlsplit(self.settings.api_url or "").hostname or ""
        return tuple(filter(None, ("slack.com", "slack-gov.com", api_host.lower())))

    def _responder(self, respond: Any) -> Sender:
        async def send(message: dict[str, Any]) -> None:
            await respond(
                text=message["text"],
                blocks=message["blocks"],
                response_type="ephemeral",
                replace_original=False,
            )

        return send

    def _poster(
        self, channel: str, *, thread: str | None = None, user: str | None = None, in_thread: bool = True
    ) -> Sender:
        """Posts replies in `channel` (in `thread`); with `user`, a private reply is an ephemeral message
        for that person, in the thread when `in_thread` says it is one already, else in the channel."""
        ephemeral_thread = thread if in_thread else None

        async def send(message: dict[str, Any]) -> None:
            if message.get("private") and user:  # in a channel: seen by that person only
                await self.client.chat_postEphemeral(
                    channel=channel,
                    user=user,
                    text=message["text"],
                    blocks=message["blocks"],
                    thread_ts=ephemeral_thread,  # None is left out of the call
                )
                return
            await self._post_once(channel, message, thread)

        return send

    async def _post_once(self, channel: str, message: dict[str, Any], thread: str | None) -> None:
        """Post a reply, retrying a failure that may have let it through (a 5xx, a dropped connection)
        only once Slack's history shows it did not: a reply is never lost to one hiccup nor doubled."""
        for attempt in range(REPLY_ATTEMPTS):
            try:
                await self.client.chat_postMessage(
                    channel=channel, text=message["text"], blocks=message["blocks"], thread_ts=thread
                )
                return
            except Exception as exc:
                kind = classify(exc)
                if not isinstance(kind, TemporaryError) or attempt == REPLY_ATTEMPTS - 1:
                    raise
                if kind.ambiguous and thread is not None:
                    raise  # a thread's history is not searched: better one lost reply than two
                await asyncio.sleep(REPLY_BACKOFF * 2**attempt)
                if kind.ambiguous and await self._posted(channel, message["text"]):
                    return

    async def _posted(self, channel: str, text: str) -> bool:
        """Whether the bot's latest messages in the conversation include this reply (same text)."""
        if channel[:1] in ("U", "W"):
            channel = (await self.client.conversations_open(users=channel))["channel"]["id"]
        history = await self.client.conversations_history(channel=channel, limit=REPLY_LOOKBACK)
        messages: list[dict[str, Any]] = history.get("messages") or []
        return any(m.get("text") == text and m.get("bot_id") for m in messages)

    def _replacer(self, body: dict[str, Any], respond: Any) -> Replacer:
        """Puts a message in place of the one whose button was pressed, without its buttons: chat.update
        for a message in a conversation, the action's response_url for an ephemeral one. False when Slack
        refused (the message is gone): the reply then comes as a new message."""
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        ts = (body.get("message") or {}).get("ts") or container.get("message_ts")

        async def replace(message: dict[str, Any]) -> bool:
            try:
                if container.get("is_ephemeral") or not channel or not ts:
                    await respond(
                        text=message["text"],
                        blocks=message["blocks"],
                        response_type="ephemeral",
                        replace_original=True,
                    )
                else:
                    await self.client.chat_update(
                        channel=channel, ts=ts, text=message["text"], blocks=message["blocks"]
                    )
            except Exception as exc:
                problem = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
                logger.info(
                    "Slack: could not replace a message, so the reply comes as a new one: %s", problem
                )
                return False
            return True

        return replace

    def _target_for(self, body: dict[str, Any], respond: Any) -> Sender:
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id")
        if container.get("is_ephemeral") or not channel:
            return self._responder(respond)
        # A button on a message in a channel (a live quiz): what is private to the person who pressed it
        # (their answer, their checklist's "Done") is shown to them alone, as an ephemeral message.
        user = (body.get("user") or {}).get("id") if not channel.startswith("D") else None
        return self._poster(channel, thread=(body.get("message") or {}).get("thread_ts"), user=user)
