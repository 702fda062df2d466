"""Invitations to join a cohort, as the delivery ledger keeps them (keys.cohort_invite_key): who was
invited already, and whether someone pressing **Join** was invited at all. The invitation is an ordinary
ledger row; nothing else is stored for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import keys
from storage.enums import DeliveryStatus
from storage.models import Delivery
from storage.sql import starts_with

GONE = (DeliveryStatus.EXPIRED, DeliveryStatus.FAILED)
"""An invitation in one of these states never reached its person: they may be invited again."""
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Invited:
    """One person's invitations to one cohort: how many were written, and whether one still stands
    (sent, or waiting to be)."""

    count: int
    standing: bool


async def invitations_to(
    session: AsyncSession, *, cohort_id: int, person_ids: Sequence[int]
) -> dict[int, Invited]:
    """Person id -> their invitations to the cohort, for those of `person_ids` who have any."""
    found: dict[int, Invited] = {}
    wanted = sorted(set(person_ids))
    prefix = keys.cohort_invite_prefix(cohort_id)
    for start in range(0, len(wanted), CHUNK):
        query = select(Delivery.person_id, Delivery.status).where(
            col(Delivery.person_id).in_(wanted[start : start + CHUNK]),
            starts_with(col(Delivery.dedupe_key), prefix),
        )
        for person_id, status in await session.exec(query):
            before = found.get(person_id, Invited(0, False))
            found[person_id] = Invited(before.count + 1, before.standing or status not in GONE)
    return found


async def was_invited(session: AsyncSession, *, cohort_id: int, person_id: int) -> bool:
    """Whether the cohort ever invited this person (a Join button is theirs only then)."""
    query = select(Delivery.id).where(
        col(Delivery.person_id) == person_id,
        starts_with(col(Delivery.dedupe_key), keys.cohort_invite_prefix(cohort_id, person_id)),
    )
    return (await session.exec(query.limit(1))).first() is not None
