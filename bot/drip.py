"""The drip's carrier: turns claimed ledger rows into replies and hands them to the right channel."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case
from sqlmodel import col, func, select

from bot.core.args import mention
from bot.core.cards import tip_card
from bot.core.commands.push import tip_reply
from bot.core.replies import Reply, Text
from bot.i18n import register, t
from bot.outlets import Outlets
from lessons import Library
from scheduler.errors import PermanentError
from scheduler.ledger import Claim
from storage.db import Database
from storage.models import Cohort, CustomTip, Delivery, Enrollment, Feedback, Person, Question
from storage.people import mentees_of

logger = logging.getLogger(__name__)

register(
    {
        "drip.intro": {"en": "Your tip of the day:", "fr": "Votre conseil du jour :"},
        "drip.complete": {
            "en": "Bravo, you have finished the track *{track}*! You received {lessons} lessons "
            "and answered {right} of {quizzes} quizzes correctly.",
            "fr": "Bravo, vous avez terminé le parcours *{track}* ! Vous avez reçu {lessons} leçons "
            "et bien répondu à {right} quiz sur {quizzes}.",
        },
        "drip.next_track": {
            "en": "Ready for more? The track *{track}* (`{id}`) is a good next step: ask your programme admin.",
            "fr": "Envie de continuer ? Le parcours *{track}* (`{id}`) est une bonne suite : "
            "demandez-le à l’administrateur du programme.",
        },
        "drip.digest_title": {
            "en": "Your weekly mentoring digest:",
            "fr": "Votre point hebdomadaire de mentorat :",
        },
        "drip.digest_line": {
            "en": "- {name}: {lessons} lessons, quiz {right}/{quizzes}, {open} open question(s)",
            "fr": "- {name} : {lessons} leçons, quiz {right}/{quizzes}, {open} question(s) en attente",
        },
        "drip.digest_none": {
            "en": "No mentees yet.",
            "fr": "Pas encore de mentorés.",
        },
    }
)


@dataclass(slots=True)
class TipParcel:
    """One claimed delivery, composed for its person."""

    claim: Claim
    conversation: str
    person: Person
    replies: list[Reply]


class OutletCarrier:
    """Loads people and tips in bulk, composes their messages, and sends through their channel."""

    def __init__(self, db: Database, library_ref: object, outlets: Outlets) -> None:
        self.db = db
        self._library_ref = library_ref
        self.outlets = outlets

    @property
    def library(self) -> Library:
        return self._library_ref.library  # type: ignore[attr-defined,no-any-return]

    async def prepare(self, claims: Sequence[Claim]) -> dict[int, TipParcel]:
        person_ids = sorted({c.person_id for c in claims})
        tip_ids = sorted({c.tip_id for c in claims if c.tip_id is not None})
        async with self.db.transaction() as session:
            persons = {
                p.id: p for p in await session.exec(select(Person).where(col(Person.id).in_(person_ids)))
            }
            tips = {
                tip.id: tip
                for tip in await session.exec(select(CustomTip).where(col(CustomTip.id).in_(tip_ids)))
            }
            authors_ids = sorted({tip.author_id for tip in tips.values()})
            authors = {
                p.id: p for p in await session.exec(select(Person).where(col(Person.id).in_(authors_ids)))
            }
            extras = {}
            for claim in claims:
                if claim.kind in ("complete", "digest"):
                    extras[claim.delivery_id] = await self._extra(
                        session, claim, persons.get(claim.person_id)
                    )
        parcels: dict[int, TipParcel] = {}
        for claim in claims:
            person = persons.get(claim.person_id)
            if person is None:
                continue
            replies = self._compose(claim, person, tips, authors, extras.get(claim.delivery_id))
            if replies:
                parcels[claim.delivery_id] = TipParcel(claim, person.key, person, replies)
        return parcels

    def _compose(
        self,
        claim: Claim,
        person: Person,
        tips: dict[int | None, CustomTip],
        authors: dict[int | None, Person],
        extra: list[Reply] | None,
    ) -> list[Reply]:
        lang = person.lang
        if claim.kind == "lesson" and claim.lesson_id:
            lesson = self.library.get(claim.lesson_id, lang)
            return [tip_card(lesson, intro=t("drip.intro", lang))] if lesson else []
        if claim.kind == "tip":
            tip = tips.get(claim.tip_id)
            author = authors.get(tip.author_id) if tip else None
            if tip is None or author is None:
                return []
            return [tip_reply(author, tip.text, lang)]
        return extra or []

    async def _extra(self, session: object, claim: Claim, person: Person | None) -> list[Reply]:
        if person is None:
            return []
        if claim.kind == "complete":
            return await completion_message(session, person, claim.enrollment_id, self.library)
        return await digest_message(session, person)

    async def send(self, parcel: TipParcel) -> None:
        outlet = self.outlets.for_platform(parcel.person.platform)
        if outlet is None:
            raise PermanentError(f"no channel for platform {parcel.person.platform}")
        await outlet.send(parcel.person, parcel.replies, key=parcel.claim.dedupe_key)

    async def delivered(self, parcel: TipParcel) -> bool:
        outlet = self.outlets.for_platform(parcel.person.platform)
        return bool(outlet) and await outlet.delivered(parcel.person, parcel.claim.dedupe_key)  # type: ignore[union-attr]


async def _quiz_score(session: object, person_id: int) -> tuple[int, int]:
    query = select(func.count(), func.sum(case((col(Feedback.correct).is_(True), 1), else_=0))).where(
        Feedback.person_id == person_id, Feedback.kind == "quiz"
    )
    total, right = (await session.exec(query)).one()  # type: ignore[attr-defined]
    return int(right or 0), int(total or 0)


async def completion_message(
    session: object, person: Person, enrollment_id: int | None, library: Library
) -> list[Reply]:
    """Congratulations, a look back, and the next track to try."""
    enrollment = await session.get(Enrollment, enrollment_id) if enrollment_id else None  # type: ignore[attr-defined]
    lessons_query = (
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.enrollment_id == enrollment_id, Delivery.kind == "lesson", Delivery.status == "sent")
    )
    lessons = int((await session.exec(lessons_query)).one())  # type: ignore[attr-defined]
    right, quizzes = await _quiz_score(session, person.id or 0)
    cohort = await session.get(Cohort, enrollment.cohort_id) if enrollment else None  # type: ignore[attr-defined]
    order = list(library.tracks)
    track_id = cohort.track_id if cohort else ""
    track = library.tracks.get(track_id)
    lang = person.lang
    text = t(
        "drip.complete",
        lang,
        track=track.title(lang) if track else track_id,
        lessons=lessons,
        right=right,
        quizzes=quizzes,
    )
    if track_id in order and order.index(track_id) + 1 < len(order):
        following = library.tracks[order[order.index(track_id) + 1]]
        text += "\n" + t("drip.next_track", lang, track=following.title(lang), id=following.id)
    return [Text(text)]


async def digest_message(session: object, mentor: Person) -> list[Reply]:
    """Each mentee's progress and open questions, for the mentor's weekly digest."""
    lang = mentor.lang
    mentees = await mentees_of(session, mentor_id=mentor.id or 0)  # type: ignore[arg-type]
    lines = [t("drip.digest_title", lang)]
    if not mentees:
        lines.append(t("drip.digest_none", lang))
    for mentee in mentees:
        lessons_query = (
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.person_id == mentee.id, Delivery.kind == "lesson", Delivery.status == "sent")
        )
        lessons = int((await session.exec(lessons_query)).one())  # type: ignore[attr-defined]
        right, quizzes = await _quiz_score(session, mentee.id or 0)
        open_query = (
            select(func.count())
            .select_from(Question)
            .where(Question.person_id == mentee.id, col(Question.status).in_(("open", "forwarded")))
        )
        open_count = int((await session.exec(open_query)).one())  # type: ignore[attr-defined]
        lines.append(
            t(
                "drip.digest_line",
                lang,
                name=mention(mentee),
                lessons=lessons,
                right=right,
                quizzes=quizzes,
                open=open_count,
            )
        )
    return [Text("\n".join(lines))]
