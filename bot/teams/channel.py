"""The Teams channel: a Microsoft 365 Agents SDK application that translates Teams into core events.

The SDK's CloudAdapter parses and authenticates activities and talks to the Bot Connector; this module
only translates activities into the core's events and the core's replies into Adaptive Cards. Replies
to the person who wrote go back in the turn (or in the HTTP response with `expectReplies`); what the
core sends to anyone else goes through the delivery ledger, whose dispatcher uses the Teams outlet.

In a group chat or a team's channel (where Teams sends the bot only the messages that mention it), an
event carries its room, and the room's conversation reference is kept (storage/rooms.py) so that what
is posted there later can be; replies meant for the person alone go to their personal chat.
"""

from __future__ import annotations

import contextvars
import dataclasses
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
from aiohttp import web
from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse, ConversationReference
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_decorator,
    start_agent_process,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    Connections,
)
from microsoft_agents.hosting.core.authorization.connection_manager import ConnectionManager
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from pydantic import ValidationError

from bot import fetch
from bot.channel import LOCALHOST, Route
from bot.core import intake
from bot.core.conversation import Conversation
from bot.core.events import Actor, Event, Reach
from bot.core.replies import File, Reply, Text
from bot.core.text import neutralize
from bot.downloads import issue_link
from bot.i18n import register, t
from bot.teams import translate
from bot.teams.clients import PooledClientFactory
from bot.teams.outlet import TeamsOutlet
from bot.teams.render import (
    MAX_REFRESH_USERS,
    invoke_card,
    invoke_message,
    parse_execute,
    parse_submit,
    personal_view,
    render,
    shared_view,
)
from bot.teams.settings import TeamsSettings
from lessons import lang_of_locale
from storage import people, rooms

logger = logging.getLogger(__name__)

PATH = "/api/messages"
MAX_BODY = 256_000
INVALID_TOKEN = {"error": "Invalid token or authentication failed."}
"""The SDK's own answer to a bad token, so that every refused token looks the same from outside."""

_TOKEN_ACCEPTED = web.RequestKey("tandem_teams_token_accepted", bool)
"""Set once the SDK's JWT check let a request through: a failure after that is not the caller's."""
_CHECKING_INBOUND = contextvars.ContextVar("tandem_teams_checking_inbound", default=False)


class _QuietInboundCheck(logging.Filter):
    """The SDK logs every activity that does not fit its schema as an error, with a traceback. While
    Tandem checks an inbound activity itself (and answers 400 with one line of its own), that record
    is dropped; the SDK's other logs, and its checks of anything else, are untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _CHECKING_INBOUND.get()


logging.getLogger("microsoft_agents.activity.activity").addFilter(_QuietInboundCheck())

register(
    {
        "teams.welcome": {
            "en": "Hello {name}, I’m Tandem. Each day you get one short digital tip at your own time, "
            "and you can ask me anything in your own words. {privacy} Type `help` to see what I can do.",
            "fr": "Bonjour {name}, je suis Tandem. Chaque jour, vous recevez une courte astuce numérique "
            "à l’heure de votre choix, et vous pouvez me poser vos questions avec vos mots. {privacy} "
            "Tapez `aide` pour voir ce que je sais faire.",
        },
        "teams.personal_only": {
            "en": "Let’s talk in a personal chat: open Tandem from the Apps bar and write to me there.",
            "fr": "Parlons en conversation privée : ouvrez Tandem depuis la barre des applications et "
            "écrivez-moi là.",
        },
        "teams.empty_reply": {
            "en": "Please write your answer in the box before sending.",
            "fr": "Écrivez votre réponse dans la zone avant d’envoyer.",
        },
    }
)


def connections_for(settings: TeamsSettings) -> tuple[Connections, AgentAuthConfiguration]:
    """The SDK's connection manager and JWT settings: Entra credentials, or anonymous for local tests."""
    if settings.client_id is None:
        manager = ConnectionManager(
            lambda _config: AnonymousTokenProvider(),
            CONNECTIONS={"SERVICE_CONNECTION": {"SETTINGS": {}}},
        )
        return manager, AgentAuthConfiguration(anonymous_allowed=True)
    from microsoft_agents.authentication.msal import MsalConnectionManager

    assert settings.client_secret is not None
    connection = {
        "AUTHTYPE": "ClientSecret",
        "CLIENTID": settings.client_id.strip(),
        "CLIENTSECRET": settings.client_secret.get_secret_value(),
    }
    if settings.tenant_id:
        connection["TENANTID"] = settings.tenant_id.strip()
    manager = MsalConnectionManager(CONNECTIONS={"SERVICE_CONNECTION": {"SETTINGS": connection}})
    return manager, manager.get_default_connection_configuration()


class TeamsChannel:
    """The Teams channel (`bot.channel.Channel`): holds the core and an AgentApplication with its
    routes, and the Teams outlet."""

    name = "teams"
    mode = "on"

    def __init__(self, conversation: Conversation, settings: TeamsSettings) -> None:
        # The SDK stores its claims under a plain string key on each request, which aiohttp warns about.
        warnings.filterwarnings(
            "ignore", message="It is recommended to use web.RequestKey", category=UserWarning
        )
        if settings.anonymous:
            # Without an app id the SDK warns on every turn; in this local mode that says nothing new.
            logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(
                logging.ERROR
            )
        self.core = conversation
        self.settings = settings
        self.default_lang = conversation.services.settings.default_lang
        self.app_id = settings.client_id.strip() if settings.client_id else ""
        self.secured = settings.client_id is not None
        """With Entra credentials: every request carries a verified token (anonymous mode has none)."""
        self.connections, self.auth_config = connections_for(settings)
        self.clients = PooledClientFactory(self.connections)
        self.adapter = CloudAdapter(channel_service_client_factory=self.clients)
        self.adapter.on_turn_error = self._on_turn_error
        self.agent: AgentApplication[TurnState] = AgentApplication[TurnState](
            storage=MemoryStorage(),
            connection_manager=self.connections,
            start_typing_timer=False,
            remove_recipient_mention=True,
        )
        self.outlet = TeamsOutlet(self.adapter, self.app_id, self._linked)
        self._register()

    # --- serving --------------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        """POST /api/messages; the SDK's JWT check on it reads its settings from the web application."""
        state = {"agent_configuration": self.auth_config}
        return [Route("POST", PATH, self.handler(), MAX_BODY, app_state=state)]

    async def start(self) -> None:
        """Nothing to connect: activities arrive over HTTP. Anonymous mode says so, loudly."""
        if self.settings.anonymous:
            logger.warning(
                "Teams: TANDEM_TEAMS_ALLOW_ANONYMOUS is on: %s accepts requests without a token "
                "and listens on %s only. Never use this in production.",
                PATH,
                LOCALHOST,
            )

    def handler(self) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """POST /api/messages: the JWT (the SDK's decorator, on this route only), then Tandem's own checks
        of the request, then the turn.

        The SDK's validator lets some unreadable tokens escape as exceptions (alg=none or an HMAC token
        without a `kid` raise KeyError); whatever fails before the token is accepted is a 401 with one
        warning line that never includes the token. A failure after that is Tandem's own, and is not
        turned into a 401.
        """
        checked = jwt_authorization_decorator(self._after_token)

        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                return await checked(request)
            except Exception as exc:
                if request.get(_TOKEN_ACCEPTED):
                    raise
                logger.warning(
                    "Teams: refused a request whose token could not be read (%s)", type(exc).__name__
                )
                return web.json_response(INVALID_TOKEN, status=401)

        return handle

    async def _after_token(self, request: web.Request) -> web.StreamResponse:
        """The size, the body, the service URL and the shape of an authenticated request, then the turn.
        Nothing is processed or stored unless all of them pass."""
        request[_TOKEN_ACCEPTED] = True
        if (request.content_length or 0) > MAX_BODY or len(await request.read()) > MAX_BODY:
            return web.json_response({"error": "body too large"}, status=413)
        try:
            activity = await request.json()  # aiohttp keeps the body: the SDK reads it again
        except (ValueError, RecursionError):
            return _malformed("the body is not JSON")
        if self.secured and (refusal := _service_url_refusal(request, activity)):
            logger.warning("Teams: refused an activity: %s", refusal)
            return web.json_response(INVALID_TOKEN, status=401)
        problem = translate.shape_problem(activity) or _schema_problem(activity)
        if problem:
            logger.info("Teams: refused a malformed activity: %s", problem)
            return _malformed(problem)
        try:
            response = await start_agent_process(request, self.agent, self.adapter)
        except ValidationError:
            return _malformed("it does not fit the schema")
        return response if response is not None else web.Response(status=202)

    async def close(self) -> None:
        """Close the Bot Connector clients."""
        await self.clients.close()

    # --- routes ---------------------------------------------------------------------------------------

    def _register(self) -> None:
        self.agent.activity("message")(self.on_message)
        self.agent.activity("installationUpdate")(self.on_installation_update)
        self.agent.activity("conversationUpdate")(self.on_conversation_update)
        self.agent.adaptive_card.action_execute(re.compile(r".+"))(self.on_execute)
        self.agent.error(self._on_app_error)

    async def on_message(self, context: TurnContext, _state: TurnState) -> None:
        """A message or a card submit: in a personal chat, or in a room (a group chat, a channel, where
        Teams sends the bot only the messages that mention it), whose reference is kept first."""
        activity = self._dump(context.activity)
        room = translate.room_of(activity)
        who = self._sender(activity, room=room)
        if who is None:
            return
        if room is None and not translate.is_personal(activity):
            await self._send(context, [Text(t("teams.personal_only", who.lang or self.default_lang))])
            return
        if room is not None:
            await self._remember_room(room, activity)
        event = await self._event(context, activity, who, room=room)
        files = translate.files_of(activity) if room is None else []
        if event is None and files:  # a file sent without a word
            event = Event(who, "message", "", event_id=translate.activity_key(activity))
        if event is None:
            return
        if files:  # sent in the personal chat: read only for `people import`, from an admin
            taken = await intake.take(self.core, event, [_offered(*file) for file in files])
            if isinstance(taken, list):
                await self._send(context, taken)
                return
            event = taken
        await self._handle(context, event, activity)

    async def on_execute(
        self, context: TurnContext, _state: TurnState, _data: Any
    ) -> AdaptiveCardInvokeResponse:
        """An Action.Execute (`adaptiveCard/action` invoke): a button of a per-person card (the mentor's
        panel in a room), or Teams asking what someone sees of such a card (its `refresh`). The core
        answers as for any button, and its first reply that replaces the card is the invoking person's
        new card, in the invoke's response (Teams waits at most 5 seconds for it); the rest goes out as
        from a button: to the room, or to their personal chat for what is theirs alone."""
        activity = self._dump(context.activity)
        parsed = parse_execute(activity.get("value"))
        room = translate.room_of(activity)
        who = self._sender(activity, room=room)
        lang = (who.lang if who else None) or self.default_lang
        if parsed is None or who is None:
            return _invoke(invoke_message(t("error.stale_button", lang)))
        if room is not None:
            await self._remember_room(room, activity)
        action, value, typed = parsed
        event = Event(
            who,
            "action",
            typed.strip(),
            action=action,
            value=value,
            event_id=translate.activity_key(activity),
            room=room,
        )
        replies = list(await self.core.handle(event))
        user_id = str(activity["from"]["id"])
        answer, replies = _invoked_card(replies, user_id)
        if event.room is not None:
            replies = await self._aside(event, replies)
        await self._send(context, replies)
        return _invoke(answer)

    async def on_installation_update(self, context: TurnContext, _state: TurnState) -> None:
        activity = self._dump(context.activity)
        action = str(activity.get("action") or "")
        room = translate.room_of(activity)
        if room is not None:  # the app added to (or removed from) a group chat or a team
            if action.startswith("remove"):
                await self._forget_room(room)
            elif action.startswith("add"):
                await self._remember_room(room, activity)
            return
        if action.startswith("remove"):
            await self._forget_conversation(activity)
        elif action.startswith("add"):
            await self._installed(context, activity)

    async def on_conversation_update(self, context: TurnContext, _state: TurnState) -> None:
        activity = self._dump(context.activity)
        room = translate.room_of(activity)
        if room is not None:
            if translate.bot_added(activity):
                await self._remember_room(room, activity)
            elif translate.bot_removed(activity):
                await self._forget_room(room)
            return
        if not translate.is_personal(activity):
            return
        if translate.bot_added(activity):
            await self._installed(context, activity)
        elif translate.bot_removed(activity):
            await self._forget_conversation(activity)

    # --- translation ----------------------------------------------------------------------------------

    @staticmethod
    def _dump(activity: Activity) -> dict[str, Any]:
        return activity.model_dump(by_alias=True, exclude_none=True, mode="json")

    @staticmethod
    def _sender(activity: Mapping[str, Any], *, room: str | None = None) -> Actor | None:
        """The sender, carrying the conversation reference: whoever writes to us can be written to. Not
        from a room: its conversation is not theirs, and writing there does not let the bot write to
        them in a personal chat (nor makes someone out of reach reachable again)."""
        who = translate.sender(activity)
        reference = translate.reference_of(activity)
        if who is None or reference is None:
            return None
        if room is not None:
            return dataclasses.replace(who, reachable=False)
        return Actor(who.key, who.name, who.platform, who.lang, who.tz, conversation=reference)

    async def _event(
        self, context: TurnContext, activity: dict[str, Any], who: Actor, *, room: str | None = None
    ) -> Event | None:
        """The core event for a message or a card submit, with the room it came from. It carries the
        activity's key as `event_id`, so a redelivered or replayed activity is handled once (the core
        records it in its transaction)."""
        event_id = translate.activity_key(activity)
        submitted = parse_submit(activity.get("value")) if "value" in activity else None
        if submitted is not None:
            return await self._submitted(context, who, *submitted, event_id=event_id, room=room)
        if "value" in activity and not activity.get("text"):
            return None  # a card submit that is not ours: nothing to do
        text = translate.plain_text(activity.get("text"))
        if not text:
            return None
        mentions = await self._mentions(context, activity)
        text, mentions = translate.one_word_mentions(text, mentions)
        return Event(who, "message", text, mentions=mentions, event_id=event_id, room=room)

    async def _submitted(
        self,
        context: TurnContext,
        who: Actor,
        action: str,
        value: str,
        typed: str,
        *,
        event_id: str | None,
        room: str | None = None,
    ) -> Event | None:
        """A card button; a button with a text box brings what was typed, as the event's text. A box sent
        empty is answered here: the card shows the box, so the person is asked to write in it."""
        if self.core.router.takes_text(action) and not typed.strip():
            await self._send(context, [Text(t("teams.empty_reply", who.lang or self.default_lang))])
            return None
        return Event(who, "action", typed.strip(), action=action, value=value, event_id=event_id, room=room)

    async def _mentions(self, context: TurnContext, activity: dict[str, Any]) -> dict[str, Actor]:
        """`<at>Name</at>` tokens to people, keyed by their Entra object id (looked up when Teams omits it)."""
        bot_id = (activity.get("recipient") or {}).get("id")
        found = translate.mention_entities(activity, bot_id)
        if not found:
            return {}
        tenant = translate.tenant_of(activity)
        missing = [account["id"] for _, account in found if not account.get("aadObjectId")]
        resolved = await self._members(context, activity, missing) if missing else {}
        return {
            token: translate.mentioned_actor(tenant, resolved.get(account["id"], account))
            for token, account in found
        }

    async def _members(
        self, context: TurnContext, activity: dict[str, Any], ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Conversation members by Teams id, from the Bot Connector; a failed lookup leaves that one out."""
        conversation_id = activity["conversation"]["id"]
        found: dict[str, dict[str, Any]] = {}

        async def lookup(connector: ConnectorClientBase) -> None:
            for member_id in ids:
                try:
                    member = await connector.conversations.get_conversation_member(conversation_id, member_id)
                except Exception as exc:  # a name is still better than failing the command
                    logger.warning("Teams member lookup failed: %s", type(exc).__name__)
                    continue
                found[member_id] = member.model_dump(by_alias=True, exclude_none=True, mode="json")

        try:
            await self._with_connector(context, activity, lookup)
        except Exception as exc:
            logger.warning("Teams member lookup unavailable: %s", type(exc).__name__)
        return found

    async def _with_connector(
        self,
        context: TurnContext,
        activity: dict[str, Any],
        use: Callable[[ConnectorClientBase], Awaitable[None]],
    ) -> None:
        """Run `use` with a Bot Connector client: the turn's, or (in a turn answered inline, with
        `expectReplies`, which has none) one of a proactive turn in the same conversation. What `use`
        raises reaches the caller, never the proactive turn's error handler (which would apologise to
        the conversation)."""
        connector = _connector(context)
        if connector is not None:
            await use(connector)
            return
        reference = ConversationReference.model_validate(translate.reference_of(activity))
        failed: list[Exception] = []

        async def in_turn(turn: TurnContext) -> None:
            turn_connector = _connector(turn)
            if turn_connector is None:
                return
            try:
                await use(turn_connector)
            except Exception as exc:
                failed.append(exc)

        await self.outlet.continue_in(reference, in_turn)
        if failed:
            raise failed[0]

    # --- install and uninstall ------------------------------------------------------------------------

    async def _installed(self, context: TurnContext, activity: dict[str, Any]) -> None:
        """The person can now be reached (their conversation is stored, what waited for them goes out);
        say hello once."""
        who = self._sender(activity)
        if who is None:
            return
        who = await self._with_email(context, activity, who)
        person = await self.core.reach(
            Reach(True, "Teams app installed", actor=who, event_id=_activity_id(activity))
        )
        if person is not None:
            name = neutralize(person.display_name, 80)
            privacy = t("privacy.who_sees", person.lang)
            await self._send(context, [Text(t("teams.welcome", person.lang, name=name, privacy=privacy))])

    async def _with_email(self, context: TurnContext, activity: dict[str, Any], who: Actor) -> Actor:
        """The installing person with their work email, from the Bot Connector's member lookup (install
        activities carry none): how someone a people import knows by email only is recognised."""
        member_id = (activity.get("from") or {}).get("id")
        if not isinstance(member_id, str):
            return who
        found = await self._members(context, activity, [member_id])
        email = translate.email_of(found.get(member_id, {}))
        return dataclasses.replace(who, email=email) if email else who

    async def _forget_conversation(self, activity: dict[str, Any]) -> None:
        """The app was removed for this person: keep them and their history, stop writing to them."""
        who = translate.sender(activity)
        if who is None:
            return
        await self.core.reach(Reach(False, "Teams app removed", actor=who, event_id=_activity_id(activity)))

    # --- rooms --------------------------------------------------------------------------------------

    async def _remember_room(self, room: str, activity: Mapping[str, Any]) -> None:
        """Keep how to post in a room (its conversation reference, storage/rooms.py), in a small
        transaction of its own before the event is handled: what is posted there later (a workshop's
        steps) continues this conversation, as a person's messages continue their personal chat."""
        reference = translate.room_reference_of(activity)
        if reference is None:
            return
        services = self.core.services
        async with services.db.transaction() as session:
            await rooms.remember_room(
                session, key=room, platform=self.name, conversation=reference, now=services.clock()
            )

    async def _forget_room(self, room: str) -> None:
        """The app was removed from a group chat or a team: nothing more can be posted there."""
        async with self.core.services.db.transaction() as session:
            await rooms.forget_room(session, key=room)

    # --- replies --------------------------------------------------------------------------------------

    async def _handle(self, context: TurnContext, event: Event, activity: dict[str, Any]) -> None:
        """Run the core and send its replies in the turn; the core queued anything for anyone else. In a
        room, a per-person reply becomes a card there that Teams refreshes for that person alone
        (`_per_user`), and what else is for the person alone goes to their personal chat (`_aside`)."""
        replies = [
            await self._linked(reply, event.actor.key) if isinstance(reply, File) else reply
            for reply in await self.core.handle(event)
        ]
        shared: list[dict[str, Any]] = []
        if event.room is not None:
            replies, shared = await self._per_user(context, activity, replies)
            replies = await self._aside(event, replies)
        if event.kind == "action" and replies and isinstance(replies[0], Text) and replies[0].replaces:
            replies = replies[1:] if await self._replace_card(context, replies[0]) else replies
        await self._send(context, replies, shared)

    async def _per_user(
        self, context: TurnContext, activity: dict[str, Any], replies: list[Reply]
    ) -> tuple[list[Reply], list[dict[str, Any]]]:
        """The replies left, and the room's cards for the per-person ones (a `PersonalView`: the mentor's
        panel): posted in the room, shown by Teams to the person who wrote as their own view, and to
        everyone else as its shared line. Only where Teams refreshes cards per user, in a room of at
        most 60 members; in a larger room (or one whose size cannot be read) they stay private and go to
        the person's personal chat."""
        views = [r for r in replies if isinstance(r, Text) and r.view is not None]
        if not views or not await self._small_room(context, activity):
            return replies, []
        user_id = str(activity["from"]["id"])
        cards = [shared_view(r.view, [user_id]) for r in views if r.view is not None]
        return [r for r in replies if r not in views], cards

    async def _small_room(self, context: TurnContext, activity: dict[str, Any]) -> bool:
        """Whether the room has at most MAX_REFRESH_USERS members, from the Bot Connector's paged member
        list (one page is enough to tell). False when the list cannot be read."""
        conversation_id = str(activity["conversation"]["id"]).split(";")[0]
        counted: list[int] = []

        async def count(connector: ConnectorClientBase) -> None:
            page = await connector.conversations.get_conversation_paged_members(
                conversation_id, page_size=100
            )
            counted.append(len(page.members or []) + (1 if page.continuation_token else 0))

        try:
            await self._with_connector(context, activity, count)
        except Exception as exc:  # the panel then goes to the personal chat, as in a large room
            logger.info("Teams: could not count a room's members: %s", type(exc).__name__)
            return False
        return bool(counted) and counted[0] <= MAX_REFRESH_USERS

    async def _aside(self, event: Event, replies: Sequence[Reply]) -> list[Reply]:
        """The replies to post in the room. What is for the person alone (a private text, a file or its
        link) is sent to their personal chat with Tandem instead, as Slack shows it to them only; when
        Tandem cannot write to them there, the room gets a line asking them to open that chat, never
        the private reply itself."""
        public = [reply for reply in replies if not _for_them_alone(reply)]
        private = [reply for reply in replies if _for_them_alone(reply)]
        if not private:
            return public
        async with self.core.services.db.transaction() as session:
            person = await people.get_person(session, key=event.actor.key)
        lang = person.lang if person is not None else event.actor.lang or self.default_lang
        conversation = person.conversation if person is not None and person.reachable else None
        if conversation:
            try:
                await self.outlet.send_to(ConversationReference.model_validate(conversation), private)
                return public
            except Exception as exc:  # they removed the app meanwhile: say so in the room instead
                logger.info("Teams: could not answer someone in their personal chat: %s", type(exc).__name__)
        return [*public, Text(t("teams.personal_only", lang))]

    async def _linked(self, file: File, person_key: str) -> Reply:
        """A file as a one-time link for the person on Tandem's web host (bot/downloads.py), under its
        caption; the file itself (its content in the card) when links are off (no TANDEM_PUBLIC_URL)."""
        link = await issue_link(self.core, person_key, file)
        if link is None:
            return file
        return Text("\n\n".join(filter(None, (file.caption, link))), private=True)

    async def _replace_card(self, context: TurnContext, reply: Reply) -> bool:
        """Turn the card whose button was pressed into the reply that `replaces` it (the quiz into its
        result, without its buttons), so it cannot be answered twice: update_activity on the activity the
        submit came from. Only when the card is known and Teams is waiting for no inline reply."""
        card_id = context.activity.reply_to_id
        messages = render(reply)
        if not card_id or len(messages) != 1 or _connector(context) is None:
            return False
        update = Activity.model_validate({**messages[0], "id": card_id})
        update.conversation = context.activity.conversation
        try:
            await context.update_activity(update)
        except Exception as exc:  # an old card may be gone: then the answer comes as a new message
            logger.info("Teams: could not update a card in place: %s", type(exc).__name__)
            return False
        return True

    async def _send(
        self, context: TurnContext, replies: Sequence[Reply], cards: Sequence[dict[str, Any]] = ()
    ) -> None:
        """The replies, rendered, then any message already built (a room's per-person card), in the turn."""
        messages = [message for reply in replies for message in render(reply)] + list(cards)
        activities = [Activity.model_validate(message) for message in messages]
        if activities:
            await context.send_activities(activities)

    # --- errors ---------------------------------------------------------------------------------------

    async def _on_app_error(self, context: TurnContext, error: Exception) -> None:
        await self._on_turn_error(context, error)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        """A bug in a turn: logged with its traceback; the person gets a short apology, never internals."""
        logger.error("Teams turn failed", exc_info=(type(error), error, error.__traceback__))
        if context.activity.name == "continueConversation":
            return  # a proactive turn: nobody is waiting for an answer
        try:
            lang = lang_of_locale(context.activity.locale) or self.default_lang
            await self._send(context, [Text(t("error.apology", lang))])
        except Exception:
            logger.exception("Teams: could not send the apology")


def _offered(name: str, url: str, file_type: str | None) -> intake.Offered:
    """A file sent in the personal chat, read from its pre-authenticated download URL (no token goes
    with it): over HTTPS only (HTTP only to 127.0.0.1, for local tests)."""

    async def read(limit: int) -> bytes:
        if not fetch.allowed(url):
            logger.warning("Teams: a file's download address is not HTTPS; it was not fetched")
            raise intake.Unreadable(
                "intake.download_failed", platform="Microsoft Teams", reason="intake.reason.address"
            )
        async with aiohttp.ClientSession() as session:
            return await fetch.download(session, url, limit=limit, platform="Microsoft Teams")

    mime = "text/csv" if (file_type or "").lower() in ("csv", "txt") else None
    return intake.Offered(name=name, read=read, mime=mime)


def _invoked_card(replies: list[Reply], user_id: str) -> tuple[dict[str, Any], list[Reply]]:
    """The invoke response for an Action.Execute, and the replies left to send. The first reply that
    replaces the card becomes the invoking person's card (with its refresh, when it is a per-person
    view); a lone private text is shown as the response's message and the card stays as it was."""
    for index, reply in enumerate(replies):
        if isinstance(reply, Text) and reply.replaces:
            message = personal_view(reply, reply.view, [user_id]) if reply.view else _single(reply)
            if message is not None:
                return invoke_card(message), replies[:index] + replies[index + 1 :]
    texts = [r for r in replies if isinstance(r, Text) and not r.buttons]
    if texts:
        first = texts[0]
        return invoke_message(first.markdown), [r for r in replies if r is not first]
    return invoke_message("…"), replies


def _single(reply: Text) -> dict[str, Any] | None:
    messages = render(reply)
    return messages[0] if len(messages) == 1 else None


def _invoke(body: dict[str, Any]) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse.model_validate(body)


def _for_them_alone(reply: Reply) -> bool:
    """A reply only the person it answers may see: a private text, a file (or the link to one)."""
    return isinstance(reply, File) or (isinstance(reply, Text) and reply.private)


def _connector(context: TurnContext) -> ConnectorClientBase | None:
    """The turn's Bot Connector client, when the turn has one (the SDK files it under its base class)."""
    key: type[Any] = ConnectorClientBase
    found = context.services.get(key)
    return found if isinstance(found, ConnectorClientBase) else None


def _activity_id(activity: Mapping[str, Any]) -> str | None:
    """The activity's key, to ignore a redelivery of the same install or removal (the same key as a
    message's `event_id`)."""
    return translate.activity_key(activity)


def _malformed(problem: str) -> web.Response:
    return web.json_response({"error": f"malformed activity: {problem}"}, status=400)


def _service_url_refusal(request: web.Request, activity: Any) -> str | None:
    """Why an activity may not use its `serviceUrl`, or None. The Bot Connector names the service it
    calls from in the verified token's `serviceurl` claim; replies (with Tandem's own bearer token) go
    to the activity's `serviceUrl`, so the two must be the same URL, or a genuine token replayed with
    another serviceUrl would send them elsewhere.

    The Agents SDK does not enforce this: it compares hosts only, only when its optional host
    validator is enabled, and accepts a token without the claim.
    """
    identity = request.get("claims_identity")
    claimed = identity.get_claim_value("serviceurl") if identity is not None else None
    if claimed is None:
        return "the token has no serviceurl claim"
    used = activity.get("serviceUrl") if isinstance(activity, dict) else None
    if not translate.same_service_url(claimed, used):
        return "its serviceUrl is not the one named in its token"
    return None


def _schema_problem(activity: Any) -> str | None:
    """Where an activity does not fit the SDK's schema, or None; checked before the SDK parses it, so
    that a malformed activity is a 400 with one line in the log, not an error with a traceback."""
    token = _CHECKING_INBOUND.set(True)
    try:
        Activity.model_validate(activity)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])[:80]
        return f"{where!r} does not fit the schema ({error['type']})"
    except Exception as exc:  # the SDK's own consistency checks raise plain exceptions
        return f"it does not fit the schema ({type(exc).__name__})"
    finally:
        _CHECKING_INBOUND.reset(token)
    return None
