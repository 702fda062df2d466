"""`help`: what this person can do, by role, in their language."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.replies import Reply, Text
from bot.core.router import Role
from bot.i18n import register

register(
    {
        "help.usage": {"en": "help", "fr": "aide"},
        "help.help": {"en": "this list", "fr": "cette liste"},
        "help.line": {"en": "- `{usage}`: {help}", "fr": "- `{usage}` : {help}"},
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
        "privacy.who_sees": {
            "en": "Your mentor sees only the questions you choose to send; admins see questions without your "
            "name, and counts.",
            "fr": "Votre mentor ne voit que les questions que vous choisissez de lui envoyer\u202f; les "
            "administrateurs voient les questions sans votre nom, et des chiffres d’ensemble.",
        },
    }
)


NAMED_LANGS = {"aide": "fr"}
"""Names of `help` that ask for it in one language, whatever the person's: `aide` is the French help."""


async def handle_help(ctx: Context, args: str) -> list[Reply]:
    """The commands of the router handling the event that the person may run, by section, then who sees
    what of the person's questions (`privacy.who_sees`, which the first welcome of each channel shows too)."""
    word = ctx.router.parse(ctx.event)[1].lower() if ctx.event.kind != "action" else ""
    ctx.speaking = NAMED_LANGS.get(word, ctx.speaking)
    role = Role.ADMIN if ctx.person.is_admin else Role.MENTOR if ctx.is_mentor else Role.EVERYONE
    lines = [ctx.t("help.title")]
    for section in (Role.EVERYONE, Role.MENTOR, Role.ADMIN):
        if section > role:
            continue
        specs = [s for s in ctx.router.visible_to(role) if s.role == section]
        lines.append(f"\n**{ctx.t(f'help.section.{section.name.lower()}')}**")
        lines.extend(ctx.t("help.line", usage=ctx.t(s.usage), help=ctx.t(s.help_key)) for s in specs)
    lines.append("\n" + ctx.t("help.free_text"))
    lines.append(ctx.t("privacy.who_sees"))
    return [Text("\n".join(lines), private=True)]
