"""Signing in to the web dashboard (bot/web/auth.py): one-time sign-in links, sessions, and the secret
that signs the session cookie.

A sign-in link is a `PendingAction` row of its person, of kind DASHBOARD_LINK until it is used and
DASHBOARD_LINK_USED after, that holds only the SHA-256 of the link's token. A person has at most one
unused link: a new one replaces the older ones. Using one is a conditional update (DASHBOARD_LINK ->
DASHBOARD_LINK_USED), so two requests racing for the same link cannot both win. Expired links go
whenever a new one is issued.

A session is a WEB_SESSION row: the SHA-256 of the cookie's token and the session's CSRF token. The
cookie names the row by its id, so finding a session reads one row by its primary key.

The cookie-signing secret is a `Secret` row made once, by whichever process needs it first: every
replica then signs and checks cookies with the same key.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.downloads import LinkState, token_hash
from storage.enums import PendingKind
from storage.models import PendingAction, Secret
from storage.sql import dialect_insert
from storage.types import utcnow

__all__ = [
    "LINK_KINDS",
    "LinkState",
    "SignInLink",
    "WebSession",
    "end_session",
    "end_sessions_of",
    "find_link",
    "find_session",
    "issue_link",
    "secret",
    "start_session",
    "token_hash",
    "use_link",
]

LINK_KINDS = (PendingKind.DASHBOARD_LINK, PendingKind.DASHBOARD_LINK_USED)


@dataclass(frozen=True, slots=True)
class SignInLink:
    """A sign-in link found by its token: where it stands and, unless unknown, whose it is."""

    state: LinkState
    person_id: int = 0
    expires_at: dt.datetime | None = None
    row_id: int = 0


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live dashboard session: whose it is, its CSRF token and when it ends."""

    id: int
    person_id: int
    csrf: str
    expires_at: dt.datetime


# --- sign-in links -----------------------------------------------------------------------------------------


async def issue_link(
    session: AsyncSession, *, person_id: int, token: str, now: dt.datetime, expires_at: dt.datetime
) -> PendingAction:
    """Store a new sign-in link for the person: their older unused links go (a used one stays until it
    expires, so reusing it is still told "already used"), and so does every expired link."""
    await session.exec(
        delete(PendingAction).where(
            col(PendingAction.kind).in_(LINK_KINDS),
            (
                (col(PendingAction.person_id) == person_id)
                & (col(PendingAction.kind) == PendingKind.DASHBOARD_LINK)
            )
            | (col(PendingAction.expires_at) <= now),
        )
    )
    row = PendingAction(
        person_id=person_id,
        kind=PendingKind.DASHBOARD_LINK,
        data={"token_sha256": token_hash(token)},
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return row


async def find_link(session: AsyncSession, *, token: str, now: dt.datetime) -> SignInLink:
    """The sign-in link of this token and where it stands; changes nothing. Links live ten minutes and
    expired ones are dropped as new ones are issued, so there are only ever a few rows to compare."""
    wanted = token_hash(token)
    rows = await session.exec(select(PendingAction).where(col(PendingAction.kind).in_(LINK_KINDS)))
    for row in rows:
        stored = str(row.data.get("token_sha256") or "")
        if not hmac.compare_digest(stored, wanted):
            continue
        if row.expires_at <= now:
            state = LinkState.EXPIRED
        elif row.kind == PendingKind.DASHBOARD_LINK_USED:
            state = LinkState.USED
        else:
            state = LinkState.LIVE
        return SignInLink(state, row.person_id, row.expires_at, row.id or 0)
    return SignInLink(LinkState.UNKNOWN)


async def use_link(session: AsyncSession, *, token: str, now: dt.datetime) -> SignInLink:
    """Use a sign-in link: LIVE for the one request that wins it, USED for any other (or EXPIRED, or
    UNKNOWN). The update is conditional on the row still being unused, so of two racing requests only
    one changes it."""
    link = await find_link(session, token=token, now=now)
    if link.state != LinkState.LIVE:
        return link
    result = await session.exec(
        update(PendingAction)
        .where(
            col(PendingAction.id) == link.row_id,
            col(PendingAction.kind) == PendingKind.DASHBOARD_LINK,
        )
        .values(kind=PendingKind.DASHBOARD_LINK_USED)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return SignInLink(LinkState.USED, link.person_id, link.expires_at, link.row_id)
    return link


# --- sessions ----------------------------------------------------------------------------------------------


async def start_session(
    session: AsyncSession,
    *,
    person_id: int,
    token: str,
    csrf: str,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> WebSession:
    """A new session for the person (only the hash of its cookie token is kept); expired sessions of
    anyone go."""
    await session.exec(
        delete(PendingAction).where(
            col(PendingAction.kind) == PendingKind.WEB_SESSION, col(PendingAction.expires_at) <= now
        )
    )
    row = PendingAction(
        person_id=person_id,
        kind=PendingKind.WEB_SESSION,
        data={"token_sha256": token_hash(token), "csrf": csrf},
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return WebSession(row.id or 0, person_id, csrf, expires_at)


async def find_session(
    session: AsyncSession, *, session_id: int, token: str, now: dt.datetime
) -> WebSession | None:
    """The live session with this id whose token is `token`; None when it ended, expired, or the token
    does not match."""
    row = (
        await session.exec(
            select(PendingAction).where(
                col(PendingAction.id) == session_id, col(PendingAction.kind) == PendingKind.WEB_SESSION
            )
        )
    ).first()
    if row is None or row.expires_at <= now:
        return None
    stored = str(row.data.get("token_sha256") or "")
    if not hmac.compare_digest(stored, token_hash(token)):
        return None
    return WebSession(row.id or 0, row.person_id, str(row.data.get("csrf") or ""), row.expires_at)


async def end_session(session: AsyncSession, *, session_id: int) -> bool:
    """Sign-out: the session is gone, and its cookie no longer works anywhere. False when there was none."""
    result = await session.exec(
        delete(PendingAction).where(
            col(PendingAction.id) == session_id, col(PendingAction.kind) == PendingKind.WEB_SESSION
        )
    )
    return bool(result.rowcount)


async def end_sessions_of(session: AsyncSession, *, person_id: int) -> int:
    """End every session of a person (who may no longer use the dashboard); how many there were."""
    result = await session.exec(
        delete(PendingAction).where(
            col(PendingAction.person_id) == person_id, col(PendingAction.kind) == PendingKind.WEB_SESSION
        )
    )
    return int(result.rowcount or 0)


# --- secrets -----------------------------------------------------------------------------------------------


async def secret(session: AsyncSession, *, name: str, candidate: str) -> str:
    """The secret called `name`: the stored one, or `candidate` once it is stored. Two processes that
    both find none both insert, and the primary key keeps the first: `INSERT … ON CONFLICT DO NOTHING`
    writes nothing for the second (on PostgreSQL it waits for the first to commit), which then reads the
    first one's value back."""
    statement = (
        dialect_insert(session)(Secret)
        .values(name=name, value=candidate, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    await session.exec(statement)
    stored = (await session.exec(select(Secret.value).where(Secret.name == name))).one()
    return str(stored)
