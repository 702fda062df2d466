"""A local fake of the Bot Connector service over real HTTP (aiohttp on 127.0.0.1) that records every call.

Activities sent to Tandem carry `serviceUrl = fake.url`; the real Agents SDK then posts its replies and
proactive messages here, exactly as it would to Teams:

- `POST /v3/conversations/{id}/activities` and `.../activities/{replyToId}`: a message, recorded;
- `PUT /v3/conversations/{id}/activities/{activityId}`: an update, recorded;
- `GET /v3/conversations/{id}/members/{memberId}`: a member added with `add_member`, or 404;
- `GET /v3/conversations/{id}/pagedmembers?pageSize=N`: the first N of the room's roster (`rosters`), with a
  continuation token when there are more, or 404 for a conversation without one.

`fail(status, times)` answers the next sends with that status (429 carries `Retry-After: 0`).

It also serves the files people send in a personal chat (`add_file`): the attachment Teams puts in the
message, whose `downloadUrl` is pre-authenticated (no token), answered here with the file's bytes
(`GET /files/{id}/{name}`); `file_faults` answers the next downloads with those statuses.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.serve import serve_local


@dataclass
class Sent:
    """One activity the bot sent, as the connector received it."""

    conversation: str
    activity: dict[str, Any]
    reply_to: str | None = None
    authorization: str | None = None

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def text(self) -> str:
        """Everything the person can read in it: the text and every TextBlock of its cards."""
        parts = [self.activity.get("text") or ""]
        for card in self.cards:
            parts.extend(_texts(card))
        return "\n".join(p for p in parts if p)


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") in ("TextBlock", "TextRun") and "text" in node else []
        found += [f"{fact.get('title', '')} {fact.get('value', '')}" for fact in node.get("facts") or []]
        for key, value in node.items():
            if key not in ("text", "facts"):
                found.extend(_texts(value))
        return found
    if isinstance(node, list):
        return [text for item in node for text in _texts(item)]
    return []


@dataclass
class FakeConnector:
    sent: list[Sent] = field(default_factory=list)
    updates: list[Sent] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[int] = field(default_factory=list)
    refusing: dict[str, int] = field(default_factory=dict)
    rosters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """conversation id -> its members, for the paged member list."""
    roster_reads: int = 0
    """conversation id -> the status every send into it gets (403: the bot was removed there)."""
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """file id -> (name, content): what `add_file` serves."""
    file_faults: list[int] = field(default_factory=list)
    downloads: list[tuple[str, str | None]] = field(default_factory=list)
    """Each file download: the file id and the Authorization header it came with (there should be none)."""
    url: str = ""
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    def add_member(self, member_id: str, *, name: str, aad: str, **extra: Any) -> None:
        self.members[member_id] = {"id": member_id, "name": name, "aadObjectId": aad, **extra}

    def add_file(self, name: str, content: bytes, *, file_type: str = "csv") -> dict[str, Any]:
        """A file someone sends in their personal chat with the bot: the attachment Teams adds to the
        message (`application/vnd.microsoft.teams.file.download.info`), its download URL on this fake."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = (name, content)
        return {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/someone/Documents/{name}",
            "name": name,
            "content": {
                "downloadUrl": f"{self.url}files/{file_id}/{name}",
                "uniqueId": file_id,
                "fileType": file_type,
            },
        }

    def fail(self, status: int, times: int = 1) -> None:
        self.faults.extend([status] * times)

    def to(self, conversation: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation == conversation]

    def texts(self, conversation: str) -> list[str]:
        return [s.text for s in self.to(conversation)]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._put)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/v3/conversations/{conversation}/pagedmembers", self._paged)
        app.router.add_get("/files/{file}/{name}", self._file)
        self._runner, url = await serve_local(app)
        self.url = f"{url}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        refused = self.refusing.get(request.match_info["conversation"])
        if refused is not None:
            return web.json_response({"error": {"code": "BotNotInConversationRoster"}}, status=refused)
        if self.faults:
            status = self.faults.pop(0)
            headers = {"Retry-After": "0"} if status == 429 else {}
            return web.json_response({"error": {"code": "Fault"}}, status=status, headers=headers)
        activity = await request.json()
        self.sent.append(
            Sent(
                request.match_info["conversation"],
                activity,
                request.match_info.get("reply_to"),
                request.headers.get("Authorization"),
            )
        )
        return web.json_response({"id": f"act-{next(self._ids)}"}, status=201)

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file"]
        self.downloads.append((file_id, request.headers.get("Authorization")))
        if file_id not in self.files:
            return web.Response(status=404, text="not found")
        if self.file_faults:
            return web.Response(status=self.file_faults.pop(0), text="fault")
        return web.Response(body=self.files[file_id][1], content_type="application/octet-stream")

    async def _put(self, request: web.Request) -> web.Response:
        activity = await request.json()
        self.updates.append(
            Sent(request.match_info["conversation"], activity, request.match_info["activity"])
        )
        return web.json_response({"id": request.match_info["activity"]})

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response(member)

    async def _paged(self, request: web.Request) -> web.Response:
        self.roster_reads += 1
        roster = self.rosters.get(request.match_info["conversation"])
        if roster is None:
            return web.json_response({"error": {"code": "ConversationNotFound"}}, status=404)
        size = int(request.query.get("pageSize", "200"))
        page: dict[str, Any] = {"members": roster[:size]}
        if len(roster) > size:
            page["continuationToken"] = f"after-{size}"
        return web.json_response(page)
