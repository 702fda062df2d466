"""Mentorships: `pair <@mentor> <@mentee>` and `unpair <@mentor> <@mentee>` (admins)."""

from __future__ import annotations

from bot.core.args import mention, resolve_person
from bot.core.context import Context
from bot.core.errors import UsageError, UserError
from bot.core.replies import Notify, Reply, Text
from bot.i18n import register, t
from storage import activity, people
from storage.enums import AuditOutcome, DeliveryKind
from storage.models import Person

register(
    {
        "pair.usage": {"en": "pair <@mentor> <@mentee>", "fr": "associer <@mentor> <@mentoré>"},
        "pair.help": {"en": "give a learner a mentor", "fr": "attribuer un mentor à un apprenant"},
        "unpair.usage": {"en": "unpair <@mentor> <@mentee>", "fr": "dissocier <@mentor> <@mentoré>"},
        "unpair.help": {"en": "end a mentorship", "fr": "mettre fin à un binôme"},
        "pair.self": {
            "en": "{person} can’t be their own mentor. Choose two different people.",
            "fr": "{person} ne peut pas être son propre mentor. Choisissez deux personnes différentes.",
        },
        "pair.already": {
            "en": "{mentor} is already {mentee}’s mentor.",
            "fr": "{mentor} est déjà le mentor de {mentee}.",
        },
        "pair.done": {
            "en": "{mentor} is now {mentee}’s mentor.",
            "fr": "{mentor} est maintenant le mentor de {mentee}.",
        },
        "pair.replaced": {
            "en": "{mentor} is now {mentee}’s mentor, in place of {previous}.",
            "fr": "{mentor} est maintenant le mentor de {mentee}, à la place de {previous}.",
        },
        "pair.to_mentor": {
            "en": "Good news: you are now {mentee}’s mentor. Their questions will reach you here, "
            "and `mentees` shows how they are doing. Thank you for sharing what you know!",
            "fr": "Bonne nouvelle : vous êtes maintenant le mentor de {mentee}. "
            "Ses questions vous arriveront ici, et `mentorés` montre où en sont vos mentorés. "
            "Merci de partager ce que vous savez !",
        },
        "pair.to_mentee": {
            "en": "Good news: {mentor} is now your mentor. Ask them anything with `mentor <your question>`.",
            "fr": "Bonne nouvelle : {mentor} est maintenant votre mentor. Posez-lui vos questions avec "
            "`mentor <votre question>`.",
        },
        "pair.to_previous": {
            "en": "{mentee} now has a new mentor, {mentor}. Thank you for your help so far!",
            "fr": "{mentee} a maintenant un nouveau mentor, {mentor}. Merci pour votre aide jusqu’ici !",
        },
        "unpair.not_paired": {
            "en": "{mentor} is not {mentee}’s mentor, so there is nothing to undo.",
            "fr": "{mentor} n’est pas le mentor de {mentee} : il n’y a rien à défaire.",
        },
        "unpair.done": {
            "en": "{mentor} is no longer {mentee}’s mentor.",
            "fr": "{mentor} n’est plus le mentor de {mentee}.",
        },
    }
)


async def _two_people(ctx: Context, args: str, command: str) -> tuple[Person, Person]:
    """The mentor and the mentee the two arguments name."""
    words = args.split()
    if len(words) != 2:
        raise UsageError(command)
    mentor = await resolve_person(ctx, words[0], command=command)
    mentee = await resolve_person(ctx, words[1], command=command)
    return mentor, mentee


async def handle_pair(ctx: Context, args: str) -> list[Reply]:
    """Pair a mentor with a mentee (replacing any previous mentor) and tell both, each in their language."""
    mentor, mentee = await _two_people(ctx, args, "pair")
    if mentor.id == mentee.id:
        raise UserError("pair.self", person=mention(mentor))
    previous = await people.pair(ctx.session, mentor_id=mentor.id or 0, mentee_id=mentee.id or 0)
    if previous is not None and previous.id == mentor.id:
        raise UserError("pair.already", mentor=mention(mentor), mentee=mention(mentee))
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="pair",
        args={"mentor": mentor.key, "mentee": mentee.key, "replaced": previous.key if previous else None},
        outcome=AuditOutcome.OK,
    )
    names = {"mentor": mention(mentor), "mentee": mention(mentee)}
    if previous is None:
        summary = ctx.t("pair.done", **names)
    else:
        summary = ctx.t("pair.replaced", previous=mention(previous), **names)
    replies: list[Reply] = [
        Text(summary),
        Notify(mentor.key, (Text(t("pair.to_mentor", mentor.lang, **names)),), kind=DeliveryKind.PAIRING),
        Notify(mentee.key, (Text(t("pair.to_mentee", mentee.lang, **names)),), kind=DeliveryKind.PAIRING),
    ]
    if previous is not None:
        note = Text(t("pair.to_previous", previous.lang, **names))
        replies.append(Notify(previous.key, (note,), kind=DeliveryKind.PAIRING))
    return replies


async def handle_unpair(ctx: Context, args: str) -> list[Reply]:
    """End a mentorship; refuse when those two are not paired, so typos don't pass silently."""
    mentor, mentee = await _two_people(ctx, args, "unpair")
    names = {"mentor": mention(mentor), "mentee": mention(mentee)}
    if not await people.unpair(ctx.session, mentor_id=mentor.id or 0, mentee_id=mentee.id or 0):
        raise UserError("unpair.not_paired", **names)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="unpair",
        args={"mentor": mentor.key, "mentee": mentee.key},
        outcome=AuditOutcome.OK,
    )
    return [Text(ctx.t("unpair.done", **names))]
