"""One-time download links (bot/downloads.py): each is a `PendingAction` row of a person, of kind
DOWNLOAD until it is opened and DOWNLOADED after, that holds only a hash of the link's token.

A person has at most one live link: a new one replaces the last. Opening one is a conditional update
(DOWNLOAD -> DOWNLOADED), so two requests racing for the same link cannot both win.
"""

from __future__ import annotations

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
class Link:
    """A link found by its token: its state and, unless unknown, whose it is and what it serves."""

    state: LinkState
    person_id: int = 0
    export: str = ""
    expires_at: dt.datetime | None = None
    row_id: int = 0


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
) -> PendingAction:
    """Store a new link for the person (their previous one, used or not, goes), and drop every link
    that has expired."""
    await session.exec(
        delete(PendingAction).where(
            col(PendingAction.kind).in_(LINK_KINDS),
            (col(PendingAction.person_id) == person_id) | (col(PendingAction.expires_at) <= now),
        )
    )
    row = PendingAction(
        person_id=person_id,
        kind=PendingKind.DOWNLOAD,
        data={"token_sha256": token_hash(token), "export": export},
        expires_at=expires_at,
    )
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
        return Link(state, row.person_id, export, row.expires_at, row.id or 0)
    return Link(LinkState.UNKNOWN)


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
        return Link(LinkState.USED, link.person_id, link.export, link.expires_at, link.row_id)
    return link
