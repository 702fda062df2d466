"""Matching (admins): `match suggest`, `match accept`, `match redo`, `match show`, `match capacity` (FR
`jumelage proposer|accepter|refaire|voir|capacité`), and `mentors` to list or name the mentors.

A round proposes one mentor per learner of a cohort who has none (bot/core/matching.py solves it) and is
kept as numbered `MatchProposal` rows. `match accept` pairs some or all of its pairs and tells both sides
through the ledger; the others stay proposed. `match redo` refuses the pairs named (or every pair still
proposed), which are never proposed again in that cohort, and proposes again for the learners still
without a mentor. A new round replaces whatever the last one left undecided.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence

from bot.core import matching as solver
from bot.core.args import is_person_token, mention, resolve_cohort, resolve_person
from bot.core.commands.pair import first_mentee, welcome
from bot.core.context import Context
from bot.core.errors import UsageError, UserError
from bot.core.replies import Notify, Reply, Text
from bot.i18n import MESSAGES, register, t
from scheduler import plan
from storage import activity, keys, matching, people
from storage.enums import AuditOutcome, DeliveryKind, PairingSource, PersonRole, ProposalStatus
from storage.models import Cohort, MatchProposal, Person

register(
    {
        "match.usage": {
            "en": "match suggest <cohort> [mentors <cohort | @people…>] · match accept [<cohort>] all | <numbers> · "
            "match redo [<cohort>] [<numbers>] [mentors <cohort | @people…>] · match show [<cohort>] · "
            "match capacity <@mentor> <0-10>",
            "fr": "jumelage proposer <cohorte> [mentors <cohorte | @personnes…>] · jumelage accepter [<cohorte>] "
            "tout | <numéros> · jumelage refaire [<cohorte>] [<numéros>] [mentors <cohorte | @personnes…>] · "
            "jumelage voir [<cohorte>] · jumelage capacité <@mentor> <0-10>",
        },
        "match.help": {
            "en": "propose a mentor for each learner of a cohort, then accept or redo the proposals",
            "fr": "proposer un mentor à chaque apprenant d’une cohorte, puis accepter ou refaire les propositions",
        },
        "mentors.usage": {"en": "mentors [@people…]", "fr": "mentors [@personnes…]"},
        "mentors.help": {
            "en": "the mentors, with their mentees and capacity; with names, make them mentors",
            "fr": "les mentors, avec leurs mentorés et leur capacité ; avec des noms, en faire des mentors",
        },
        # --- a round ---
        "match.title": {
            "en": "Proposed for `{cohort}` (learners without a mentor: {count}):",
            "fr": "Propositions pour `{cohort}` (apprenants sans mentor : {count}) :",
        },
        "match.line": {
            "en": "#{number}: {mentor} mentors {learner} ({reasons}){status}",
            "fr": "n° {number} : {mentor} accompagne {learner} ({reasons}){status}",
        },
        "match.reason.language": {"en": "both speak {language}", "fr": "parlent tous deux {language}"},
        "match.reason.other_department": {"en": "different departments", "fr": "services différents"},
        "match.reason.same_department": {"en": "same department", "fr": "même service"},
        "match.reason.hours": {
            "en": "{hours} h of working hours in common",
            "fr": "{hours} h de travail en commun",
        },
        "match.reason.few_hours": {
            "en": "only {hours} h of working hours in common",
            "fr": "seulement {hours} h de travail en commun",
        },
        "match.status.accepted": {"en": " · accepted", "fr": " · accepté"},
        "match.status.refused": {"en": " · refused", "fr": " · refusé"},
        "match.status.replaced": {"en": " · replaced", "fr": " · remplacé"},
        "match.unmet_title": {
            "en": "Without a mentor in this round ({count}):",
            "fr": "Sans mentor dans ce tour ({count}) :",
        },
        "match.unmet_line": {"en": "- {learner}: {why}", "fr": "- {learner} : {why}"},
        "match.unmet.no_language": {
            "en": "no {speaking} mentor at all",
            "fr": "aucun mentor {speaking}",
        },
        "match.unmet.no_capacity": {
            "en": "no {speaking} mentor left: those who fit are full",
            "fr": "plus aucun mentor {speaking} disponible : ceux qui conviennent sont complets",
        },
        "match.unmet.reporting_line": {
            "en": "every {speaking} mentor is in their reporting line, has mentored them before, or was refused "
            "for them",
            "fr": "chaque mentor {speaking} est dans sa ligne hiérarchique, l’a déjà accompagné, ou a été refusé "
            "pour ce binôme",
        },
        "match.unmet.no_mentors": {
            "en": "no mentor other than themselves",
            "fr": "pas d’autre mentor que cette personne",
        },
        "match.hint.capacity": {
            "en": "`match capacity <@mentor> 3` lets a mentor take more mentees.",
            "fr": "`jumelage capacité <@mentor> 3` permet à un mentor d’accompagner plus de personnes.",
        },
        "match.hint.mentors": {
            "en": "`mentors @people…` names more mentors.",
            "fr": "`mentors @personnes…` désigne d’autres mentors.",
        },
        "match.footer_one": {
            "en": "Accept it with `match accept {cohort} {first}`, or `match redo {cohort} {first}` to refuse it and "
            "propose again.",
            "fr": "Acceptez-la avec `jumelage accepter {cohort} {first}`, ou `jumelage refaire {cohort} {first}` pour "
            "la refuser et proposer à nouveau.",
        },
        "match.speaking.en": {"en": "English-speaking", "fr": "anglophone"},
        "match.speaking.fr": {"en": "French-speaking", "fr": "francophone"},
        "match.or": {"en": " or ", "fr": " ou "},
        "match.footer": {
            "en": "Accept them all with `match accept {cohort} all`, or some with `match accept {cohort} {example}`. "
            "`match redo {cohort} {first}` refuses #{first} and proposes again; `match redo {cohort}` alone "
            "refuses every pair still proposed.",
            "fr": "Acceptez-les tous avec `jumelage accepter {cohort} tout`, ou certains avec "
            "`jumelage accepter {cohort} {example}`. `jumelage refaire {cohort} {first}` refuse le n° {first} "
            "et propose à nouveau ; `jumelage refaire {cohort}` seul refuse toutes les paires encore proposées.",
        },
        "match.none_found": {
            "en": "No pair could be proposed this time.",
            "fr": "Aucune paire n’a pu être proposée cette fois.",
        },
        "match.redo_same_mentors": {
            "en": "This round drew from the mentors you named: name them again in `match redo` to keep them.",
            "fr": "Ce tour puise dans les mentors que vous avez désignés : nommez-les à nouveau dans "
            "`jumelage refaire` pour les garder.",
        },
        # --- accept ---
        "match.accepted": {
            "en": "Paired in `{cohort}` ({count}); each side has been told:",
            "fr": "Binômes formés dans `{cohort}` ({count}) ; chacun a été prévenu :",
        },
        "match.accepted_line": {
            "en": "#{number}: {mentor} mentors {learner}",
            "fr": "n° {number} : {mentor} accompagne {learner}",
        },
        "match.skipped": {
            "en": "#{number}: {learner} has a mentor already ({mentor}): left out.",
            "fr": "n° {number} : {learner} a déjà un mentor ({mentor}) : mis de côté.",
        },
        "match.still_open": {
            "en": "Still proposed: {numbers}. Accept them with `match accept {cohort} {numbers}`, or "
            "`match redo {cohort}` to propose again without them.",
            "fr": "Encore proposés : {numbers}. Acceptez-les avec `jumelage accepter {cohort} {numbers}`, ou "
            "`jumelage refaire {cohort}` pour proposer à nouveau sans eux.",
        },
        "match.to_mentor": {
            "en": "Good news: you are now {mentee}’s mentor in the programme `{cohort}`. Their questions will "
            "reach you here, and `mentees` shows how they are doing. Say hello soon: a first short meeting "
            "sets the tone. Thank you for sharing what you know!",
            "fr": "Bonne nouvelle : vous êtes maintenant le mentor {mentee:de} dans le programme `{cohort}`. "
            "Ses questions vous arriveront ici, et `mentorés` montre où en sont vos mentorés. Prenez contact "
            "bientôt : une première courte rencontre donne le ton. Merci de partager ce que vous savez !",
        },
        "match.to_mentee": {
            "en": "Good news: {mentor} is now your mentor in the programme `{cohort}`. Ask them anything with "
            "`mentor <your question>`.",
            "fr": "Bonne nouvelle : {mentor} est maintenant votre mentor dans le programme `{cohort}`. "
            "Posez-lui vos questions avec `mentor <votre question>`.",
        },
        # --- capacity and mentors ---
        "match.capacity_set": {
            "en": "{mentor}’s capacity is now {capacity} (mentees now: {load}).",
            "fr": "La capacité {mentor:de} est maintenant de {capacity} (mentorés actuels : {load}).",
        },
        "match.capacity_zero": {
            "en": "{mentor} gets no new mentee from matching (mentees now: {load}).",
            "fr": "{mentor} ne recevra plus de nouveau mentoré par le jumelage (mentorés actuels : {load}).",
        },
        "match.capacity_not_mentor": {
            "en": "{mentor} is not a mentor yet: `mentors {mentor_name}` makes them one.",
            "fr": "{mentor} n’est pas encore mentor : `mentors {mentor_name}` lui donne ce rôle.",
        },
        "match.bad_capacity": {
            "en": "`{value}` is not a capacity: give a whole number of mentees from 0 to {limit}, like "
            "`match capacity @mia 3`.",
            "fr": "`{value}` n’est pas une capacité : donnez un nombre entier de mentorés de 0 à {limit}, par "
            "exemple `jumelage capacité @mia 3`.",
        },
        "match.capacity_usage": {
            "en": "Name one mentor and a number, like `match capacity @mia 3`.",
            "fr": "Nommez un mentor et un nombre, par exemple `jumelage capacité @mia 3`.",
        },
        "mentors.title": {"en": "Mentors ({count}):", "fr": "Mentors ({count}) :"},
        "mentors.line": {
            "en": "- {mentor}: {load} of {capacity} mentees{full}",
            "fr": "- {mentor} : {load} mentorés sur {capacity}{full}",
        },
        "mentors.full": {"en": " (full)", "fr": " (complet)"},
        "mentors.none": {
            "en": "There are no mentors yet. Name some with `mentors @people…`, or import people with the role "
            "`mentor`.",
            "fr": "Il n’y a pas encore de mentor. Désignez-en avec `mentors @personnes…`, ou importez des "
            "personnes avec le rôle `mentor`.",
        },
        "mentors.added": {
            "en": "Now mentors: {names}. `match suggest <cohort>` may propose them (2 mentees each unless "
            "`match capacity` says otherwise).",
            "fr": "Désormais mentors : {names}. `jumelage proposer <cohorte>` peut les proposer (2 mentorés "
            "chacun, sauf autre limite fixée par `jumelage capacité`).",
        },
        "mentors.already": {"en": "Already mentors: {names}.", "fr": "Déjà mentors : {names}."},
        # --- mistakes ---
        "match.no_learners": {
            "en": "Every active learner of `{cohort}` has a mentor already: there is nobody to match.",
            "fr": "Chaque apprenant actif de `{cohort}` a déjà un mentor : il n’y a personne à jumeler.",
        },
        "match.no_mentors": {
            "en": "There are no mentors to draw from. Name some with `mentors @people…` (or `mentors <cohort | "
            "@people…>` after the cohort), or import people with the role `mentor`.",
            "fr": "Il n’y a aucun mentor parmi qui choisir. Désignez-en avec `mentors @personnes…` (ou "
            "`mentors <cohorte | @personnes…>` après la cohorte), ou importez des personnes avec le rôle "
            "`mentor`.",
        },
        "match.bad_mentors": {
            "en": "After `mentors`, name one cohort or some people (`@mia @noah`).",
            "fr": "Après `mentors`, nommez une cohorte ou des personnes (`@mia @noah`).",
        },
        "match.nothing_open": {
            "en": "No proposal is waiting for a decision. Start with `match suggest <cohort>`.",
            "fr": "Aucune proposition n’attend de décision. Commencez par `jumelage proposer <cohorte>`.",
        },
        "match.which_cohort": {
            "en": "Several cohorts have proposals waiting ({names}): name one, like `match accept {first} all`.",
            "fr": "Plusieurs cohortes ont des propositions en attente ({names}) : nommez-en une, par exemple "
            "`jumelage accepter {first} tout`.",
        },
        "match.no_round": {
            "en": "`{cohort}` has had no proposals yet. Start with `match suggest {cohort}`.",
            "fr": "`{cohort}` n’a pas encore eu de propositions. Commencez par `jumelage proposer {cohort}`.",
        },
        "match.decided": {
            "en": "The last proposals for `{cohort}` are all decided. `match suggest {cohort}` proposes again for "
            "the learners still without a mentor.",
            "fr": "Les dernières propositions pour `{cohort}` sont toutes tranchées. `jumelage proposer {cohort}` "
            "propose à nouveau pour les apprenants encore sans mentor.",
        },
        "match.accept_what": {
            "en": "Say which pairs: `all`, or their numbers, like `match accept 1 3`.",
            "fr": "Dites quelles paires : `tout`, ou leurs numéros, par exemple `jumelage accepter 1 3`.",
        },
        "match.bad_number": {
            "en": "`{value}` is not the number of a proposed pair: this round’s pairs go from 1 to {count}.",
            "fr": "`{value}` n’est pas le numéro d’une paire proposée : les paires de ce tour vont de 1 à {count}.",
        },
        "match.not_open": {
            "en": "Pair #{number} is decided already ({status}). `match show` shows the round.",
            "fr": "La paire n° {number} est déjà tranchée ({status}). `jumelage voir` affiche le tour.",
        },
        "match.state.accepted": {"en": "accepted", "fr": "acceptée"},
        "match.state.refused": {"en": "refused", "fr": "refusée"},
        "match.state.replaced": {"en": "replaced by a later round", "fr": "remplacée par un tour suivant"},
    }
)

SUBCOMMANDS = {
    "suggest": "suggest", "proposer": "suggest",
    "accept": "accept", "accepter": "accept",
    "redo": "redo", "refaire": "redo",
    "show": "show", "voir": "show",
    "capacity": "capacity", "capacite": "capacity", "capacité": "capacity",
}  # fmt: skip
ALL_WORDS = frozenset({"all", "tout", "tous", "toutes"})
MENTORS_WORD = "mentors"
DEFAULT_CAPACITY = 2
"""Mentees a mentor may get from matching unless `match capacity` says otherwise."""
MAX_CAPACITY = 10
NUMBER_RE = re.compile(r"^(\d{1,6})(?:-(\d{1,6}))?$")


async def handle_match(ctx: Context, args: str) -> list[Reply]:
    """Dispatch `match <suggest|accept|redo|show|capacity> …`; bare, the round waiting for a decision."""
    word, _, rest = args.strip().partition(" ")
    sub = SUBCOMMANDS.get(word.lower()) if word else "show"
    if sub == "suggest":
        return await _suggest(ctx, rest)
    if sub == "accept":
        return await _accept(ctx, rest)
    if sub == "redo":
        return await _redo(ctx, rest)
    if sub == "show":
        return await _show(ctx, rest)
    if sub == "capacity":
        return await _capacity(ctx, rest)
    raise UsageError("match")


# --- suggest, redo, show -----------------------------------------------------------------------------------


async def _suggest(ctx: Context, rest: str) -> list[Reply]:
    """`match suggest <cohort> [mentors <cohort | @people…>]`."""
    words = rest.split()
    if not words:
        raise UsageError("match")
    cohort = await resolve_cohort(ctx, words[0], command="match")
    named = await _named_mentors(ctx, words[1:])
    return await _propose(ctx, cohort, named, action="match.suggest")


async def _redo(ctx: Context, rest: str) -> list[Reply]:
    """`match redo [<cohort>] [numbers] [mentors …]`: refuse the pairs named, or every pair still proposed,
    and propose again for the learners still without a mentor."""
    words = rest.split()
    option = next((i for i, word in enumerate(words) if word.lower() == MENTORS_WORD), len(words))
    cohort, numbers = await _round_cohort(ctx, words[:option])
    named = await _named_mentors(ctx, words[option:])
    await matching.lock_cohort(ctx.session, cohort_id=_id(cohort))
    rows = await matching.latest_round(ctx.session, cohort_id=_id(cohort))
    if not rows:
        raise UserError("match.no_round", cohort=cohort.name)
    everything = not numbers or (len(numbers) == 1 and numbers[0].lower() in ALL_WORDS)
    refused = _open(rows) if everything else _pick(ctx, rows, numbers)
    await matching.decide(
        ctx.session, proposal_ids=[_id(row) for row in refused], status=ProposalStatus.REFUSED, now=ctx.now()
    )
    return await _propose(ctx, cohort, named, action="match.redo", refused=refused)


async def _show(ctx: Context, rest: str) -> list[Reply]:
    """`match show [<cohort>]`: the cohort's last round as it stands; unnamed, the cohort whose round was
    proposed last (unless several cohorts have proposals waiting: then it must be named)."""
    words = rest.split()
    if len(words) > 1:
        raise UsageError("match")
    if words or await matching.open_cohorts(ctx.session):
        cohort, _ = await _round_cohort(ctx, words)
    else:
        last = await matching.last_proposed_cohort(ctx.session)
        if last is None:
            raise UserError("match.nothing_open")
        cohort = last
    rows = await matching.latest_round(ctx.session, cohort_id=_id(cohort))
    if not rows:
        raise UserError("match.no_round", cohort=cohort.name)
    found = await _people_of(ctx, rows)
    learners = len({row.learner_id for row in rows})
    return [Text(_render(ctx, cohort, rows, found, learners), private=True)]


async def _named_mentors(ctx: Context, words: Sequence[str]) -> list[Person] | None:
    """The mentors `mentors <cohort | @people…>` names (None without the option): a cohort's active members,
    or the people mentioned."""
    if not words:
        return None
    if words[0].lower() != MENTORS_WORD or len(words) < 2:
        raise UsageError("match", "match.bad_mentors")
    targets = words[1:]
    if all(is_person_token(ctx, word) for word in targets):
        found = {}
        for word in targets:
            person = await resolve_person(ctx, word, command="match")
            found[person.id] = person
        return list(found.values())
    if len(targets) > 1:
        raise UsageError("match", "match.bad_mentors")
    cohort = await resolve_cohort(ctx, targets[0], command="match")
    return await matching.active_members(ctx.session, cohort_id=_id(cohort))


async def _propose(
    ctx: Context,
    cohort: Cohort,
    named: list[Person] | None,
    *,
    action: str,
    refused: Sequence[MatchProposal] = (),
) -> list[Reply]:
    """Solve a round for the cohort's learners without a mentor, store it, and show it."""
    session = ctx.session
    await matching.lock_cohort(session, cohort_id=_id(cohort))
    pool = named if named is not None else await matching.mentor_pool(session)
    mentor_ids = {_id(person) for person in pool}
    waiting = await matching.learners_without_mentor(session, cohort_id=_id(cohort))
    learners = [
        person for person in waiting if _id(person) not in mentor_ids and person.role != PersonRole.MENTOR
    ]
    if not learners:
        raise UserError("match.no_learners", cohort=cohort.name)
    if not pool:
        raise UserError("match.no_mentors")
    result = await _solve(ctx, cohort, learners, pool)
    rows = [
        {"learner_id": p.learner_id, "mentor_id": p.mentor_id, "reasons": [[r, a] for r, a in p.reasons]}
        for p in result.proposals
    ] + [
        {"learner_id": u.learner_id, "mentor_id": None, "unmet": u.why, "unmet_arg": u.arg}
        for u in result.unmatched
    ]
    made = await matching.start_round(
        session, cohort_id=_id(cohort), rows=rows, proposed_by_id=ctx.person.id, now=ctx.now()
    )
    await activity.audit(
        session,
        actor_key=ctx.person.key,
        action=action,
        args={
            "cohort": cohort.name,
            "round": made[0].round,
            "mentors": None if named is None else [person.key for person in named],
            "refused": [row.number for row in refused],
            "proposed": len(result.proposals),
            "unmatched": len(result.unmatched),
        },
        outcome=AuditOutcome.OK,
    )
    found = {_id(person): person for person in (*learners, *pool)}
    text = _render(ctx, cohort, made, found, len(learners))
    if named is not None and result.proposals:
        text += "\n" + ctx.t("match.redo_same_mentors")
    return [Text(text, private=True)]


async def _solve(ctx: Context, cohort: Cohort, learners: list[Person], pool: list[Person]) -> solver.Result:
    """Gather what the solver needs about these people and run it (in a thread: thousands of people take
    a moment of CPU)."""
    session = ctx.session
    learner_ids = [_id(person) for person in learners]
    mentor_ids = [_id(person) for person in pool]
    enrolled = await matching.enrollments_by_person(session, person_ids=[*learner_ids, *mentor_ids])
    default_tz = ctx.services.settings.default_tz

    def member(person: Person) -> solver.Member:
        zone = plan.zone_for(person, plan.home_cohort(enrolled.get(_id(person), [])), default_tz)
        department = (person.department or "").strip().casefold() or None
        return solver.Member(_id(person), person.lang, zone.key, department)

    managers = await matching.manager_map(session)
    past = await matching.past_pairs(session, learner_ids=learner_ids)
    refused = await matching.refused_pairs(session, cohort_id=_id(cohort))
    load = await matching.loads(session, mentor_ids=mentor_ids)
    capacity = {_id(p): p.mentor_capacity for p in pool if p.mentor_capacity is not None}
    return await asyncio.to_thread(
        solver.suggest,
        [member(person) for person in learners],
        [member(person) for person in pool],
        managers=managers,
        past=past,
        refused=refused,
        capacity=capacity,
        load=load,
        default_capacity=DEFAULT_CAPACITY,
        on=ctx.now().date(),
    )


def _render(
    ctx: Context, cohort: Cohort, rows: Sequence[MatchProposal], found: dict[int, Person], learners: int
) -> str:
    """A round as the admin reads it: one line per pair (with its reasons), then one per learner left
    without a mentor (with the rule that could not be met), then how to decide."""
    pairs = [row for row in rows if row.mentor_id is not None]
    unmet = [row for row in rows if row.mentor_id is None]
    lines = [ctx.t("match.title", cohort=cohort.name, count=learners)]
    for row in pairs:
        status = "" if row.status == ProposalStatus.PROPOSED else ctx.t(f"match.status.{row.status}")
        lines.append(
            ctx.t(
                "match.line",
                number=row.number,
                mentor=_name(found, row.mentor_id),
                learner=_name(found, row.learner_id),
                reasons=", ".join(_reason(ctx, reason, arg) for reason, arg in row.reasons),
                status=status,
            )
        )
    if unmet:
        lines.append("")
        lines.append(ctx.t("match.unmet_title", count=len(unmet)))
        lines.extend(
            ctx.t("match.unmet_line", learner=_name(found, row.learner_id), why=_unmet(ctx, row))
            for row in unmet
        )
        lines.append("")
        if any(row.unmet == solver.Unmet.NO_CAPACITY for row in unmet):
            lines.append(ctx.t("match.hint.capacity"))
        if any(row.unmet != solver.Unmet.NO_CAPACITY for row in unmet):
            lines.append(ctx.t("match.hint.mentors"))
    still = _open(rows)
    lines.append("")
    if len(still) == 1:
        lines.append(ctx.t("match.footer_one", cohort=cohort.name, first=still[0].number))
    elif still:
        example = " ".join(str(row.number) for row in still[:2])
        lines.append(ctx.t("match.footer", cohort=cohort.name, example=example, first=still[0].number))
    elif not pairs:
        lines.append(ctx.t("match.none_found"))
    return "\n".join(lines).rstrip()


def _reason(ctx: Context, reason: str, arg: str) -> str:
    if reason == solver.Reason.LANGUAGE:
        return ctx.t("match.reason.language", language=_language(ctx, arg))
    if reason in (solver.Reason.HOURS, solver.Reason.FEW_HOURS):
        return ctx.t(f"match.reason.{reason}", hours=arg)
    return ctx.t(f"match.reason.{reason}") if f"match.reason.{reason}" in MESSAGES else reason


def _unmet(ctx: Context, row: MatchProposal) -> str:
    """Why a learner got no mentor, in words, naming their languages ("no French-speaking mentor left")."""
    codes = [code for code in (row.unmet_arg or "").split(",") if code]
    speaking = ctx.t("match.or").join(
        ctx.t(f"match.speaking.{code}") if f"match.speaking.{code}" in MESSAGES else code for code in codes
    )
    key = f"match.unmet.{row.unmet}"
    return ctx.t(key, speaking=speaking) if key in MESSAGES else str(row.unmet)


def _language(ctx: Context, code: str) -> str:
    return ctx.t(f"lang.name.{code}") if f"lang.name.{code}" in MESSAGES else code


# --- accept ------------------------------------------------------------------------------------------------


async def _accept(ctx: Context, rest: str) -> list[Reply]:
    """`match accept [<cohort>] all | <numbers>`: pair them and tell both sides; the others stay proposed."""
    cohort, words = await _round_cohort(ctx, rest.split())
    if not words:
        raise UsageError("match", "match.accept_what")
    await matching.lock_cohort(ctx.session, cohort_id=_id(cohort))
    rows = await matching.latest_round(ctx.session, cohort_id=_id(cohort))
    if not rows:
        raise UserError("match.no_round", cohort=cohort.name)
    if not _open(rows):
        raise UserError("match.decided", cohort=cohort.name)
    everything = len(words) == 1 and words[0].lower() in ALL_WORDS
    chosen = _open(rows) if everything else _pick(ctx, rows, words)
    now = ctx.now()
    current = await matching.current_mentors(ctx.session, learner_ids=[row.learner_id for row in chosen])
    found = await _people_of(ctx, rows, also=current.values())
    taken = [row for row in chosen if row.learner_id in current]
    await matching.decide(
        ctx.session, proposal_ids=[_id(row) for row in taken], status=ProposalStatus.REPLACED, now=now
    )
    ready = [row for row in chosen if row.learner_id not in current]
    accepted = set(
        await matching.decide(
            ctx.session, proposal_ids=[_id(row) for row in ready], status=ProposalStatus.ACCEPTED, now=now
        )
    )
    done = [row for row in ready if _id(row) in accepted]
    replies: list[Reply] = []
    for row in done:
        replies.extend(await _make_pair(ctx, cohort, row, found))
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="match.accept",
        args={
            "cohort": cohort.name,
            "round": rows[0].round,
            "pairs": [[found[row.mentor_id or 0].key, found[row.learner_id].key] for row in done],
        },
        outcome=AuditOutcome.OK,
    )
    picked = {_id(row) for row in chosen}
    still = [row for row in _open(rows) if _id(row) not in picked]
    lines = [ctx.t("match.accepted", cohort=cohort.name, count=len(done))]
    lines.extend(
        ctx.t(
            "match.accepted_line",
            number=row.number,
            mentor=_name(found, row.mentor_id),
            learner=_name(found, row.learner_id),
        )
        for row in done
    )
    lines.extend(
        ctx.t(
            "match.skipped",
            number=row.number,
            learner=_name(found, row.learner_id),
            mentor=_name(found, current[row.learner_id]),
        )
        for row in taken
    )
    if still:
        numbers = " ".join(str(row.number) for row in still)
        lines += ["", ctx.t("match.still_open", numbers=numbers, cohort=cohort.name)]
    return [Text("\n".join(lines), private=True), *replies]


async def _make_pair(
    ctx: Context, cohort: Cohort, row: MatchProposal, found: dict[int, Person]
) -> list[Reply]:
    """Pair one accepted proposal and queue the word to each side (once per proposal: its ledger keys),
    with the learner's goals prompt and, for a mentor's first mentee, the mentor's guide."""
    mentor, learner = found[row.mentor_id or 0], found[row.learner_id]
    first = await first_mentee(ctx, mentor)
    await people.pair(
        ctx.session, mentor_id=_id(mentor), mentee_id=_id(learner), now=ctx.now(), source=PairingSource.MATCH
    )
    names = {"mentor": mention(mentor), "mentee": mention(learner), "cohort": cohort.name}
    said = await welcome(
        ctx,
        mentor=mentor,
        mentee=learner,
        first=first,
        to_mentor=t("match.to_mentor", mentor.lang, **names),
        to_mentee=t("match.to_mentee", learner.lang, **names),
    )
    return [
        Notify(
            mentor.key,
            said.mentor,
            kind=DeliveryKind.MATCH,
            person_id=mentor.id,
            key=keys.match_notice_key(_id(row), _id(mentor)),
        ),
        Notify(
            learner.key,
            said.mentee,
            kind=DeliveryKind.MATCH,
            person_id=learner.id,
            key=keys.match_notice_key(_id(row), _id(learner)),
        ),
    ]


# --- capacity and mentors ------------------------------------------------------------------------------------


async def _capacity(ctx: Context, rest: str) -> list[Reply]:
    """`match capacity <@mentor> <0-10>`: how many mentees matching may give this mentor."""
    words = rest.split()
    if len(words) != 2 or not is_person_token(ctx, words[0]):
        raise UsageError("match", "match.capacity_usage")
    mentor = await resolve_person(ctx, words[0], command="match")
    value = words[1]
    if not value.isdigit() or not 0 <= int(value) <= MAX_CAPACITY:
        raise UserError("match.bad_capacity", value=value[:20].replace("`", "'"), limit=MAX_CAPACITY)
    capacity = int(value)
    await matching.set_capacity(ctx.session, person_id=_id(mentor), capacity=capacity)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="match.capacity",
        args={"mentor": mentor.key, "capacity": capacity},
        outcome=AuditOutcome.OK,
    )
    load = (await matching.loads(ctx.session, mentor_ids=[_id(mentor)])).get(_id(mentor), 0)
    key = "match.capacity_set" if capacity else "match.capacity_zero"
    lines = [ctx.t(key, mentor=mention(mentor), capacity=capacity, load=load)]
    if mentor.role != PersonRole.MENTOR and not load:
        lines.append(ctx.t("match.capacity_not_mentor", mentor=mention(mentor), mentor_name=words[0]))
    return [Text("\n".join(lines), private=True)]


async def handle_mentors(ctx: Context, args: str) -> list[Reply]:
    """`mentors`: every mentor with their load and capacity; `mentors @people…`: make them mentors."""
    words = args.split()
    if not words:
        return await _list_mentors(ctx)
    if not all(is_person_token(ctx, word) for word in words):
        raise UsageError("mentors")
    found: dict[int, Person] = {}
    for word in words:
        person = await resolve_person(ctx, word, command="mentors")
        found[_id(person)] = person
    already = [person for person in found.values() if person.role == PersonRole.MENTOR]
    added = [person for person in found.values() if person.role != PersonRole.MENTOR]
    await matching.set_role(ctx.session, person_ids=[_id(person) for person in added], role=PersonRole.MENTOR)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="mentors",
        args={"people": [person.key for person in added]},
        outcome=AuditOutcome.OK,
    )
    lines = []
    if added:
        lines.append(ctx.t("mentors.added", names=", ".join(mention(person) for person in added)))
    if already:
        lines.append(ctx.t("mentors.already", names=", ".join(mention(person) for person in already)))
    return [Text("\n".join(lines), private=True)]


async def _list_mentors(ctx: Context) -> list[Reply]:
    pool = await matching.mentor_pool(ctx.session)
    if not pool:
        return [Text(ctx.t("mentors.none"), private=True)]
    load = await matching.loads(ctx.session, mentor_ids=[_id(person) for person in pool])
    lines = [ctx.t("mentors.title", count=len(pool))]
    for person in sorted(pool, key=lambda p: (p.display_name.casefold(), _id(p))):
        capacity = DEFAULT_CAPACITY if person.mentor_capacity is None else person.mentor_capacity
        mentees = load.get(_id(person), 0)
        full = ctx.t("mentors.full") if mentees >= capacity else ""
        lines.append(
            ctx.t("mentors.line", mentor=mention(person), load=mentees, capacity=capacity, full=full)
        )
    return [Text("\n".join(lines), private=True)]


# --- helpers -------------------------------------------------------------------------------------------------


async def _round_cohort(ctx: Context, words: Sequence[str]) -> tuple[Cohort, list[str]]:
    """The cohort a decision is about, and the words after it: named first, or else the one cohort whose
    proposals wait for a decision."""
    if words and not _is_selection(words[0]):
        return await resolve_cohort(ctx, words[0], command="match"), list(words[1:])
    waiting = await matching.open_cohorts(ctx.session)
    if not waiting:
        raise UserError("match.nothing_open")
    if len(waiting) > 1:
        names = ", ".join(f"`{cohort.name}`" for cohort in waiting)
        raise UserError("match.which_cohort", names=names, first=waiting[0].name)
    return waiting[0], list(words)


def _is_selection(word: str) -> bool:
    """`all`, a number or a range (`1`, `2-4`, `1,3`): not a cohort's name."""
    word = word.lower()
    return word in ALL_WORDS or all(NUMBER_RE.match(part) for part in word.split(",") if part)


def _pick(ctx: Context, rows: Sequence[MatchProposal], words: Sequence[str]) -> list[MatchProposal]:
    """The proposed pairs these numbers name (`1 3`, `1,3`, `2-4`), each once, in order; a number that is
    no pair of the round, or a pair decided already, is explained."""
    pairs = {row.number: row for row in rows if row.mentor_id is not None}
    wanted: list[int] = []
    for word in words:
        for part in (p for p in word.split(",") if p):
            found = NUMBER_RE.match(part)
            if found is None:
                raise UserError("match.bad_number", value=part[:20].replace("`", "'"), count=len(pairs))
            first, last = int(found.group(1)), int(found.group(2) or found.group(1))
            span = range(first, last + 1)
            if not span or any(number not in pairs for number in span):
                raise UserError("match.bad_number", value=part, count=len(pairs))
            wanted.extend(span)
    if not wanted:
        raise UsageError("match", "match.accept_what")
    chosen = [pairs[number] for number in dict.fromkeys(wanted)]
    for row in chosen:
        if row.status != ProposalStatus.PROPOSED:
            raise UserError("match.not_open", number=row.number, status=ctx.t(f"match.state.{row.status}"))
    return chosen


def _open(rows: Sequence[MatchProposal]) -> list[MatchProposal]:
    """The pairs of a round still waiting for a decision."""
    return [row for row in rows if row.mentor_id is not None and row.status == ProposalStatus.PROPOSED]


async def _people_of(
    ctx: Context, rows: Sequence[MatchProposal], *, also: Iterable[int] = ()
) -> dict[int, Person]:
    """The people of these proposals (and `also` these), by id."""
    ids = {row.learner_id for row in rows} | {row.mentor_id for row in rows if row.mentor_id is not None}
    ids |= set(also)
    return await people.people_by_ids(ctx.session, ids=sorted(ids))


def _name(found: dict[int, Person], person_id: int | None) -> str:
    person = found.get(person_id or 0)
    return mention(person) if person is not None else "?"


def _id(thing: Person | Cohort | MatchProposal) -> int:
    if thing.id is None:
        raise ValueError("a row without an id")
    return thing.id
