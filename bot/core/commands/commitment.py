"""The answer to a commitment's follow-up (`commitment.answer`): done, not yet, or I need help.

Only the commitment's owner answers it; the last answer counts. "I need help" reaches someone who can
help: the person's mentor, else the mentor who ran the workshop it came from, with the commitment and
how to reach the person. Someone with neither is told where to ask.
"""

from __future__ import annotations

from bot.core.args import mention
from bot.core.commitments import ANSWER_ACTION, ANSWERS, answer_buttons, shown
from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.replies import Notify, Reply, Text
from bot.core.text import neutralize
from bot.i18n import register, t
from storage import commitments, people, workshops
from storage.enums import CommitmentStatus, DeliveryKind
from storage.models import Commitment, Person, Workshop

__all__ = ["ANSWER_ACTION", "handle_commitment_answer"]

register(
    {
        "commitment.answer.done": {
            "en": "“{text}”: done. Well done, that’s a real step forward! Each small habit like this one "
            "keeps you safer and more at ease online.",
            "fr": "« {text} » : c’est fait. Bravo, c’est un vrai pas en avant ! Chaque petite habitude comme "
            "celle-ci vous rend plus sûr et plus à l’aise en ligne.",
        },
        "commitment.answer.not_yet": {
            "en": "“{text}”: not yet, and that’s fine, a week goes by fast. Five minutes when you have them "
            "are enough; press **Done** once it’s done.",
            "fr": "« {text} » : pas encore, et ce n’est pas grave, une semaine passe vite. Cinq minutes quand "
            "vous les aurez suffisent ; appuyez sur **C’est fait** une fois fait.",
        },
        "commitment.answer.need_help.mentor": {
            "en": "“{text}”: asking for help is a good move. I’ve told your mentor, {helper}, who will get "
            "in touch. You can also write to them with `mentor <your question>`.",
            "fr": "« {text} » : demander de l’aide, c’est une bonne idée. J’ai prévenu votre mentor, "
            "{helper}, qui va prendre contact avec vous. Vous pouvez aussi lui écrire avec "
            "`mentor <votre question>`.",
        },
        "commitment.answer.need_help.host": {
            "en": "“{text}”: asking for help is a good move. I’ve told {helper}, who ran the workshop, and "
            "who will get in touch. Meanwhile, `ask <your question>` finds the lesson that helps.",
            "fr": "« {text} » : demander de l’aide, c’est une bonne idée. J’ai prévenu {helper}, qui animait "
            "l’atelier, et qui va prendre contact avec vous. En attendant, `question <votre question>` "
            "trouve la leçon qui aide.",
        },
        "commitment.answer.need_help.nobody": {
            "en": "“{text}”: asking for help is a good move. Type `ask <your question>` and I’ll find the "
            "lesson that helps; once an admin pairs you with a mentor, `mentor <your question>` reaches "
            "them.",
            "fr": "« {text} » : demander de l’aide, c’est une bonne idée. Tapez `question <votre question>` "
            "et je trouve la leçon qui aide ; une fois qu’un admin vous aura associé à un mentor, "
            "`mentor <votre question>` lui parviendra.",
        },
        "commitment.help.mentor": {
            "en": "{person} would like a hand with what they chose to do a week ago{where}: “{text}”. A "
            "short message or call from you would help: write to them directly. `mentees` shows how they "
            "are doing.",
            "fr": "{person} aimerait un coup de main pour l’engagement pris il y a une semaine{where} : "
            "« {text} ». Un petit message ou un appel de votre part aiderait : écrivez-lui directement. "
            "`mentorés` montre sa progression.",
        },
        "commitment.help.host": {
            "en": "{person}, who took part in your workshop **{title}**, would like a hand with what they "
            "chose to do a week ago: “{text}”. They have no mentor yet, so a short message or call from "
            "you would help: write to them directly.",
            "fr": "{person}, qui a participé à votre atelier **{title}**, aimerait un coup de main pour "
            "l’engagement pris il y a une semaine : « {text} ». Cette personne n’a pas encore de mentor : "
            "un petit message ou un appel de votre part aiderait. Écrivez-lui directement.",
        },
        "commitment.help.where": {
            "en": " in the workshop **{title}**",
            "fr": " lors de l’atelier **{title}**",
        },
    }
)


async def handle_commitment_answer(ctx: Context, value: str) -> list[Reply]:
    """`<commitment id>:<status>` from the follow-up's buttons: the answer kept (the last one counts),
    a warm word in place of the question, and on "I need help" a word to whoever can help. A button that
    is not the person's own, or not one the follow-up has, is a stale button."""
    number, _, status = value.partition(":")
    if not number.isdigit() or status not in ANSWERS:
        raise UserError("error.stale_button")
    person_id = ctx.person.id or 0
    own = {c.id: c for c in await commitments.commitments_of(ctx.session, person_id=person_id)}
    before = own.get(int(number))
    if before is None:
        raise UserError("error.stale_button")
    asked_before = before.status == CommitmentStatus.NEED_HELP  # read before the answer changes it
    answered = await commitments.answer_commitment(
        ctx.session, commitment_id=int(number), person_id=person_id, status=status, at=ctx.now()
    )
    if answered is None:
        raise UserError("error.stale_button")
    text = shown(answered)
    if status == CommitmentStatus.DONE:
        return [Text(ctx.t("commitment.answer.done", text=text), replaces=True)]
    if status == CommitmentStatus.NOT_YET:
        buttons = answer_buttons(answered, ctx.lang, (CommitmentStatus.DONE,))
        return [Text(ctx.t("commitment.answer.not_yet", text=text), buttons, replaces=True)]
    return await _need_help(ctx, answered, tell=not asked_before)


async def _need_help(ctx: Context, commitment: Commitment, *, tell: bool) -> list[Reply]:
    """The person's mentor hears of it, else the workshop's host; a second "I need help" on the same
    commitment tells nobody again (`tell` False)."""
    text = shown(commitment)
    workshop = await _workshop(ctx, commitment)
    title = neutralize(workshop.title, 120) if workshop is not None else ""
    mentor = await people.mentor_of(ctx.session, mentee_id=ctx.person.id or 0)
    if mentor is not None:
        where = t("commitment.help.where", mentor.lang, title=title) if title else ""
        note = t("commitment.help.mentor", mentor.lang, person=mention(ctx.person), where=where, text=text)
        said = ctx.t("commitment.answer.need_help.mentor", text=text, helper=mention(mentor))
        return [Text(said, replaces=True), *_notify(mentor, note, tell)]
    host = None
    if workshop is not None and workshop.host_id != ctx.person.id:
        host = await people.get_person_by_id(ctx.session, person_id=workshop.host_id)
    if host is not None:
        note = t("commitment.help.host", host.lang, person=mention(ctx.person), title=title, text=text)
        said = ctx.t("commitment.answer.need_help.host", text=text, helper=mention(host))
        return [Text(said, replaces=True), *_notify(host, note, tell)]
    return [Text(ctx.t("commitment.answer.need_help.nobody", text=text), replaces=True)]


def _notify(helper: Person, note: str, tell: bool) -> list[Reply]:
    return [Notify(helper.key, (Text(note),), kind=DeliveryKind.NOTICE, person_id=helper.id)] if tell else []


async def _workshop(ctx: Context, commitment: Commitment) -> Workshop | None:
    """The workshop the commitment came from, if any and still there."""
    if commitment.workshop_id is None:
        return None
    return await workshops.get_workshop(ctx.session, workshop_id=commitment.workshop_id)
