"""People from the chat (admins): `people import` and `invite`; and the invited person's answer.

- `people import` (`personnes importer`) reads the CSV file sent with the message (`Event.files`, taken
  in by the channel through bot/core/intake.py; in the console, `people import <path>`). The file is
  checked by the importer (bot/core/people_import.py): any problem, each on its line (a loop in the
  reporting line too), and nothing is written. Otherwise the preview says who is new, who changes and
  how, who stays the same and who cannot be reached yet, and waits 30 minutes for **Import** or
  **Cancel** (the dashboard's own preview row, `PendingKind.IMPORT_PREVIEW`). Importing writes the whole
  file at once, or nothing.
- Importing is an invitation, never an enrollment. `invite <cohort> <@people… | imported>` sends each
  person, through the delivery ledger, a short invitation with **Join** and **Not now**; `imported`
  names the people of the admin's last import, from the chat or the dashboard (kept a week,
  `PendingKind.IMPORTED`, written by `people_import.apply`).
  Someone Tandem cannot reach yet gets it once it can (the ledger holds it, for `INVITATION_LASTS`).
- **Join** enrolls the person who pressed it, in that cohort, as `enroll` would, and records their
  consent in the audit log; only someone the cohort invited can.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.core import intake, people_import
from bot.core.args import mention, resolve_cohort, resolve_person
from bot.core.context import Context
from bot.core.dates import format_moment
from bot.core.errors import PermissionDenied, UsageError, UserError
from bot.core.replies import Button, Notify, Reply, Text
from bot.core.text import neutralize
from bot.i18n import register, t
from scheduler import plan as drip
from storage import activity, cohorts, invitations, keys, people
from storage import people_import as store
from storage.enums import AuditOutcome, DeliveryKind, EnrollmentStatus, PendingKind, PersonRole
from storage.models import Cohort, PendingAction, Person

IMPORT_ACTION = "people.import"
CANCEL_ACTION = "people.cancel"
JOIN_ACTION = "cohort.join"
NOT_NOW_ACTION = "cohort.not_now"
IMPORTED_WORDS = frozenset({"imported", "importés", "importes", "importées", "importees"})
"""`invite <cohort> imported`: the people of the admin's last import (`people_import.IMPORTED_LASTS`)."""
INVITATION_LASTS = dt.timedelta(days=30)
"""How long an invitation waits for someone Tandem cannot reach yet (a Teams person who has not opened
it, a Slack account not created yet) before it is given up and its sender told."""
NAMES_SHOWN = 10
PROBLEMS_SHOWN = 25
SEPARATORS = ",;"

register(
    {
        "people.usage": {"en": "people import + a CSV file", "fr": "personnes importer + un fichier CSV"},
        "people.help": {
            "en": "import people from a CSV file, previewed first (importing invites, never enrolls)",
            "fr": "importer des personnes depuis un fichier CSV, avec un aperçu d’abord (importer invite, "
            "sans jamais inscrire)",
        },
        "people.denied": {
            "en": "Importing people is for programme admins. An admin can give you the role with `admin add`.",
            "fr": "L’import de personnes est réservé aux administrateurs du programme. Un administrateur "
            "peut vous donner ce rôle avec `admin ajouter`.",
        },
        "people.no_file.slack": {
            "en": "Send the CSV file here, in your direct messages with me, with `people import` as its "
            "message (a slash command cannot carry a file).",
            "fr": "Envoyez le fichier CSV ici, dans vos messages directs avec moi, avec `personnes "
            "importer` pour message (une commande slash ne peut pas porter de fichier).",
        },
        "people.no_file.teams": {
            "en": "Send the CSV file in your personal chat with me, with the message `people import`.",
            "fr": "Envoyez le fichier CSV dans votre conversation privée avec moi, avec le message "
            "`personnes importer`.",
        },
        "people.no_file.console": {
            "en": "Give the path of the CSV file: `people import people.csv`.",
            "fr": "Indiquez le chemin du fichier CSV : `personnes importer personnes.csv`.",
        },
        "people.one_file": {
            "en": "Please send one file at a time. Nothing was imported.",
            "fr": "Envoyez un seul fichier à la fois. Rien n’a été importé.",
        },
        "people.problems": {
            "en": "Nothing was imported from `{name}`. Fix these lines and send the file again:\n{lines}",
            "fr": "Rien n’a été importé depuis `{name}`. Corrigez ces lignes et renvoyez le fichier :\n{lines}",
        },
        "people.changed": {
            "en": "Nothing was imported: things changed since the preview. Send the file again to see "
            "them:\n{lines}",
            "fr": "Rien n’a été importé : des choses ont changé depuis l’aperçu. Renvoyez le fichier pour "
            "les voir :\n{lines}",
        },
        "people.more_problems": {"en": "…and {count} more.", "fr": "…et {count} de plus."},
        "people.more": {"en": "and {count} more", "fr": "et {count} autres"},
        "people.preview.title": {
            "en": "**Preview of `{name}`** ({count} people). Nothing is saved until you press **Import**.",
            "fr": "**Aperçu de `{name}`** ({count} personnes). Rien n’est enregistré avant que vous "
            "appuyiez sur **Importer**.",
        },
        "people.preview.new": {"en": "New ({count}): {names}", "fr": "Nouvelles ({count}) : {names}"},
        "people.preview.update": {
            "en": "Changed ({count}): {names}",
            "fr": "Modifiées ({count}) : {names}",
        },
        "people.preview.same": {"en": "Unchanged: {count}", "fr": "Inchangées : {count}"},
        "people.preview.unreachable": {
            "en": "Not reachable yet ({count}), kept as pending: {names}",
            "fr": "Pas encore joignables ({count}), gardées en attente : {names}",
        },
        "people.preview.changed_fields": {
            "en": "{name} (line {line}: {fields})",
            "fr": "{name} (ligne {line} : {fields})",
        },
        "people.preview.reason": {
            "en": "{name} (line {line}: {reason})",
            "fr": "{name} (ligne {line} : {reason})",
        },
        "people.preview.note": {
            "en": "Importing enrolls nobody: afterwards, `invite <cohort> imported` asks them to join. "
            "This preview is yours for 30 minutes.",
            "fr": "Importer n’inscrit personne : ensuite, `inviter <cohorte> importés` leur propose de "
            "rejoindre une cohorte. Cet aperçu vous est réservé pendant 30 minutes.",
        },
        "people.button.import": {"en": "Import", "fr": "Importer"},
        "people.button.cancel": {"en": "Cancel", "fr": "Annuler"},
        "people.imported": {
            "en": "Imported: {new} new, {updated} changed, {same} unchanged.",
            "fr": "Import terminé : {new} nouvelles, {updated} modifiées, {same} inchangées.",
        },
        "people.imported.pending": {
            "en": "{count} cannot be reached yet: they are kept as pending, and get their messages once "
            "Tandem can reach them.",
            "fr": "{count} ne sont pas encore joignables : elles sont gardées en attente, et recevront "
            "leurs messages dès que Tandem pourra les joindre.",
        },
        "people.imported.nobody_enrolled": {"en": "Nobody was enrolled.", "fr": "Personne n’a été inscrit."},
        "people.next.invite": {
            "en": "To ask them to join a cohort: `invite <cohort> imported` (cohorts: {cohorts}).",
            "fr": "Pour leur proposer de rejoindre une cohorte : `inviter <cohorte> importés` (cohortes : "
            "{cohorts}).",
        },
        "people.next.cohort": {
            "en": "To ask them to join a cohort, create one (`cohort create`), then `invite <cohort> imported`.",
            "fr": "Pour leur proposer de rejoindre une cohorte, créez-en une (`cohorte créer`), puis "
            "`inviter <cohorte> importés`.",
        },
        "people.cancelled": {
            "en": "Cancelled: nothing was imported.",
            "fr": "Annulé : rien n’a été importé.",
        },
        "people.expired": {
            "en": "This preview was used or has expired: nothing more was imported. Send the file again "
            "for a new one.",
            "fr": "Cet aperçu a déjà servi ou a expiré : rien de plus n’a été importé. Renvoyez le "
            "fichier pour en avoir un nouveau.",
        },
        "invite.usage": {
            "en": "invite <cohort> <@people… | imported>",
            "fr": "inviter <cohorte> <@personnes… | importés>",
        },
        "invite.help": {
            "en": "invite people to join a cohort (they choose, with a Join button)",
            "fr": "proposer à des personnes de rejoindre une cohorte (elles choisissent, avec un bouton "
            "Rejoindre)",
        },
        "invite.no_import": {
            "en": "You have no import of the last 7 days to invite. Import people first with `people "
            "import` (or the dashboard's Import people page), or name them: `invite <cohort> @person`.",
            "fr": "Vous n’avez aucun import des 7 derniers jours à inviter. Importez d’abord des personnes "
            "avec `personnes importer` (ou la page Importer des personnes du tableau de bord), ou nommez-les : "
            "`inviter <cohorte> @personne`.",
        },
        "invite.done": {
            "en": "Invited to **{cohort}** ({count}): {names}. They join with the **Join** button of their "
            "invitation: nobody is enrolled until they do.",
            "fr": "Invitées dans **{cohort}** ({count}) : {names}. Elles rejoignent la cohorte avec le "
            "bouton **Rejoindre** de leur invitation : personne n’est inscrit avant.",
        },
        "invite.waiting": {
            "en": "Not reachable yet ({count}): {names}. Their invitation waits until Tandem can reach "
            "them, for {days} days.",
            "fr": "Pas encore joignables ({count}) : {names}. Leur invitation attend que Tandem puisse "
            "les joindre, pendant {days} jours.",
        },
        "invite.already_in": {
            "en": "Already in **{cohort}** ({count}): {names}.",
            "fr": "Déjà dans **{cohort}** ({count}) : {names}.",
        },
        "invite.already_invited": {
            "en": "Invited already, not again ({count}): {names}.",
            "fr": "Déjà invitées, pas de nouveau ({count}) : {names}.",
        },
        "invite.mentors": {
            "en": "Mentors of the import, left out ({count}): {names}. Name them to invite them all the same.",
            "fr": "Mentors de l’import, laissés de côté ({count}) : {names}. Nommez-les pour les inviter "
            "quand même.",
        },
        "invite.nobody": {"en": "Nobody to invite.\n{details}", "fr": "Personne à inviter.\n{details}"},
        "invite.message": {
            "en": "{admin} invites you to join **{cohort}**, a reverse-mentoring programme on *{track}*: one "
            "short digital tip a day at your own time, a one-question quiz now and then, and a mentor to "
            "ask. It’s your choice: join when you like, or not at all.",
            "fr": "{admin} vous invite à rejoindre **{cohort}**, un programme de mentorat inversé sur "
            "*{track}* : une courte astuce numérique par jour à l’heure de votre choix, un petit quiz de "
            "temps en temps, et un mentor à qui poser vos questions. C’est vous qui choisissez : "
            "rejoignez-le quand vous voulez, ou pas du tout.",
        },
        "invite.button.join": {"en": "Join", "fr": "Rejoindre"},
        "invite.button.not_now": {"en": "Not now", "fr": "Pas maintenant"},
        "join.done": {
            "en": "Welcome to **{cohort}**! Your first tip: {first}. `settings` changes its time and "
            "days, and `stop` ends the tips whenever you like.",
            "fr": "Bienvenue dans **{cohort}** ! Votre premier conseil : {first}. `réglages` change "
            "l’heure et les jours, et `arrêter` met fin aux conseils quand vous voulez.",
        },
        "join.already": {
            "en": "You are already in **{cohort}**.",
            "fr": "Vous faites déjà partie de **{cohort}**.",
        },
        "join.not_now": {
            "en": "No problem. The **Join** button stays here if you change your mind.",
            "fr": "Pas de souci. Le bouton **Rejoindre** reste là si vous changez d’avis.",
        },
    }
)


# --- people import ------------------------------------------------------------------------------------------


async def handle_people(ctx: Context, args: str) -> list[Reply]:
    """`people import` with its file: the preview with Import / Cancel, or the file's problems."""
    word = args.strip().split(" ", 1)[0].lower()
    if word not in intake.FILE_SUBCOMMANDS:
        raise UsageError("people")
    files = ctx.event.files
    platform = people_import.workspace_of(ctx.person.key)[0]
    if not files:
        raise UserError(f"people.no_file.{platform if platform in ('slack', 'console') else 'teams'}")
    if len(files) > 1:
        raise UserError("people.one_file")
    file = files[0]
    if len(file.content) > intake.MAX_FILE_BYTES:  # a channel reads no more; checked here for any other
        size, limit = (len(file.content) + 999) // 1000, intake.MAX_FILE_BYTES // 1000
        web = people_import.MAX_BYTES // 1000
        raise UserError("intake.too_big", name=neutralize(file.name, 80), size=size, limit=limit, web=web)
    parsed = people_import.parse(file.content, platform=platform)
    if parsed.problems:
        raise _problems(
            "people.problems", [*parsed.problems, *await _more_problems(ctx, parsed)], ctx, file.name
        )
    entries = intake.looked_up(ctx.person.key, file.content) or await people_import.resolve(
        parsed.rows, importer_key=ctx.person.key, directory=None
    )
    plan = await people_import.preview(ctx.session, entries, importer_key=ctx.person.key)
    if plan.problems:
        found = [*plan.problems, *await _loops_among_the_rest(ctx, entries, plan)]
        raise _problems("people.problems", found, ctx, file.name)
    pending = await activity.set_pending(
        ctx.session,
        person_id=ctx.person.id or 0,
        kind=PendingKind.IMPORT_PREVIEW,
        data={"entries": [e.to_json() for e in plan.entries], "cohort_id": None, "file": file.name},
        expires_at=ctx.now() + people_import.PREVIEW_LASTS,
    )
    buttons = (
        Button(ctx.t("people.button.import"), IMPORT_ACTION, str(pending.id), style="primary"),
        Button(ctx.t("people.button.cancel"), CANCEL_ACTION, str(pending.id)),
    )
    return [Text(_preview_text(ctx, plan, file.name), buttons)]


async def _more_problems(ctx: Context, parsed: people_import.Parsed) -> list[people_import.Problem]:
    """A file with bad lines: also what its good lines get wrong against each other and the database
    (managers, loops), so one round of fixes is enough; a manager on a bad line is not also missing."""
    if not parsed.rows:
        return []
    entries = await people_import.resolve(parsed.rows, importer_key=ctx.person.key, directory=None)
    plan = await people_import.preview(ctx.session, entries, importer_key=ctx.person.key)
    found = [
        problem
        for problem in plan.problems
        if not (
            problem.key == "dash.import.no_manager"
            and str(problem.values.get("value", "")).lower() in parsed.named
        )
    ]
    return [*found, *await _loops_among_the_rest(ctx, entries, plan)]


async def _loops_among_the_rest(
    ctx: Context, entries: Sequence[people_import.Entry], plan: people_import.Plan
) -> list[people_import.Problem]:
    """The loops in the reporting lines of the entries without a problem: the importer looks for loops
    only once every manager is found, and a missing manager should not hide a loop until the next try."""
    bad = {problem.line for problem in plan.problems}
    rest = [entry for entry in entries if entry.line not in bad]
    if not bad or not rest:
        return []
    again = await people_import.preview(ctx.session, rest, importer_key=ctx.person.key)
    return [problem for problem in again.problems if problem.key == "dash.import.cycle"]


def _problems(key: str, problems: Sequence[people_import.Problem], ctx: Context, name: str = "") -> UserError:
    """The file's problems, by line (the first PROBLEMS_SHOWN), as the error that writes nothing."""
    lines = [f"- {line}" for line in people_import.texts(problems, ctx.lang)]
    if len(lines) > PROBLEMS_SHOWN:
        more = ctx.t("people.more_problems", count=len(lines) - PROBLEMS_SHOWN)
        lines = [*lines[:PROBLEMS_SHOWN], more]
    return UserError(key, name=neutralize(name, 80), lines="\n".join(lines))


def _preview_text(ctx: Context, plan: people_import.Plan, name: str) -> str:
    """Who is new, who changes (which fields), how many stay the same, who cannot be reached yet."""
    platform = people_import.PLATFORM_NAMES.get(people_import.workspace_of(ctx.person.key)[0], "")
    new, changed, same = plan.of("new"), plan.of("update"), plan.of("same")
    lines = [ctx.t("people.preview.title", name=neutralize(name, 80), count=len(plan.changes))]
    if new:
        lines.append(ctx.t("people.preview.new", count=len(new), names=_names(ctx, [_name(c) for c in new])))
    if changed:
        shown = [
            ctx.t(
                "people.preview.changed_fields",
                name=_name(c),
                line=c.line,
                fields=", ".join(ctx.t(f"dash.import.field.{f}") for f in c.fields),
            )
            for c in changed
        ]
        lines.append(ctx.t("people.preview.update", count=len(changed), names=_names(ctx, shown)))
    if same:
        lines.append(ctx.t("people.preview.same", count=len(same)))
    if plan.unresolved:
        shown = [
            ctx.t(
                "people.preview.reason",
                name=_name(c),
                line=c.line,
                reason=ctx.t(c.reason or "dash.import.reason.unreachable", platform=platform),
            )
            for c in plan.unresolved
        ]
        lines.append(
            ctx.t("people.preview.unreachable", count=len(plan.unresolved), names=_names(ctx, shown))
        )
    lines.append(ctx.t("people.preview.note"))
    return "\n".join(lines)


def _name(change: people_import.Change) -> str:
    return f"**{neutralize(change.name, 60)}**"


def _names(ctx: Context, shown: Sequence[str]) -> str:
    """The first NAMES_SHOWN of a list, and how many more."""
    names = ", ".join(shown[:NAMES_SHOWN])
    if len(shown) > NAMES_SHOWN:
        names += " " + ctx.t("people.more", count=len(shown) - NAMES_SHOWN)
    return names


async def handle_import(ctx: Context, value: str) -> list[Reply]:
    """**Import** on a preview: the whole file, in this transaction, checked again against the database
    as it is now (a problem writes nothing); `people_import.apply` makes the people it resolved
    reachable and its people what `invite … imported` names."""
    _only_admins(ctx)
    pending = await _take_preview(ctx, value)
    entries = [people_import.Entry.from_json(e) for e in pending.data.get("entries") or []]
    plan = await people_import.preview(ctx.session, entries, importer_key=ctx.person.key)
    if plan.problems:
        raise _problems("people.changed", plan.problems, ctx)
    settings = ctx.services.settings
    applied = await people_import.apply(
        ctx.session,
        plan,
        importer_key=ctx.person.key,
        admins=settings.admins,
        default_lang=settings.default_lang,
        now=ctx.now(),
    )
    done = [ctx.t("people.imported", new=applied.new, updated=applied.updated, same=applied.unchanged)]
    if applied.unresolved:
        done.append(ctx.t("people.imported.pending", count=applied.unresolved))
    done.append(ctx.t("people.imported.nobody_enrolled"))
    names = [f"`{neutralize(c.name, 60)}`" for c in await cohorts.list_cohorts(ctx.session)]
    after = ctx.t("people.next.invite", cohorts=", ".join(names)) if names else ctx.t("people.next.cohort")
    return [Text(f"{' '.join(done)}\n{after}", replaces=True)]


async def handle_cancel(ctx: Context, value: str) -> list[Reply]:
    """**Cancel** on a preview: it is dropped, and nothing was imported."""
    _only_admins(ctx)
    await _take_preview(ctx, value)
    return [Text(ctx.t("people.cancelled"), replaces=True)]


async def _take_preview(ctx: Context, value: str) -> PendingAction:
    """This admin's preview `value`, used up; a preview used already, expired or another's says so."""
    pending = (
        await store.take_preview(
            ctx.session, person_id=ctx.person.id or 0, pending_id=int(value), now=ctx.now()
        )
        if value.isdigit()
        else None
    )
    if pending is None:
        raise UserError("people.expired")
    return pending


def _only_admins(ctx: Context) -> None:
    """Buttons run without the router's role check: an import's buttons are for admins only."""
    if not ctx.person.is_admin:
        raise PermissionDenied("people", "people.denied")


# --- invitations ----------------------------------------------------------------------------------------------


async def handle_invite(ctx: Context, args: str) -> list[Reply]:
    """`invite <cohort> <@people… | imported>`: an invitation with Join / Not now to each person not in
    the cohort and not invited to it yet, through the ledger (held for whoever cannot be reached yet)."""
    words = [word.strip(SEPARATORS) for word in args.split() if word.strip(SEPARATORS)]
    if len(words) < 2:
        raise UsageError("invite")
    cohort = await resolve_cohort(ctx, words[0], command="invite")
    chosen, mentors = await _chosen(ctx, words[1:])
    ids = [person.id or 0 for person in chosen]
    enrolled = await cohorts.enrollments_in(ctx.session, cohort_id=cohort.id or 0, person_ids=ids)
    already_in = [p for p in chosen if p.id in enrolled and enrolled[p.id].status != EnrollmentStatus.STOPPED]
    asked = await invitations.invitations_to(ctx.session, cohort_id=cohort.id or 0, person_ids=ids)
    already_invited = [p for p in chosen if p not in already_in and p.id in asked and asked[p.id].standing]
    invited = [p for p in chosen if p not in already_in and p not in already_invited]
    words_ = _InviteWords(ctx, cohort)
    details = [
        words_.group("invite.already_in", already_in),
        words_.group("invite.already_invited", already_invited),
        words_.group("invite.mentors", mentors),
    ]
    if not invited:
        raise UserError("invite.nobody", details="\n".join(line for line in details if line))
    notes = [await _invitation(ctx, cohort, person, asked.get(person.id or 0)) for person in invited]
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="invite",
        args={
            "cohort": cohort.name,
            "invited": len(invited),
            "already_in": len(already_in),
            "already_invited": len(already_invited),
        },
        outcome=AuditOutcome.OK,
    )
    waiting = [p for p in invited if not p.reachable]
    lines = [
        words_.group("invite.done", invited),
        words_.group("invite.waiting", waiting, days=INVITATION_LASTS.days),
        *details,
    ]
    return [Text("\n".join(line for line in lines if line)), *notes]


async def _chosen(ctx: Context, tokens: Sequence[str]) -> tuple[list[Person], list[Person]]:
    """The people the tokens name, in order and once each; `imported` adds the last import's people but
    its mentors, who are returned apart (a mentor named by a mention is invited)."""
    chosen: dict[int, Person] = {}
    mentors: dict[int, Person] = {}
    for token in tokens:
        if token.lower() in IMPORTED_WORDS:
            imported, left_out = await _last_import(ctx)
            for person in imported:
                chosen.setdefault(person.id or 0, person)
            for person in left_out:
                mentors.setdefault(person.id or 0, person)
            continue
        person = await resolve_person(ctx, token, command="invite")
        chosen.setdefault(person.id or 0, person)
        mentors.pop(person.id or 0, None)
    return list(chosen.values()), [p for i, p in mentors.items() if i not in chosen]


async def _last_import(ctx: Context) -> tuple[list[Person], list[Person]]:
    """The people of the admin's last import, from the chat or the dashboard (still known): learners,
    and mentors."""
    rows = await activity.live_prompts(
        ctx.session, person_id=ctx.person.id or 0, kinds=[PendingKind.IMPORTED], now=ctx.now()
    )
    if not rows:
        raise UserError("invite.no_import")
    ids = [int(i) for i in rows[0].data.get("person_ids") or [] if isinstance(i, int)]
    found = await people.people_by_ids(ctx.session, ids=ids)
    mentoring = {person.id for person in await people.mentors(ctx.session)}
    everyone = [found[i] for i in ids if i in found]
    is_mentor = [p for p in everyone if p.role == PersonRole.MENTOR or p.id in mentoring]
    return [p for p in everyone if p not in is_mentor], is_mentor


async def _invitation(
    ctx: Context, cohort: Cohort, person: Person, before: invitations.Invited | None
) -> Notify:
    """One person's invitation, in their language, under its own ledger key: a new key after an
    invitation that never reached them (`revision`)."""
    lang = person.lang
    track = ctx.library.tracks.get(cohort.track_id)
    text = t(
        "invite.message",
        lang,
        admin=mention(ctx.person),
        cohort=neutralize(cohort.name, 60),
        track=track.title(lang) if track else neutralize(cohort.track_id, 64),
    )
    value = str(cohort.id)
    buttons = (
        Button(t("invite.button.join", lang), JOIN_ACTION, value, style="primary"),
        Button(t("invite.button.not_now", lang), NOT_NOW_ACTION, value),
    )
    return Notify(
        person.key,
        (Text(text, buttons),),
        kind=DeliveryKind.NOTICE,
        person_id=person.id,
        key=keys.cohort_invite_key(cohort.id or 0, person.id or 0, before.count if before else 0),
        expires_at=ctx.now() + INVITATION_LASTS,
    )


class _InviteWords:
    """How an invitation's outcome reads to the admin: each group with its first names."""

    def __init__(self, ctx: Context, cohort: Cohort) -> None:
        self.ctx, self.cohort = ctx, cohort

    def group(self, key: str, chosen: Sequence[Person], **values: object) -> str:
        if not chosen:
            return ""
        names = _names(self.ctx, [mention(person) for person in chosen])
        cohort = neutralize(self.cohort.name, 60)
        return self.ctx.t(key, cohort=cohort, count=len(chosen), names=names, **values)


# --- the invited person's answer -------------------------------------------------------------------------------


async def handle_join(ctx: Context, value: str) -> list[Reply]:
    """**Join**: the person who pressed it is enrolled in the cohort that invited them (resumed, when
    they had been in it), from their next delivery time, and their consent is in the audit log."""
    cohort = await _inviting(ctx, value)
    person = ctx.person
    enrollment = await cohorts.get_enrollment(ctx.session, person_id=person.id or 0, cohort_id=cohort.id or 0)
    name = neutralize(cohort.name, 60)
    if enrollment is not None and enrollment.status != EnrollmentStatus.STOPPED:
        return [Text(ctx.t("join.already", cohort=name), replaces=True)]
    default_tz = ctx.services.settings.default_tz
    paused = enrollment.paused_until if enrollment is not None else None
    first = drip.next_due(person, cohort, default_tz, after=ctx.now(), paused_until=paused)
    if enrollment is None:
        await cohorts.add_enrollments(ctx.session, cohort_id=cohort.id or 0, due=[(person.id or 0, first)])
    else:
        await cohorts.resume_enrollment(ctx.session, enrollment=enrollment, next_due_at=first)
    await activity.audit(
        ctx.session,
        actor_key=person.key,
        action="join",
        args={"cohort": cohort.name, "consent": "invitation"},
        outcome=AuditOutcome.OK,
    )
    zone = drip.zone_for(person, cohort, default_tz)
    return [Text(ctx.t("join.done", cohort=name, first=format_moment(first, zone, ctx.lang)), replaces=True)]


async def handle_not_now(ctx: Context, value: str) -> list[Reply]:
    """**Not now**: nothing changes, the answer is recorded, and Join stays on offer."""
    cohort = await _inviting(ctx, value)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="join.not_now",
        args={"cohort": cohort.name},
        outcome=AuditOutcome.OK,
    )
    join = Button(ctx.t("invite.button.join"), JOIN_ACTION, str(cohort.id), style="primary")
    return [Text(ctx.t("join.not_now"), (join,), replaces=True)]


async def _inviting(ctx: Context, value: str) -> Cohort:
    """The cohort a Join or Not now button names, when it invited the person pressing it."""
    cohort = await cohorts.get_cohort_by_id(ctx.session, cohort_id=int(value)) if value.isdigit() else None
    if cohort is None or not await invitations.was_invited(
        ctx.session, cohort_id=cohort.id or 0, person_id=ctx.person.id or 0
    ):
        raise UserError("error.stale_button")
    return cohort
