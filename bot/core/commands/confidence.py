"""The confidence question at a track's start and end: "How confident do you feel about …?", buttons 1 to
5, and what a press does. The first answer for an enrollment and moment stands; a second press shows it.
Self-ratings are shown beside retention in `report`, never instead of it.

The question goes out in the same message as the track's first lesson and as its end-of-track message
(`follow_ups`, called by the carrier when it composes those ledger rows): exactly once, as they are, and
without a second notification on those days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.replies import Button, Reply, Text
from bot.core.text import neutralize
from bot.i18n import register, t
from lessons import Library
from storage import cohorts, confidence
from storage.deliveries import Claim
from storage.enums import ConfidenceMoment, DeliveryKind
from storage.models import Person

ACTION = "confidence.rate"
SCALE = range(1, 6)

register(
    {
        "confidence.question": {
            "en": "How confident do you feel about *{track}*? 1 = not at all, 5 = very confident.",
            "fr": "À quel point vous sentez-vous à l’aise avec *{track}*\u202f? 1 = pas du tout, 5 = tout à fait.",
        },
        "confidence.end_intro": {
            "en": "One last question, now that the track is over:",
            "fr": "Une dernière question, maintenant que le parcours est terminé\u202f:",
        },
        "confidence.thanks": {
            "en": "Thank you: {rating} out of 5 for *{track}*.",
            "fr": "Merci\u202f: {rating} sur 5 pour *{track}*.",
        },
        "confidence.already": {
            "en": "You already answered this one: {rating} out of 5 for *{track}*. The first answer stands.",
            "fr": "Vous avez déjà répondu\u202f: {rating} sur 5 pour *{track}*. La première réponse compte.",
        },
    }
)


async def follow_ups(
    session: AsyncSession, persons: Mapping[int, Person], claims: Sequence[Claim], library: Library
) -> dict[int, list[Reply]]:
    """What goes under track rows when they are sent, by delivery id: the "start" question under a
    track's first lesson (its row's `step` is 0), the "end" one under the end-of-track message. Two
    queries for the whole batch, none when it holds no such row."""
    asked: dict[int, tuple[int, ConfidenceMoment]] = {}
    for claim in claims:
        if claim.enrollment_id is None:
            continue
        if claim.kind == DeliveryKind.LESSON and claim.step == 0:
            asked[claim.delivery_id] = claim.enrollment_id, ConfidenceMoment.START
        elif claim.kind == DeliveryKind.COMPLETE:
            asked[claim.delivery_id] = claim.enrollment_id, ConfidenceMoment.END
    if not asked:
        return {}
    enrollment_ids = sorted({eid for eid, _ in asked.values()})
    tracks = await confidence.tracks_of(session, enrollment_ids=enrollment_ids)
    rated = await confidence.rated(session, enrollment_ids=enrollment_ids)
    found: dict[int, list[Reply]] = {}
    for claim in claims:
        person = persons.get(claim.person_id)
        if claim.delivery_id not in asked or person is None:
            continue
        enrollment_id, moment = asked[claim.delivery_id]
        if enrollment_id in tracks and (enrollment_id, moment) not in rated:  # asked once, even if sent again
            found[claim.delivery_id] = [
                _question(library, person.lang, tracks[enrollment_id], enrollment_id, moment)
            ]
    return found


def _question(
    library: Library, lang: str, track_id: str, enrollment_id: int, moment: ConfidenceMoment
) -> Text:
    """The question for one enrollment and moment, in `lang`, with its five buttons."""
    text = t("confidence.question", lang, track=_title(library, track_id, lang))
    if moment == ConfidenceMoment.END:
        text = f"{t('confidence.end_intro', lang)}\n{text}"
    buttons = tuple(Button(str(n), ACTION, f"{enrollment_id}:{moment}:{n}") for n in SCALE)
    return Text(text, buttons)


async def handle_rate(ctx: Context, value: str) -> list[Reply]:
    """A press on 1 to 5 (`enrollment:moment:rating`): kept once per enrollment and moment, shown in
    place of the question."""
    enrollment_id, moment, rating = _parse(value)
    found = await cohorts.enrollment_with_cohort(ctx.session, enrollment_id=enrollment_id)
    if found is None or found[0].person_id != ctx.person.id:
        raise UserError("error.stale_button")
    kept, new = await confidence.rate(
        ctx.session,
        person_id=ctx.person.id or 0,
        enrollment_id=enrollment_id,
        moment=moment,
        rating=rating,
        now=ctx.now(),
    )
    title = _title(ctx.library, found[1].track_id, ctx.lang)
    key = "confidence.thanks" if new else "confidence.already"
    return [Text(ctx.t(key, rating=kept.rating, track=title), private=True, replaces=True)]


def _parse(value: str) -> tuple[int, ConfidenceMoment, int]:
    parts = value.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
        raise UserError("error.stale_button")
    if parts[1] not in tuple(ConfidenceMoment) or int(parts[2]) not in SCALE:
        raise UserError("error.stale_button")
    return int(parts[0]), ConfidenceMoment(parts[1]), int(parts[2])


def _title(library: Library, track_id: str, lang: str) -> str:
    track = library.tracks.get(track_id)
    return track.title(lang) if track else neutralize(track_id, 64)
