"""One-time download links (bot/downloads.py): each is a `PendingAction` row of a person, of kind
DOWNLOAD until it is opened and DOWNLOADED after, that holds only a hash of the link's token, and what
it serves: an export, built when the link is used, or a small file kept with the link itself (a file
sent to the person that cannot be built again, such as an invitation's .ics).

A person has at most one live link to an export: a new one replaces the last. A link that keeps its own
file replaces no other and is replaced by none. Opening one is a conditional update (DOWNLOAD ->
DOWNLOADED), so two requests racing for the same link cannot both win.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import PendingKind
from storage.models import PendingAction

LINK_KINDS = (PendingKind.DOWNLOAD, PendingKind.DOWNLOADED)


class LinkState(StrEnum):
    """Where a link stands when someone opens it."""

    LIVE = "live"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    """Never issued, mistyped, replaced by a newer link, or its person was forgotten."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file kept with its link (base64 in the row's JSON)."""

    name: str
    mime: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Link:
    """A link found by its token: its state and, unless unknown, whose it is and what it serves (an
    export, or its own file)."""

    state: LinkState
    person_id: int = 0
    export: str = ""
    expires_at: dt.datetime | None = None
    row_id: int = 0
    file: StoredFile | None = None


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, hex. Tokens are random (secrets.token_urlsafe), so a plain
    hash is enough: nothing in the database lets anyone rebuild a link."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def issue_link(
    session: AsyncSession,
    *,
    person_id: int,
    token: str,
    export: str,
    now: dt.datetime,
    expires_at: dt.datetime,
    file: StoredFile | None = None,
) -> PendingAction:
    """Store a new link for the person, to `export` or to its own `file`, and drop every link that has
    expired. A link to an export replaces the person's previous one, used or not."""
    await session.exec(
        delete(PendingAction).where(
            col(PendingAction.kind).in_(LINK_KINDS), col(PendingAction.expires_at) <= now
        )
    )
    if file is None:
        rows = await session.exec(
            select(PendingAction).where(
                col(PendingAction.kind).in_(LINK_KINDS), col(PendingAction.person_id) == person_id
            )
        )
        previous = [row.id for row in rows if "file" not in row.data]
        if previous:
            await session.exec(delete(PendingAction).where(col(PendingAction.id).in_(previous)))
    data: dict[str, object] = {"token_sha256": token_hash(token), "export": export}
    if file is not None:
        content = base64.b64encode(file.content).decode("ascii")
        data["file"] = {"name": file.name, "mime": file.mime, "content": content}
    row = PendingAction(person_id=person_id, kind=PendingKind.DOWNLOAD, data=data, expires_at=expires_at)
    session.add(row)
    await session.flush()
    return row


async def find_link(session: AsyncSession, *, token: str, now: dt.datetime) -> Link:
    """The link of this token, and where it stands; changes nothing."""
    wanted = token_hash(token)
    rows = await session.exec(select(PendingAction).where(col(PendingAction.kind).in_(LINK_KINDS)))
    for row in rows:
        stored = str(row.data.get("token_sha256") or "")
        if not hmac.compare_digest(stored, wanted):
            continue
        if row.expires_at <= now:
            state = LinkState.EXPIRED
        elif row.kind == PendingKind.DOWNLOADED:
            state = LinkState.USED
        else:
            state = LinkState.LIVE
        export = str(row.data.get("export") or "")
        return Link(state, row.person_id, export, row.expires_at, row.id or 0, _stored(row.data.get("file")))
    return Link(LinkState.UNKNOWN)


def _stored(data: object) -> StoredFile | None:
    """The file a link keeps, if any (None for an export link, or one whose file cannot be read)."""
    if not isinstance(data, dict):
        return None
    try:
        content = base64.b64decode(str(data["content"]), validate=True)
    except (KeyError, binascii.Error):
        return None
    return StoredFile(
        str(data.get("name") or "file"), str(data.get("mime") or "application/octet-stream"), content
    )


async def use_link(session: AsyncSession, *, token: str, now: dt.datetime) -> Link:
    """Open a link: LIVE once, and from then on USED (or EXPIRED, or UNKNOWN)."""
    link = await find_link(session, token=token, now=now)
    if link.state != LinkState.LIVE:
        return link
    result = await session.exec(
        update(PendingAction)
        .where(col(PendingAction.id) == link.row_id, col(PendingAction.kind) == PendingKind.DOWNLOAD)
        .values(kind=PendingKind.DOWNLOADED)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return Link(LinkState.USED, link.person_id, link.export, link.expires_at, link.row_id, link.file)
    return link
