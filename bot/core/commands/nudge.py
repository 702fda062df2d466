"""What a nudge and the notice of an inactivity pause say, composed when sent in the learner's language
(the planning is scheduler/nudges.py)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.args import mention
from bot.core.dates import format_until
from bot.core.replies import Button, Reply, Text
from bot.core.schedule import zone_of
from bot.i18n import register, t
from scheduler import nudges
from storage import people
from storage.deliveries import Claim
from storage.models import Person

REVIEW_ACTION = "review.now"
"""The `review` command's button: the soonest question, at once."""

register(
    {
        "nudge.text": {
            "en": "Two minutes for one question? It keeps what you learned fresh.",
            "fr": "Deux minutes pour une question\u202f? Cela garde vos acquis bien frais.",
        },
        "nudge.text_mentor": {
            "en": "Two minutes for one question? It keeps what you learned fresh, and gives you something "
            "to share with {mentor} at your next meeting.",
            "fr": "Deux minutes pour une question\u202f? Cela garde vos acquis bien frais, et vous donne "
            "de quoi échanger avec {mentor} à votre prochain rendez-vous.",
        },
        "nudge.button": {"en": "One question", "fr": "Une question"},
        "nudge.off": {
            "en": "Rather not get these reminders? Type `settings nudges off`.",
            "fr": "Vous préférez ne plus recevoir ces rappels\u202f? Tapez `réglages rappels non`.",
        },
        "nudge.paused": {
            "en": "You seem busy at the moment, so I have paused your tips for two weeks, until {until}: "
            "no more messages from me until then. Type `resume` whenever you want them back.",
            "fr": "Vous semblez occupé en ce moment\u202f: j’ai mis vos conseils en pause pour deux semaines, "
            "jusqu’au {until}. Plus de messages de ma part d’ici là. Tapez `reprendre` quand vous voulez "
            "les retrouver.",
        },
        "nudge.paused_mentor": {
            "en": "Your mentor {mentor} will see in their digest that you are taking a break.",
            "fr": "Votre mentor {mentor} verra dans son point hebdomadaire que vous faites une pause.",
        },
    }
)


async def compose(session: AsyncSession, person: Person, claim: Claim, default_tz: str) -> list[Reply]:
    """The replies of a nudge row for `person`: the nudge, or the notice of the pause for inactivity
    (nothing when the pause was lifted before it could go out)."""
    mentor = await people.mentor_of(session, mentee_id=person.id or 0)
    if nudges.is_pause_notice(claim.dedupe_key):
        return await _pause_notice(session, person, mentor, default_tz)
    return [nudge_message(person.lang, mentor)]


def nudge_message(lang: str, mentor: Person | None) -> Text:
    """ "Two minutes for one question?", naming the mentor when there is one, with a button for it."""
    text = t("nudge.text_mentor", lang, mentor=mention(mentor)) if mentor else t("nudge.text", lang)
    button = Button(t("nudge.button", lang), REVIEW_ACTION, style="primary")
    return Text(f"{text}\n{t('nudge.off', lang)}", (button,))


async def _pause_notice(
    session: AsyncSession, person: Person, mentor: Person | None, default_tz: str
) -> list[Reply]:
    until = person.paused_until
    if until is None:  # resumed before this could go out
        return []
    zone = await zone_of(session, person, default_tz)
    lines = [t("nudge.paused", person.lang, until=format_until(until, zone, person.lang))]
    if mentor is not None:
        lines.append(t("nudge.paused_mentor", person.lang, mentor=mention(mentor)))
    return [Text("\n".join(lines))]
