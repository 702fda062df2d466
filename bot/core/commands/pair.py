"""Mentorships: `pair <@mentor> <@mentee>` and `unpair <@mentor> <@mentee>` (admins). Every pair is kept in
the pairing history with when it started and ended, so that matching never proposes it again."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.args import mention, resolve_person
from bot.core.context import Context
from bot.core.errors import UsageError, UserError
from bot.core.goals import goal_prompt
from bot.core.mentor_guide import enrol_in_mentor_guide
from bot.core.replies import Notify, Reply, Text
from bot.i18n import register, t
from storage import activity, matching, people
from storage import goals as goal_store
from storage.enums import AuditOutcome, DeliveryKind, PairingSource
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
            "fr": "{mentor} est déjà le mentor {mentee:de}.",
        },
        "pair.done": {
            "en": "{mentor} is now {mentee}’s mentor.",
            "fr": "{mentor} est maintenant le mentor {mentee:de}.",
        },
        "pair.replaced": {
            "en": "{mentor} is now {mentee}’s mentor, in place of {previous}.",
            "fr": "{mentor} est maintenant le mentor {mentee:de}, à la place {previous:de}.",
        },
        "pair.to_mentor": {
            "en": "Good news: you are now {mentee}’s mentor. Their questions will reach you here, "
            "and `mentees` shows how they are doing. Thank you for sharing what you know!",
            "fr": "Bonne nouvelle : vous êtes maintenant le mentor {mentee:de}. "
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
            "fr": "{mentor} n’est pas le mentor {mentee:de} : il n’y a rien à défaire.",
        },
        "unpair.done": {
            "en": "{mentor} is no longer {mentee}’s mentor.",
            "fr": "{mentor} n’est plus le mentor {mentee:de}.",
        },
    }
)


@dataclass(frozen=True, slots=True)
class Welcome:
    """What each side of a new pair is sent, in their own language."""

    mentor: tuple[Reply, ...]
    mentee: tuple[Reply, ...]


async def first_mentee(ctx: Context, mentor: Person) -> bool:
    """Whether the mentor has never had a mentee: asked before pairing them, for the mentor's guide."""
    return not await matching.ever_mentored(ctx.session, mentor_id=mentor.id or 0)


async def welcome(
    ctx: Context, *, mentor: Person, mentee: Person, first: bool, to_mentor: str, to_mentee: str
) -> Welcome:
    """The word to both sides of a pair just made (by `pair` or `match accept`): who the other is; for
    the learner, the "pick 1 to 3 goals" prompt and its buttons when they have picked none yet and the
    programme lists goals; for a mentor's `first` mentee, their enrollment in the mentor's guide and its
    note. Each side gets one message (one ledger row, posted once)."""
    learner = Text(to_mentee)
    if ctx.library.goals and not await goal_store.goals_of(ctx.session, person_id=mentee.id or 0):
        prompt = goal_prompt(mentee, ctx.library)
        learner = Text(f"{to_mentee}\n\n{prompt.markdown}", prompt.buttons)
    notes: list[Reply] = []
    if first:
        default_tz = ctx.services.settings.default_tz
        notes = await enrol_in_mentor_guide(ctx.session, mentor=mentor, now=ctx.now(), default_tz=default_tz)
    words = [to_mentor, *(note.markdown for note in notes if isinstance(note, Text))]
    others = tuple(note for note in notes if not isinstance(note, Text))
    return Welcome((Text("\n\n".join(words)), *others), (learner,))


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
    first = await first_mentee(ctx, mentor)
    previous = await people.pair(
        ctx.session,
        mentor_id=mentor.id or 0,
        mentee_id=mentee.id or 0,
        now=ctx.now(),
        source=PairingSource.MANUAL,
    )
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
    said = await welcome(
        ctx,
        mentor=mentor,
        mentee=mentee,
        first=first,
        to_mentor=t("pair.to_mentor", mentor.lang, **names),
        to_mentee=t("pair.to_mentee", mentee.lang, **names),
    )
    replies: list[Reply] = [
        Text(summary),
        Notify(mentor.key, said.mentor, kind=DeliveryKind.PAIRING),
        Notify(mentee.key, said.mentee, kind=DeliveryKind.PAIRING),
    ]
    if previous is not None:
        note = Text(t("pair.to_previous", previous.lang, **names))
        replies.append(Notify(previous.key, (note,), kind=DeliveryKind.PAIRING))
    return replies


async def handle_unpair(ctx: Context, args: str) -> list[Reply]:
    """End a mentorship; refuse when those two are not paired, so typos don't pass silently."""
    mentor, mentee = await _two_people(ctx, args, "unpair")
    names = {"mentor": mention(mentor), "mentee": mention(mentee)}
    if not await people.unpair(
        ctx.session, mentor_id=mentor.id or 0, mentee_id=mentee.id or 0, now=ctx.now()
    ):
        raise UserError("unpair.not_paired", **names)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="unpair",
        args={"mentor": mentor.key, "mentee": mentee.key},
        outcome=AuditOutcome.OK,
    )
    return [Text(ctx.t("unpair.done", **names))]
