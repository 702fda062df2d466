"""A local fake of the Slack Web API over real HTTP (aiohttp on 127.0.0.1) that records every call.

Point the real clients at it: `AsyncWebClient(token=fake.bot_token, base_url=f"{fake.url}/api/")`, or a
slack_bolt `AsyncApp(client=...)` built on such a client. Like Slack, it takes `GET` or `POST` on
`/api/<method>`, with arguments in the query string, a form-encoded body or a JSON body, and the token in
`Authorization: Bearer ...` (or a `token` argument). Answers are shaped like Slack's: HTTP 200 with
`{"ok": true, ...}` or `{"ok": false, "error": "..."}`; rate limits are HTTP 429 with `Retry-After`.

It also serves `response_url`s (`fake.response_url(name)`), where slash-command and interactive replies go,
and file uploads as Slack takes them (files.getUploadURLExternal gives an upload URL on the fake, the bytes
are POSTed there, files.completeUploadExternal shares the file in a channel): see `files`. Files people
share (`add_file`) are served at their `url_private_download` to the bot token only, as Slack serves them:
anything else (no token, another token, an app without `files:read`) gets Slack's sign-in page instead.

Everything is deterministic: message timestamps count up from "1700000000.000100", view ids from
"V00000001", and faults fire exactly as many times as asked.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from tests.support.serve import serve_local

Handler = Callable[[dict[str, Any]], dict[str, Any]]
"""A method's handler: the call's arguments -> the answer's fields besides `ok` (or raises _SlackError)."""

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "ABOT"
TEAM_ID = "T1"
TEAM_NAME = "Test Team"
_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "metadata": "invalid_metadata_format",
    "view": "invalid_arguments",
    "files": "invalid_arguments",
}
_DEFAULT_FAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


class _SlackError(Exception):
    """Raised by a method handler to answer HTTP 200 `{"ok": false, "error": ...}`."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class Call:
    """One Web API call as the fake received it.

    `args` merges the query string and the body; JSON-valued fields sent as strings in forms (`blocks`,
    `attachments`, `metadata`, `view`) are parsed when they are valid JSON. `token` is the Bearer token (or
    `token` argument), None when absent.
    """

    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class Fault:
    """One queued failure for a method: HTTP `status` with body error `error` (see `FakeSlack.fail`).

    `after` says when it strikes: "before" the call is carried out (nothing happened), "after" it was
    carried out (the answer is an error all the same), "drop" (carried out, then the connection is cut
    without an answer), or "slow" (carried out and answered only after `delay` seconds).
    """

    status: int
    error: str
    retry_after: int | None
    remaining: int
    after: str = "before"
    delay: float = 0.0


@dataclass
class FakeSlack:
    """A fake Slack workspace with one bot, served over HTTP. Use `await start()` / `await stop()`.

    State a test may set: `bot_token`, `revoked`, `latency`, `page_size`, `users` (see `add_user`),
    `channel_members`, `permanent_errors` (channel or user id -> error for chat.postMessage).
    Records a test may read: `calls`, `messages`, `ephemerals`, `views`, `responses`, `files` (each file
    shared in a channel: id, filename, title, channel, initial_comment and its bytes as `content`).
    """

    bot_token: str = "xoxb-test-token"
    revoked: bool = False
    latency: float = 0.0
    page_size: int = 100
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    permanent_errors: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    files_read: bool = True
    """Whether the app has the `files:read` scope: without it, shared files are not served to its token."""
    downloads: list[tuple[str, str | None]] = field(default_factory=list)
    """Each download of a shared file: its id and the Bearer token it came with."""
    url: str = ""

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._faults: dict[str, list[Fault]] = {}
        self._ts_counter = 0
        self._uploads: dict[str, dict[str, Any]] = {}
        self._shared: dict[str, dict[str, Any]] = {}
        self._methods: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.members": self._conversations_members,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_lookup_by_email,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.info": self._files_info,
        }

    # -- lifecycle -----------------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application: `/api/{method}` (GET and POST), `/response/{name}` (POST) and
        `/upload/{file_id}` (POST: the upload URLs files.getUploadURLExternal hands out)."""
        app = web.Application(client_max_size=10_000_000)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._download)
        app.router.add_get("/signin", self._signin)
        return app

    async def start(self) -> str:
        """Serve on 127.0.0.1 on a free port; sets and returns `url` (no trailing slash)."""
        self._runner, self.url = await serve_local(self.app())
        return self.url

    async def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- test helpers --------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The `base_url` to give slack_sdk clients."""
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        """A response_url whose POSTs are recorded into `responses[name]`."""
        return f"{self.url}/response/{name}"

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "Europe/Paris",
        tz_label: str = "Central European Time",
        tz_offset: int = 3600,
        locale: str = "fr-FR",
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
    ) -> dict[str, Any]:
        """Add (or replace) a workspace member answered by users.info; returns the stored record."""
        name = name or user_id.lower()
        real_name = real_name if real_name is not None else name.title()
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "locale": locale,
            "is_bot": is_bot,
            "deleted": deleted,
            "profile": {
                "display_name": display_name if display_name is not None else name,
                "real_name": real_name,
                **({"email": email} if email else {}),
            },
        }
        self.users[user_id] = user
        return user

    def add_file(
        self,
        name: str,
        content: bytes,
        *,
        mimetype: str = "text/csv",
        filetype: str = "csv",
        size: int | None = None,
        with_url: bool = True,
    ) -> dict[str, Any]:
        """A file someone shares, as Slack describes it in a `file_share` message event (`size` says what
        the event claims, by default its length); `with_url=False` leaves the download address out, as
        for a file shared from another workspace (`file_access: check_file_info`): files.info gives it."""
        file_id = f"F{len(self._shared) + 1:08d}S"
        record = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": filetype,
            "size": len(content) if size is None else size,
            "url_private": f"{self.url}/files-pri/{TEAM_ID}-{file_id}/{name}",
            "url_private_download": f"{self.url}/files-pri/{TEAM_ID}-{file_id}/download/{name}",
        }
        self._shared[file_id] = {"record": dict(record), "content": content}
        if not with_url:
            record = {"id": file_id, "name": name, "mimetype": mimetype, "file_access": "check_file_info"}
        return record

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
        after: str = "before",
        delay: float = 0.0,
    ) -> None:
        """Make the next `times` calls to `method` fail (after auth succeeds), then behave normally again.

        - default, or `status=429`: HTTP 429, `Retry-After: <retry_after>` (whole seconds, as Slack sends and
          slack_sdk's `int()` reads), body `{"ok": false, "error": "ratelimited"}`;
        - `status=500` / `503` (any other status): that HTTP status with an `internal_error` /
          `service_unavailable` body;
        - `error="account_inactive"` without `status`: HTTP 200 `{"ok": false, "error": "account_inactive"}`.
        The upload URLs take faults under the name "upload" (an HTTP status and a body), and the downloads
        of shared files under "download". Faults queue up
        per method, in the order they were added. `after="after"` carries the call out
        first and then answers the error (an ambiguous failure: it did happen); `after="drop"` carries it
        out and cuts the connection; `after="slow"` carries it out `delay` seconds late and answers then.
        """
        if status is None:
            status = 200 if error else (500 if after == "after" else 429)
        body_error = error or _DEFAULT_FAULT_ERRORS.get(status, "fatal_error")
        fault = Fault(status, body_error, retry_after if status == 429 else None, times, after, delay)
        self._faults.setdefault(method, []).append(fault)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls to one method, oldest first."""
        return [call for call in self.calls if call.method == method]

    def methods_called(self) -> set[str]:
        """The names of every method called at least once."""
        return {call.method for call in self.calls}

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """The recorded messages of one channel (a user id means that user's DM), oldest first."""
        channel = self.dm_channel(channel) if _is_user_id(channel) else channel
        return [m for m in self.messages if m["channel"] == channel]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The view last published to `user_id`'s App Home, if any."""
        published = [v for v in self.views if v["method"] == "views.publish" and v["user_id"] == user_id]
        return published[-1]["view"] if published else None

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The bot's DM channel id with a user: "U123" -> "D123" (what conversations.open answers)."""
        return "D" + user_id[1:]

    def reset(self) -> None:
        """Forget every record and queued fault; users, members and settings stay."""
        self.calls.clear()
        self.messages.clear()
        self.ephemerals.clear()
        self.views.clear()
        self.responses.clear()
        self.files.clear()
        self._uploads.clear()
        self.downloads.clear()
        self._faults.clear()

    # -- HTTP plumbing -------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = dict(request.query)
        body_error: str | None = None
        try:
            args.update(await _read_body(request))
        except ValueError:
            body_error = "invalid_json"
        for name, error in _JSON_FIELDS.items():
            value = args.get(name)
            if isinstance(value, str) and value:
                try:
                    args[name] = json.loads(value)
                except ValueError:
                    body_error = body_error or error
        token = _bearer(request) or args.pop("token", None)
        self.calls.append(Call(method, args, token))
        if self.latency:
            await asyncio.sleep(self.latency)
        handler = self._methods.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method", "req_method": method})
        if self.revoked:
            return _error("token_revoked")
        if token != self.bot_token:
            return _error("invalid_auth")
        fault = self._next_fault(method)
        if fault is not None and fault.after == "before":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            return web.json_response(
                {"ok": False, "error": fault.error}, status=fault.status, headers=headers
            )
        if body_error:
            return _error(body_error)
        if fault is not None and fault.after == "slow":
            await asyncio.sleep(fault.delay)
        try:
            answer = handler(args)
        except _SlackError as exc:
            return _error(exc.error)
        if fault is not None and fault.after == "after":
            return web.json_response({"ok": False, "error": fault.error}, status=fault.status)
        if fault is not None and fault.after == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("dropped by the fake after carrying the call out")
        return web.json_response({"ok": True, **answer})

    def _next_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    async def _response(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            body = await _read_body(request)
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_json"}, status=400)
        for key in ("blocks", "attachments"):
            if isinstance(body.get(key), str):
                body[key] = json.loads(body[key])
        self.responses.setdefault(name, []).append(body)
        if self.latency:
            await asyncio.sleep(self.latency)
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        """An upload URL: like Slack's, it takes the file's bytes as the body, with no token (the URL is
        the secret), and answers 200 `OK - <length>`; 404 for a URL it never handed out."""
        upload = self._uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="not found")
        content = await request.read()
        fault = self._next_fault("upload")
        if fault is not None:
            return web.Response(status=fault.status, text=fault.error)
        upload["content"] = content
        return web.Response(text=f"OK - {len(content)}")

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """A shared file's `url_private_download`: its bytes for the bot token (with `files:read`), else
        Slack's sign-in page (a redirect to it without a token, the page itself for a token that may not
        read files); 404 for a file nobody shared."""
        team, _, file_id = request.match_info["team_file"].partition("-")
        shared = self._shared.get(file_id)
        if team != TEAM_ID or shared is None:
            return web.Response(status=404, text="not found")
        token = _bearer(request)
        self.downloads.append((file_id, token))
        if token is None:
            raise web.HTTPFound(f"{self.url}/signin")
        if token != self.bot_token or self.revoked or not self.files_read:
            return await self._signin(request)
        fault = self._next_fault("download")
        if fault is not None:
            return web.Response(status=fault.status, text=fault.error)
        content_type = str(shared["record"]["mimetype"])
        return web.Response(body=shared["content"], content_type=content_type)

    async def _signin(self, request: web.Request) -> web.Response:
        return web.Response(text="<!DOCTYPE html><title>Sign in | Slack</title>", content_type="text/html")

    def _next_ts(self) -> str:
        self._ts_counter += 1
        micros = self._ts_counter * 100
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    # -- methods -------------------------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://test-team.slack.com/",
            "team": TEAM_NAME,
            "user": "tandem",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        target = str(args.get("channel") or "")
        if not target:
            raise _SlackError("channel_not_found")
        if target in self.permanent_errors:
            raise _SlackError(self.permanent_errors[target])
        channel = self.dm_channel(target) if _is_user_id(target) else target
        if channel in self.permanent_errors:
            raise _SlackError(self.permanent_errors[channel])
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            raise _SlackError("no_text")
        message = {
            "channel": channel,
            "text": args.get("text") or "",
            "blocks": args.get("blocks"),
            "thread_ts": args.get("thread_ts"),
            "metadata": args.get("metadata"),
            "ts": self._next_ts(),
        }
        self.messages.append(message)
        return {"channel": channel, "ts": message["ts"], "message": _public_message(message, True)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, user = str(args.get("channel") or ""), str(args.get("user") or "")
        if not channel:
            raise _SlackError("channel_not_found")
        if not user:
            raise _SlackError("user_not_in_channel")
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            raise _SlackError("no_text")
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "channel": channel,
                "user": user,
                "text": args.get("text") or "",
                "blocks": args.get("blocks"),
                "ts": ts,
            }
        )
        return {"message_ts": ts}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        channel = self.dm_channel(channel) if _is_user_id(channel) else channel
        found = [m for m in self.messages if m["channel"] == channel and m["ts"] == ts]
        if not found:
            raise _SlackError("message_not_found")
        message = found[0]
        for key in ("text", "blocks", "metadata"):
            if key in args:
                message[key] = args[key]
        return {
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": _public_message(message, True),
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise _SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise _SlackError("not_implemented")  # group DMs: not needed by Tandem
        return {"channel": {"id": self.dm_channel(users[0])}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            raise _SlackError("channel_not_found")
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")
        limit = _int(args.get("limit"), 100) or 100
        with_metadata = _flag(args.get("include_all_metadata"))
        found = [
            m
            for m in self.messages
            if m["channel"] == channel and oldest < float(m["ts"]) <= latest and not _is_reply(m)
        ]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        page = found[:limit]
        return {
            "messages": [_public_message(m, with_metadata) for m in page],
            "has_more": len(found) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent message (`ts`) and its replies, the oldest first, a page of `limit` at a
        time (cursor pagination); `thread_not_found` when the channel has neither. (A parent a person
        wrote is not recorded here: its thread is then its replies.)"""
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if not channel:
            raise _SlackError("channel_not_found")
        if channel in self.permanent_errors:
            raise _SlackError(self.permanent_errors[channel])
        thread = [m for m in self.messages if m["channel"] == channel and ts in (m["ts"], m.get("thread_ts"))]
        if not thread:
            raise _SlackError("thread_not_found")
        thread.sort(key=lambda m: float(m["ts"]))
        size = _int(args.get("limit"), 100) or 100
        start = _decode_cursor(str(args.get("cursor") or ""))
        end = start + size
        with_metadata = _flag(args.get("include_all_metadata"))
        return {
            "messages": [_public_message(m, with_metadata) for m in thread[start:end]],
            "has_more": end < len(thread),
            "response_metadata": {"next_cursor": _encode_cursor(end) if end < len(thread) else ""},
        }

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if channel not in self.channel_members:
            raise _SlackError("channel_not_found")
        members = self.channel_members[channel]
        size = min(_int(args.get("limit"), 100) or 100, self.page_size)
        start = _decode_cursor(str(args.get("cursor") or ""))
        end = start + size
        next_cursor = _encode_cursor(end) if end < len(members) else ""
        return {"members": members[start:end], "response_metadata": {"next_cursor": next_cursor}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            raise _SlackError("user_not_found")
        answer = json.loads(json.dumps(user))  # a copy the client cannot alias
        if not _flag(args.get("include_locale")):
            answer.pop("locale", None)
        return {"user": answer}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        """users.lookupByEmail: the member whose profile has this email (case-insensitive), as Slack
        answers it (`users_not_found` otherwise)."""
        wanted = str(args.get("email") or "").strip().lower()
        for user in self.users.values():
            email = str((user.get("profile") or {}).get("email") or "").lower()
            if wanted and email == wanted:
                return {"user": json.loads(json.dumps(user))}
        raise _SlackError("users_not_found")

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        everyone = list(self.users.values())
        size = min(_int(args.get("limit"), 100) or 100, self.page_size)
        start = _decode_cursor(str(args.get("cursor") or ""))
        end = start + size
        members = json.loads(json.dumps(everyone[start:end]))
        if not _flag(args.get("include_locale")):
            for member in members:
                member.pop("locale", None)
        next_cursor = _encode_cursor(end) if end < len(everyone) else ""
        return {"members": members, "response_metadata": {"next_cursor": next_cursor}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user_id") or "")
        if not user_id:
            raise _SlackError("invalid_arguments")
        return self._record_view("views.publish", args, user_id=user_id, trigger_id=None)

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger_id = str(args.get("trigger_id") or "")
        if not trigger_id:
            raise _SlackError("invalid_arguments")
        return self._record_view("views.open", args, user_id=None, trigger_id=trigger_id)

    def _record_view(
        self, method: str, args: dict[str, Any], *, user_id: str | None, trigger_id: str | None
    ) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict) or "type" not in view:
            raise _SlackError("invalid_arguments")
        view_id = f"V{len(self.views) + 1:08d}"
        self.views.append(
            {"method": method, "id": view_id, "user_id": user_id, "trigger_id": trigger_id, "view": view}
        )
        return {"view": {"id": view_id, "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID, **view}}

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(args.get("filename") or ""), _int(args.get("length"), -1)
        if not filename or length < 0:
            raise _SlackError("invalid_arguments")
        file_id = f"F{len(self._uploads) + 1:08d}"
        self._uploads[file_id] = {"filename": filename, "length": length, "content": None}
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """files.info (the `files:read` scope): a shared file with its download address."""
        if not self.files_read:
            raise _SlackError("missing_scope")
        shared = self._shared.get(str(args.get("file") or ""))
        if shared is None:
            raise _SlackError("file_not_found")
        return {"file": dict(shared["record"])}

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        """Share uploaded files in `channel_id` (a user id means that user's DM, as in chat.postMessage):
        each must have been uploaded whole (the bytes `length` announced)."""
        listed = args.get("files")
        if not isinstance(listed, list) or not listed:
            raise _SlackError("invalid_arguments")
        channel = str(args.get("channel_id") or "")
        channel = self.dm_channel(channel) if _is_user_id(channel) else channel
        if channel in self.permanent_errors:
            raise _SlackError(self.permanent_errors[channel])
        shared: list[dict[str, Any]] = []
        for entry in listed:
            upload = self._uploads.get(str((entry or {}).get("id") or ""))
            if upload is None or upload["content"] is None or len(upload["content"]) != upload["length"]:
                raise _SlackError("file_not_found")
            shared.append({"id": entry["id"], "title": entry.get("title") or upload["filename"]})
        for entry in shared:
            upload = self._uploads[entry["id"]]
            self.files.append(
                {
                    **entry,
                    "filename": upload["filename"],
                    "channel": channel or None,
                    "initial_comment": args.get("initial_comment"),
                    "content": upload["content"],
                }
            )
        return {"files": shared}


def _error(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})


async def _read_body(request: web.Request) -> dict[str, Any]:
    """The request body as a dict: JSON or form (url-encoded or multipart); ValueError if not JSON-parsable."""
    if not request.can_read_body:
        return {}
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("JSON body is not an object")
        return body
    form = await request.post()
    return {key: value if isinstance(value, str) else str(value) for key, value in form.items()}


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _is_reply(message: dict[str, Any]) -> bool:
    """A reply in a thread: conversations.history leaves it out, as Slack does (conversations.replies
    reads it)."""
    thread = message.get("thread_ts")
    return bool(thread) and thread != message["ts"]


def _is_user_id(channel: str) -> bool:
    return channel[:1] in ("U", "W")


def _flag(value: Any) -> bool:
    """Slack booleans: true/false, "1"/"0", "true"/"false"."""
    if isinstance(value, str):
        return value.lower() in ("1", "true")
    return bool(value)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        kind, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind == "offset" and offset.isdigit():
            return int(offset)
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise _SlackError("invalid_cursor")


def _public_message(message: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
    """A recorded message as Slack shows it to readers (history, postMessage's `message`)."""
    public: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": message["text"],
        "ts": message["ts"],
    }
    if message.get("blocks"):
        public["blocks"] = message["blocks"]
    if message.get("thread_ts"):
        public["thread_ts"] = message["thread_ts"]
    metadata = message.get("metadata")
    if with_metadata and isinstance(metadata, dict):
        public["metadata"] = {
            "event_type": metadata.get("event_type", ""),
            "event_payload": metadata.get("event_payload") or {},
        }
    return public
