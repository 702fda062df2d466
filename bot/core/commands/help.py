"""`help`: what this person can do, by role, in their language."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.replies import Reply, Text
from bot.core.router import Role
from bot.i18n import register

register(
    {
        "help.usage": {"en": "help", "fr": "help"},
        "help.help": {"en": "this list", "fr": "cette liste"},
        "help.title": {
            "en": "Here is what I can do for you:",
            "fr": "Voici ce que je peux faire pour vous :",
        },
        "help.section.everyone": {"en": "Learning", "fr": "Apprendre"},
        "help.section.mentor": {"en": "For mentors", "fr": "Pour les mentors"},
        "help.section.admin": {"en": "For admins", "fr": "Pour les administrateurs"},
        "help.free_text": {
            "en": "You can also just type a question, like *how do I spot a fake profile?*",
            "fr": "Vous pouvez aussi simplement poser une question, par exemple *comment repérer un faux profil ?*",
        },
    }
)


async def handle_help(ctx: Context, args: str) -> list[Reply]:
    """The commands of the router handling the event that the person may run, by section."""
    role = Role.ADMIN if ctx.person.is_admin else Role.MENTOR if ctx.is_mentor else Role.EVERYONE
    lines = [ctx.t("help.title")]
    for section in (Role.EVERYONE, Role.MENTOR, Role.ADMIN):
        if section > role:
            continue
        specs = [s for s in ctx.router.visible_to(role) if s.role == section]
        lines.append(f"\n**{ctx.t(f'help.section.{section.name.lower()}')}**")
        lines.extend(f"- `{ctx.t(s.usage)}`: {ctx.t(s.help_key)}" for s in specs)
    lines.append("\n" + ctx.t("help.free_text"))
    return [Text("\n".join(lines), private=True)]
