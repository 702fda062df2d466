"""The dispatcher's carrier: composes claimed ledger rows into replies, hands each to its channel's
outlet, and tells senders how their messages went.

Tips, completions and digests are composed when they are sent, in the recipient's language; every other
row carries its replies (`payload`) from the command that wrote it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import meetings, outbox
from bot.core.cards import tip_card
from bot.core.commands import confidence, nudge
from bot.core.commands.push import tip_reply
from bot.core.commands.review import review_message
from bot.core.dates import format_day
from bot.core.replies import Reply, Text
from bot.core.schedule import zone_of
from bot.core.serialize import from_dict
from bot.core.text import neutralize
from bot.digest import digest_message
from bot.i18n import register, t
from bot.outlets import Destination, Item, Outlet, Outlets
from lessons import Library
from scheduler import dispatch, lifetimes
from storage import activity, cohorts, deliveries, keys, people, progress, reviews, rooms
from storage.db import Database
from storage.deliveries import BatchState, Claim, Missed
from storage.enums import DeliveryKind, DeliveryStatus, Priority, ReportRule
from storage.models import CustomTip, Person

logger = logging.getLogger(__name__)

register(
    {
        "drip.intro": {"en": "Your tip of the day:", "fr": "Votre conseil du jour :"},
        "drip.complete": {
            "en": "Bravo, you have finished the track *{track}*! You received {lessons} of its {total} lessons.",
            "fr": "Bravo, vous avez terminé le parcours *{track}*\u202f! Vous avez reçu {lessons} de ses "
            "{total} leçons.",
        },
        "drip.complete_quiz": {
            "en": "Its quizzes: {right} right out of the {answered} you answered.",
            "fr": "Ses quiz\u202f: {right} bonnes réponses sur les {answered} auxquels vous avez répondu.",
        },
        "drip.complete_no_quiz": {
            "en": "You have not answered its quizzes: each lesson’s *Quiz me* button still works.",
            "fr": "Vous n’avez pas répondu à ses quiz\u202f: le bouton *Un petit quiz* de chaque leçon "
            "fonctionne toujours.",
        },
        "drip.next_track": {
            "en": "Ready for more? The track *{track}* (`{id}`) is a good next step: ask your programme admin.",
            "fr": "Envie de continuer ? Le parcours *{track}* (`{id}`) est une bonne suite : "
            "demandez-le à l’administrateur du programme.",
        },
        # What the sender hears. {what} names the message, by kind.
        "outcome.what.tip": {"en": "Your tip", "fr": "Votre conseil"},
        "outcome.what.pairing": {"en": "The pairing notice", "fr": "L’annonce du binôme"},
        "outcome.what.question": {"en": "Your question", "fr": "Votre question"},
        "outcome.what.answer": {"en": "Your answer", "fr": "Votre réponse"},
        "outcome.what.notice": {"en": "Your message", "fr": "Votre message"},
        "outcome.all_cohort": {
            "en": "{what} reached everyone in the cohort {cohort} ({count} people).",
            "fr": "{what} est bien arrivé chez tout le monde dans la cohorte {cohort} ({count} personnes).",
        },
        "outcome.some_cohort": {
            "en": "{what} reached {reached} of the {count} people of the cohort {cohort}.",
            "fr": "{what} est arrivé chez {reached} des {count} personnes de la cohorte {cohort}.",
        },
        "outcome.all": {
            "en": "{what} reached everyone ({count} people).",
            "fr": "{what} est bien arrivé chez tout le monde ({count} personnes).",
        },
        "outcome.some": {
            "en": "{what} reached {reached} of {count} people.",
            "fr": "{what} est arrivé chez {reached} personnes sur {count}.",
        },
        "outcome.one_held": {
            "en": "{what} could not reach {name} for now ({reason}). It will go out as soon as they can be "
            "reached again, until {until}.",
            "fr": "{what} n’a pas pu arriver chez {name} pour l’instant ({reason}). Il partira dès que "
            "cette personne sera de nouveau joignable, jusqu’au {until}.",
        },
        "outcome.one_held_always": {
            "en": "{what} could not reach {name} for now ({reason}). It will go out as soon as they can be "
            "reached again.",
            "fr": "{what} n’a pas pu arriver chez {name} pour l’instant ({reason}). Il partira dès que "
            "cette personne sera de nouveau joignable.",
        },
        "outcome.one_expired": {
            "en": "{what} could not reach {name} in time and was given up ({reason}).",
            "fr": "{what} n’a pas pu arriver à temps chez {name} et a été abandonné ({reason}).",
        },
        "outcome.one_failed": {
            "en": "{what} for {name} could not be sent ({reason}).",
            "fr": "{what} pour {name} n’a pas pu être envoyé ({reason}).",
        },
        "outcome.one_room_failed": {
            "en": "{what} could not be posted in the channel or chat ({reason}).",
            "fr": "{what} n’a pas pu être publié dans le canal ou la conversation ({reason}).",
        },
        "outcome.held": {
            "en": "- {name} cannot be reached for now ({reason}). It will go out as soon as they can be "
            "reached again, until {until}.",
            "fr": "- {name} n’est pas joignable pour l’instant ({reason}). Le message partira dès que "
            "cette personne sera de nouveau joignable, jusqu’au {until}.",
        },
        "outcome.held_always": {
            "en": "- {name} cannot be reached for now ({reason}). It will go out as soon as they can be "
            "reached again.",
            "fr": "- {name} n’est pas joignable pour l’instant ({reason}). Le message partira dès que "
            "cette personne sera de nouveau joignable.",
        },
        "outcome.expired": {
            "en": "- {name}: given up, they could not be reached in time ({reason}).",
            "fr": "- {name} : abandonné, la personne n’a pas pu être jointe à temps ({reason}).",
        },
        "outcome.failed": {
            "en": "- {name}: it could not be sent ({reason}).",
            "fr": "- {name} : il n’a pas pu être envoyé ({reason}).",
        },
        "outcome.room_failed": {
            "en": "- the channel or chat: it could not be posted there ({reason}).",
            "fr": "- le canal ou la conversation : il n’a pas pu y être publié ({reason}).",
        },
        "outcome.gave_up": {
            "en": "{what} could not reach everyone in time and was given up for:",
            "fr": "{what} n’a pas pu arriver à temps et a été abandonné pour :",
        },
        "outcome.no_reason": {"en": "no reason given", "fr": "sans raison indiquée"},
        "reason.account_inactive": {"en": "account deactivated", "fr": "compte désactivé"},
        "reason.user_not_found": {"en": "no such account", "fr": "compte introuvable"},
        "reason.user_disabled": {"en": "account disabled", "fr": "compte désactivé"},
        "reason.channel_not_found": {"en": "conversation not found", "fr": "conversation introuvable"},
        "reason.not_in_channel": {
            "en": "Tandem is not in that channel or chat: add it there first",
            "fr": "Tandem n’est pas dans ce canal ou cette conversation : ajoutez-le d’abord",
        },
        "reason.room_unknown": {
            "en": "Tandem cannot write in that chat yet: add it to the chat, or mention it there once",
            "fr": "Tandem ne peut pas encore écrire dans cette conversation : ajoutez-le à la "
            "conversation, ou mentionnez-le une fois",
        },
        "reason.is_archived": {"en": "conversation archived", "fr": "conversation archivée"},
        "reason.cannot_dm_bot": {"en": "cannot receive messages", "fr": "ne peut pas recevoir de messages"},
        "reason.not_installed": {
            "en": "Tandem is not installed for them yet",
            "fr": "Tandem n’est pas encore installé chez cette personne",
        },
        "reason.app_removed": {"en": "they removed Tandem", "fr": "cette personne a retiré Tandem"},
        "reason.uninstalled": {
            "en": "Tandem was uninstalled from their workspace",
            "fr": "Tandem a été désinstallé de leur espace de travail",
        },
        "reason.revoked": {"en": "Tandem’s access was revoked", "fr": "l’accès de Tandem a été révoqué"},
        "reason.blocked": {
            "en": "Tandem is no longer allowed to write to them",
            "fr": "Tandem n’a plus le droit de leur écrire",
        },
    }
)

REASON_WORDS = {
    "account_inactive": "reason.account_inactive",
    "user_not_found": "reason.user_not_found",
    "user_disabled": "reason.user_disabled",
    "channel_not_found": "reason.channel_not_found",
    "not_in_channel": "reason.not_in_channel",
    "room_unknown": "reason.room_unknown",
    "is_archived": "reason.is_archived",
    "cannot_dm_bot": "reason.cannot_dm_bot",
    "not_installed": "reason.not_installed",
    "waiting for them to open tandem": "reason.not_installed",
    "app removed": "reason.app_removed",
    "teams app removed": "reason.app_removed",
    "slack app uninstalled": "reason.uninstalled",
    "slack tokens revoked": "reason.revoked",
    "invalid_auth": "reason.revoked",
    "token_revoked": "reason.revoked",
    "not_authed": "reason.revoked",
    "teams http 403": "reason.blocked",
    "teams http 404": "reason.blocked",
}


def reason_words(reason: str | None, lang: str) -> str:
    """A stored failure reason (a platform's error code, usually) in the reader's words."""
    if not reason:
        return t("outcome.no_reason", lang)
    lowered = reason.strip().lower()
    for code, key in REASON_WORDS.items():
        if lowered == code or lowered.startswith(code + ":") or lowered.startswith(code + " "):
            return t(key, lang)
    return reason[:120]


@dataclass(slots=True)
class Parcel:
    """One claimed row, composed for its destination, with the outlet that carries it."""

    claim: Claim
    conversation: str
    item: Item
    outlet: Outlet

    @property
    def paced(self) -> bool:
        return bool(getattr(self.outlet, "paced", True))


class HasLibrary(Protocol):
    """Where the current lesson library is (the LessonStore, which `reload` swaps)."""

    @property
    def library(self) -> Library: ...


def _own(parcel: dispatch.Parcel) -> Parcel:
    """The dispatcher hands back the parcels this carrier prepared."""
    if not isinstance(parcel, Parcel):
        raise TypeError(f"not a parcel of the ledger carrier: {type(parcel).__name__}")
    return parcel


class LedgerCarrier:
    """Loads what claimed rows need in bulk, composes their messages, and sends them through outlets."""

    def __init__(self, db: Database, library_ref: HasLibrary, outlets: Outlets, *, default_tz: str) -> None:
        self.db = db
        self._library_ref = library_ref
        self.outlets = outlets
        self.default_tz = default_tz
        """TANDEM_DEFAULT_TZ, for the zone the senders' reports say dates in."""

    @property
    def library(self) -> Library:
        return self._library_ref.library

    @property
    def platforms(self) -> Sequence[str]:
        return self.outlets.platforms

    # --- composing ------------------------------------------------------------------------------------

    async def prepare(self, claims: Sequence[Claim]) -> dict[int, dispatch.Parcel]:
        async with self.db.transaction() as session:
            persons = await people.people_by_ids(session, ids=sorted({c.person_id for c in claims}))
            tip_rows = await activity.tips_by_ids(
                session, ids=sorted({c.tip_id for c in claims if c.tip_id is not None and not c.payload})
            )
            authors = await people.people_by_ids(
                session, ids=sorted({tip.author_id for tip in tip_rows.values()})
            )
            conversations = await rooms.room_conversations(
                session, keys=[claim.room for claim in claims if claim.room]
            )
            extras: dict[int, list[Reply]] = {}
            follow = await confidence.follow_ups(session, persons, claims, self.library)  # 1-to-5 questions
            for claim in claims:
                person = persons.get(claim.person_id)
                if person is None:
                    continue
                if claim.kind == DeliveryKind.COMPLETE:
                    extras[claim.delivery_id] = await completion_message(
                        session, person, claim.enrollment_id, self.library
                    )
                elif claim.kind == DeliveryKind.DIGEST:
                    extras[claim.delivery_id] = await digest_message(session, person, self.library)
                elif claim.kind == DeliveryKind.REVIEW:
                    extras[claim.delivery_id] = await self._review(session, claim, person)
                elif claim.kind == DeliveryKind.NUDGE:
                    extras[claim.delivery_id] = await nudge.compose(session, person, claim, self.default_tz)
                elif claim.kind == DeliveryKind.MEETING and not claim.payload:  # ask, brief, nudge
                    extras[claim.delivery_id] = await meetings.compose(
                        session, person, claim.dedupe_key, self.library, self.default_tz
                    )
        parcels: dict[int, dispatch.Parcel] = {}
        for claim in claims:
            person = persons.get(claim.person_id)
            outlet = self.outlets.for_platform(claim.platform)
            if person is None or outlet is None:
                continue
            replies = extras.get(claim.delivery_id)
            if replies is None:
                replies = self._compose(claim, person, tip_rows, authors)
            if replies:
                replies = [*replies, *follow.get(claim.delivery_id, [])]
                destination = _destination(person, claim.room, conversations)
                item = Item(claim.dedupe_key, destination, tuple(replies), recovered=claim.recovered)
                parcels[claim.delivery_id] = Parcel(claim, claim.room or person.key, item, outlet)
        return parcels

    async def _review(self, session: AsyncSession, claim: Claim, person: Person) -> list[Reply]:
        """A review question, composed when sent: a variant of the lesson's quiz in the learner's
        language (never the one asked last time), under a header naming the lesson and when it came.
        Nothing when the lesson or the card is gone (the learner forgotten, the lesson removed)."""
        lesson = self.library.get(claim.lesson_id or "", person.lang)
        card = await reviews.card_of(session, person_id=person.id or 0, lesson_id=claim.lesson_id or "")
        if card is not None and lesson is None:
            await reviews.retire(session, person_id=person.id or 0, lesson_id=card.lesson_id)
        if lesson is None or card is None:
            return []
        zone = await zone_of(session, person, self.default_tz)
        return await review_message(session, person, card, lesson, zone)

    def _compose(
        self,
        claim: Claim,
        person: Person,
        tip_rows: dict[int, CustomTip],
        authors: dict[int, Person],
    ) -> list[Reply]:
        if claim.payload:
            return [r for r in (from_dict(p, self.library) for p in claim.payload) if r is not None]
        if claim.kind == DeliveryKind.LESSON and claim.lesson_id:
            lesson = self.library.get(claim.lesson_id, person.lang)
            return [tip_card(lesson, intro=t("drip.intro", person.lang))] if lesson else []
        if claim.kind == DeliveryKind.TIP and claim.tip_id is not None:
            tip = tip_rows.get(claim.tip_id)
            author = authors.get(tip.author_id) if tip else None
            return [tip_reply(author, tip.text, person.lang)] if tip and author else []
        return []

    # --- sending --------------------------------------------------------------------------------------

    async def send(self, parcel: dispatch.Parcel) -> None:
        mine = _own(parcel)
        await mine.outlet.deliver(mine.item)

    async def arrived(self, parcel: dispatch.Parcel) -> bool:
        mine = _own(parcel)
        return await mine.outlet.arrived(mine.item)

    # --- telling senders ------------------------------------------------------------------------------

    async def settle(self, batch_ids: set[int], now: dt.datetime) -> None:
        """For each batch whose rows are all settled, its sender's report, once; and a later note when
        messages that were waiting for someone out of reach are given up."""
        async with self.db.transaction() as session:
            states = await deliveries.batch_states(session, batch_ids=batch_ids)
            senders = await people.people_by_ids(
                session, ids=sorted({s.batch.sender_id for s in states if s.batch.sender_id})
            )
            rows = []
            for state in states:
                sender = senders.get(state.batch.sender_id or 0)
                if sender is None or not state.settled:
                    continue
                row = await self._report_row(session, state, sender, now)
                if row is not None:
                    rows.append(row)
            await deliveries.enqueue(session, rows=rows)

    async def _report_row(
        self, session: AsyncSession, state: BatchState, sender: Person, now: dt.datetime
    ) -> dict[str, Any] | None:
        batch = state.batch
        zone = await zone_of(session, sender, self.default_tz)
        if batch.reported_at is None:
            text = report_text(state, sender.lang, zone)
            if not await deliveries.mark_reported(session, batch_id=batch.id or 0, now=now) or text is None:
                return None
            key = keys.outcome_key(batch.id or 0)
        else:
            late = [
                m for m in state.missed if m.status == DeliveryStatus.EXPIRED and _after(m, batch.reported_at)
            ]
            if not late:
                return None
            text = given_up_text(state, late, sender.lang, zone)
            key = keys.given_up_key(batch.id or 0, max(m.delivery_id for m in late))
        return {
            "dedupe_key": key,
            "person_id": sender.id,
            "kind": DeliveryKind.OUTCOME,
            "payload": outbox.payload([Text(text)]),
            "due_at": now,
            "expires_at": lifetimes.expires_at(DeliveryKind.OUTCOME, now),
            "priority": Priority.NOW,
            "created_at": now,
        }


def _destination(person: Person, room: str | None, conversations: dict[str, dict[str, Any]]) -> Destination:
    """The person's direct messages; or the room a row is for, with the room's stored conversation
    reference (the person then answers for it)."""
    conversation = conversations.get(room) if room else person.conversation
    return Destination(person.key, person.platform, person.display_name, person.id, conversation, room)


def _after(missed: Missed, moment: dt.datetime) -> bool:
    return missed.expires_at is not None and missed.expires_at > moment


_WHAT_KINDS = frozenset({DeliveryKind.TIP, DeliveryKind.PAIRING, DeliveryKind.QUESTION, DeliveryKind.ANSWER})


def _what(kind: str, lang: str) -> str:
    """How the sender's message is named: "Your tip", "Your answer", "Your message"…"""
    return t(f"outcome.what.{kind}" if kind in _WHAT_KINDS else "outcome.what.notice", lang)


def _name(missed: Missed) -> str:
    return f"**{neutralize(missed.name, 80)}**"


def missed_line(missed: Missed, lang: str, zone: ZoneInfo, *, what: str | None = None) -> str:
    """One recipient not reached, as a list line; with `what`, as the whole sentence about one message.
    The day a held message is given up is said in the sender's `zone`."""
    values: dict[str, object] = {"name": _name(missed), "reason": reason_words(missed.error, lang)}
    prefix = "outcome.one_" if what is not None else "outcome."
    if what is not None:
        values["what"] = what
    if missed.status == DeliveryStatus.HELD:
        if missed.expires_at is None:
            return t(f"{prefix}held_always", lang, **values)
        until = format_day(missed.expires_at.astimezone(zone).date(), lang)
        return t(f"{prefix}held", lang, until=until, **values)
    if missed.status == DeliveryStatus.EXPIRED:
        return t(f"{prefix}expired", lang, **values)
    if missed.room:  # a room the bot could not post in: the person it was for is not the matter
        return t(f"{prefix}room_failed", lang, **values)
    return t(f"{prefix}failed", lang, **values)


def report_text(state: BatchState, lang: str, zone: ZoneInfo) -> str | None:
    """The sender's report on a settled batch; None when its rule says there is nothing to tell."""
    batch = state.batch
    sent = state.counts.get(DeliveryStatus.SENT, 0)
    total = state.total
    what = _what(batch.kind, lang)
    if not state.missed:
        if batch.report != ReportRule.ALWAYS or not total:
            return None
        if batch.audience:
            return t("outcome.all_cohort", lang, what=what, count=total, cohort=_cohort(batch.audience))
        return t("outcome.all", lang, what=what, count=total)
    if total == 1 and not batch.audience:
        return missed_line(state.missed[0], lang, zone, what=what)
    if batch.audience:
        header = t(
            "outcome.some_cohort", lang, what=what, reached=sent, count=total, cohort=_cohort(batch.audience)
        )
    else:
        header = t("outcome.some", lang, what=what, reached=sent, count=total)
    return "\n".join([header, *(missed_line(m, lang, zone) for m in state.missed)])


def _cohort(name: str) -> str:
    return f"`{neutralize(name, 60)}`"


def given_up_text(state: BatchState, late: Sequence[Missed], lang: str, zone: ZoneInfo) -> str:
    if state.total == 1 and not state.batch.audience:
        return missed_line(late[0], lang, zone, what=_what(state.batch.kind, lang))
    header = t("outcome.gave_up", lang, what=_what(state.batch.kind, lang))
    return "\n".join([header, *(missed_line(m, lang, zone) for m in late)])


# --- messages composed when sent ----------------------------------------------------------------------


async def completion_message(
    session: AsyncSession, person: Person, enrollment_id: int | None, library: Library
) -> list[Reply]:
    """Congratulations, a look back on this enrollment's track (its lessons received and its quiz score,
    each lesson's quiz counted once), and the next track to try. Composed when sent, so the score
    counts every answer given until then."""
    found = (
        await cohorts.enrollment_with_cohort(session, enrollment_id=enrollment_id) if enrollment_id else None
    )
    track_id = found[1].track_id if found else ""
    order = [other for other in library.tracks if not library.for_mentors(other)]
    track = library.tracks.get(track_id)
    summary = await progress.track_summary(
        session,
        enrollment_id=enrollment_id or 0,
        person_id=person.id or 0,
        lesson_ids=track.lessons if track else (),
    )
    lang = person.lang
    title = track.title(lang) if track else neutralize(track_id, 64)
    lines = [t("drip.complete", lang, track=title, lessons=summary.lessons, total=summary.total)]
    if summary.answered:
        lines.append(t("drip.complete_quiz", lang, right=summary.right, answered=summary.answered))
    else:
        lines.append(t("drip.complete_no_quiz", lang))
    if track_id in order and order.index(track_id) + 1 < len(order):
        following = library.tracks[order[order.index(track_id) + 1]]
        lines.append(t("drip.next_track", lang, track=following.title(lang), id=following.id))
    return [Text("\n".join(lines))]
