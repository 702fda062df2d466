"""Commitments: one thing a person chose to do (at the end of a workshop, or later in a meeting with their
mentor), and the kind question a week later: how did it go?

`commit` keeps the commitment and returns its follow-up, a `Notify` due a week later in the delivery
ledger (under its own key, so it is written once), which the caller returns with its replies: the
engine that collects commitments calls this one function. The answer to the follow-up's buttons is
`bot/core/commands/commitment.py`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import UserError
from bot.core.replies import Button, Notify, Text
from bot.core.text import clean, neutralize, squash
from bot.i18n import register, t
from scheduler import timing
from storage import commitments, keys
from storage.enums import CommitmentStatus, DeliveryKind
from storage.models import Commitment, Person

register(
    {
        "commitment.follow_up": {
            "en": "A week ago you chose: “{text}”. How did it go?",
            "fr": "Il y a une semaine, vous avez choisi : « {text} ». Comment ça s’est passé ?",
        },
        "commitment.button.done": {"en": "Done", "fr": "C’est fait"},
        "commitment.button.not_yet": {"en": "Not yet", "fr": "Pas encore"},
        "commitment.button.need_help": {"en": "I need help", "fr": "J’ai besoin d’aide"},
        "commitment.empty": {
            "en": "Write the one thing you will do, like “Turn on two-step verification on my email”.",
            "fr": "Écrivez la chose que vous ferez, par exemple « Activer la validation en deux étapes sur "
            "ma messagerie ».",
        },
        "commitment.too_long": {
            "en": "That is {length} characters: keep your commitment under {limit}, one thing you will do "
            "this week.",
            "fr": "Cela fait {length} caractères : gardez votre engagement sous {limit}, une chose que vous "
            "ferez cette semaine.",
        },
    }
)

ANSWER_ACTION = "commitment.answer"
"""The follow-up's buttons: value `<commitment id>:<CommitmentStatus>`."""
ANSWERS = (CommitmentStatus.DONE, CommitmentStatus.NOT_YET, CommitmentStatus.NEED_HELP)
"""What the follow-up's buttons answer, in their order."""
FOLLOW_UPS = "follow-ups"
"""The batch label of follow-ups (`Notify.batch`): due a week later, they never hold back the report on
what the same event sent now."""
SHOWN_CHARS = commitments.TEXT_CHARS
"""The most of a commitment's text repeated in a message (all of it)."""


def shown(commitment: Commitment) -> str:
    """The commitment's text as a message repeats it: neutralised, on one line."""
    return neutralize(squash(commitment.text), SHOWN_CHARS)


def answer_buttons(
    commitment: Commitment, lang: str, answers: tuple[str, ...] = ANSWERS
) -> tuple[Button, ...]:
    """Done / Not yet / I need help (or some of them), in `lang`."""
    return tuple(
        Button(
            t(f"commitment.button.{answer}", lang),
            ANSWER_ACTION,
            f"{commitment.id}:{answer}",
            "primary" if answer == CommitmentStatus.DONE else "default",
        )
        for answer in answers
    )


def follow_up(commitment: Commitment, person: Person) -> Notify:
    """The question a week later, in the person's language, with its three answers. It waits in the
    ledger until `follow_up_at` under `keys.commitment_follow_up_key`, so the same commitment is never
    followed up twice, in a batch of its own (`FOLLOW_UPS`)."""
    lang = person.lang
    text = Text(t("commitment.follow_up", lang, text=shown(commitment)), answer_buttons(commitment, lang))
    return Notify(
        person.key,
        (text,),
        kind=DeliveryKind.COMMITMENT,
        at=commitment.follow_up_at,
        person_id=person.id,
        key=keys.commitment_follow_up_key(commitment.id or 0),
        batch=FOLLOW_UPS,
    )


def checked_text(text: str) -> str:
    """What a person typed as a commitment, cleaned (no control characters, on one line). UserError when
    it is empty or longer than the column holds: the person says it again, shorter, rather than have it
    cut."""
    cleaned = squash(clean(text, 4 * len(text) + 1))  # measured whole, never cut
    if not cleaned:
        raise UserError("commitment.empty")
    if len(cleaned) > commitments.TEXT_CHARS:
        raise UserError("commitment.too_long", length=len(cleaned), limit=commitments.TEXT_CHARS)
    return cleaned


async def commit(
    session: AsyncSession,
    *,
    person: Person,
    text: str,
    source: str,
    now: dt.datetime,
    zone: ZoneInfo,
    workshop_id: int | None = None,
    lesson_id: str | None = None,
    meeting_id: int | None = None,
) -> tuple[Commitment, Notify]:
    """Keep a person's commitment (its source a CommitmentSource) and return it with its follow-up, due
    a week later, moved out of the quiet hours of `zone` (the person's) if it falls in them: the caller
    returns the Notify with its replies, so both are written in its transaction. The text is kept as
    typed (cleaned) and neutralised wherever it is shown. `workshop_id` or `meeting_id` names where it
    was made."""
    made = await commitments.add_commitment(
        session,
        person_id=person.id or 0,
        source=source,
        text=checked_text(text),
        made_at=now,
        workshop_id=workshop_id,
        meeting_id=meeting_id,
        lesson_id=lesson_id,
        follow_up_at=timing.out_of_quiet_hours(now + commitments.FOLLOW_UP_AFTER, zone),
    )
    return made, follow_up(made, person)
