"""What a command sends to other people, written to the delivery ledger in the command's own transaction.

Handlers return replies. Those for the person talking go back to the channel; `Notify` replies become
ledger rows (one batch per command, so its sender hears how they went); `Later` becomes a durable job.
Because it all happens in the command's transaction, a command that fails sends nothing and starts
nothing, and one that succeeds cannot lose what it sends.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.replies import FollowUp, Later, Notify, Reply
from bot.core.serialize import to_dict
from scheduler import lifetimes
from storage import deliveries, jobs, keys, people
from storage.enums import Priority, ReportRule
from storage.models import Person

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Posted:
    """The replies left for the person talking, and whether anything was queued for later."""

    direct: list[Reply]
    queued: bool


async def post(
    session: AsyncSession, *, sender: Person | None, replies: Sequence[Reply], lang: str, now: dt.datetime
) -> Posted:
    """Queue the Notify and Later of `replies`; return the rest."""
    notes = [reply for reply in replies if isinstance(reply, Notify)]
    later = [reply for reply in replies if isinstance(reply, Later)]
    follow = next((reply for reply in replies if isinstance(reply, FollowUp)), None)
    direct: list[Reply] = [reply for reply in replies if not isinstance(reply, Notify | Later | FollowUp)]
    # One batch per label: the sender's report covers a batch once all of it is settled, so messages
    # due much later (a workshop's reminders) go in a batch of their own, reported only on failure.
    for label in dict.fromkeys(note.batch for note in notes):
        group = [note for note in notes if note.batch == label]
        await _write_notes(session, group, sender=sender, follow=None if label else follow, now=now)
    for job in later:
        await jobs.add_job(
            session,
            kind=job.kind,
            args=job.args,
            requester_id=sender.id if sender else None,
            lang=lang,
            description=job.description,
            now=now,
        )
    return Posted(direct, bool(notes or later))


async def _write_notes(
    session: AsyncSession,
    notes: Sequence[Notify],
    *,
    sender: Person | None,
    follow: FollowUp | None,
    now: dt.datetime,
) -> None:
    unknown = sorted({n.person_key for n in notes if n.person_id is None})
    found = await people.people_by_keys(session, keys=unknown) if unknown else {}
    ids = {key: person.id for key, person in found.items()}
    batch_id = await deliveries.new_batch(
        session,
        sender_id=sender.id if sender else None,
        kind=notes[0].kind,
        audience=follow.audience if follow else None,
        report=ReportRule.ALWAYS if follow else ReportRule.FAILURES,
        now=now,
    )
    rows = []
    for note in notes:
        person_id = note.person_id or ids.get(note.person_key)
        if person_id is None:
            logger.warning("A message for an unknown person was dropped (%s)", note.kind)
            continue
        due = note.at or now
        rows.append(
            {
                "dedupe_key": note.key or _key(note, person_id),
                "person_id": person_id,
                "room": note.room,
                "kind": note.kind,
                "tip_id": note.tip_id,
                "batch_id": batch_id,
                "payload": payload(note.replies),
                "due_at": due,
                "expires_at": note.expires_at or lifetimes.expires_at(note.kind, due),
                "priority": Priority.BULK if follow else Priority.NOW,
                "created_at": now,
            }
        )
    await deliveries.enqueue(session, rows=rows)


def _key(note: Notify, person_id: int) -> str:
    """One row per reader of a tip; any other message is new."""
    return keys.tip_key(note.tip_id, person_id) if note.tip_id else keys.message_key()


def payload(replies: Sequence[Reply]) -> list[dict[str, object]]:
    """Replies as a ledger row stores them (JSON)."""
    return [p for p in (to_dict(reply) for reply in replies) if p is not None]
