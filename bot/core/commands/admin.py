"""Programme admins: `admin add <@person>`, `admin remove <@person>`, `admin list` (admins)."""

from __future__ import annotations

from bot.core.args import mention, resolve_person
from bot.core.context import Context
from bot.core.errors import UsageError, UserError
from bot.core.replies import Notify, Reply, Text
from bot.i18n import register, t
from storage import activity, keys, people
from storage.enums import AuditOutcome
from storage.models import Person, PersonUpdate

register(
    {
        "admin.usage": {
            "en": "admin add <@person> | admin remove <@person> | admin list",
            "fr": "admin ajouter <@personne> | admin retirer <@personne> | admin liste",
        },
        "admin.help": {
            "en": "give or take the admin role",
            "fr": "donner ou retirer le rôle d’administrateur",
        },
        "admin.added": {
            "en": "{person} is now an admin.",
            "fr": "{person} est maintenant administrateur.",
        },
        "admin.welcome": {
            "en": "{by} made you a Tandem admin. Type `help` to see the admin commands.",
            "fr": "{by} vous a nommé administrateur de Tandem. Tapez `aide` pour voir les commandes "
            "d’administration.",
        },
        "admin.already": {
            "en": "{person} is already an admin.",
            "fr": "{person} est déjà administrateur.",
        },
        "admin.removed": {
            "en": "{person} is no longer an admin.",
            "fr": "{person} n’est plus administrateur.",
        },
        "admin.not_admin": {
            "en": "{person} is not an admin.",
            "fr": "{person} n’est pas administrateur.",
        },
        "admin.last": {
            "en": "You are the last admin, so you can’t remove yourself. Make someone else an admin first "
            "with `admin add @name`.",
            "fr": "Vous êtes le dernier administrateur : vous ne pouvez pas vous retirer. Nommez d’abord "
            "quelqu’un d’autre avec `admin ajouter @nom`.",
        },
        "admin.from_settings": {
            "en": "{person} is an admin through the server settings (`TANDEM_ADMINS`), so the role would "
            "come back at once. Ask whoever runs Tandem to change that setting.",
            "fr": "{person} est administrateur via les réglages du serveur (`TANDEM_ADMINS`) : le rôle "
            "reviendrait aussitôt. Demandez à la personne qui gère Tandem de modifier ce réglage.",
        },
        "admin.list": {"en": "Admins: {names}", "fr": "Administrateurs : {names}"},
    }
)


async def handle_admin(ctx: Context, args: str) -> list[Reply]:
    """Dispatch `admin add|remove <@person>` and `admin list`."""
    words = args.split()
    sub = words[0].lower() if words else ""
    if sub in ("list", "liste") and len(words) == 1:
        admins = await people.list_admins(ctx.session)
        return [Text(ctx.t("admin.list", names=", ".join(mention(p) for p in admins)), private=True)]
    if sub not in ("add", "ajouter", "remove", "retirer") or len(words) != 2:
        raise UsageError("admin")
    person = await resolve_person(ctx, words[1], command="admin")
    granting = sub in ("add", "ajouter")
    if granting and person.is_admin:
        raise UserError("admin.already", person=mention(person))
    if not granting:
        await _check_removable(ctx, person)
    await people.update_person(ctx.session, person=person, data=PersonUpdate(is_admin=granting))
    action = "admin.add" if granting else "admin.remove"
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action=action,
        args={"person": person.key},
        outcome=AuditOutcome.OK,
    )
    if not granting:
        return [Text(ctx.t("admin.removed", person=mention(person)))]
    welcome = Text(t("admin.welcome", person.lang, by=mention(ctx.person)))
    return [Text(ctx.t("admin.added", person=mention(person))), Notify(person.key, (welcome,))]


async def _check_removable(ctx: Context, person: Person) -> None:
    """Refuse to leave the programme without an admin, or to remove a role the settings give back."""
    if not person.is_admin:
        raise UserError("admin.not_admin", person=mention(person))
    if person.id == ctx.person.id and len(await people.list_admins(ctx.session)) <= 1:
        raise UserError("admin.last")
    if keys.local_id(person.key) in ctx.services.settings.admins:
        raise UserError("admin.from_settings", person=mention(person))
