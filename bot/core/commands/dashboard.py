"""`dashboard`: a one-time link that signs an admin or a mentor in to the web dashboard.

The link is `<base>/dashboard/signin/<token>`: the token is random (`secrets.token_urlsafe`), only its
hash is stored (storage/web_auth.py), it belongs to the person who asked, lives `LINK_LIFETIME` and works
once. The reply is private (ephemeral in a Slack channel, a direct message otherwise), so nobody else
can read the link. `tandem dashboard --user NAME` prints the same link in a terminal (`issue_sign_in`).

The base is TANDEM_PUBLIC_URL when it is set, else this machine's own web host
(`http://127.0.0.1:TANDEM_PORT`, where console mode serves the dashboard). What opening the link does is
the web host's part (bot/web/auth.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.context import Context, Services
from bot.core.errors import PermissionDenied
from bot.core.replies import Reply, Text
from bot.core.schedule import zone_of
from bot.i18n import register, t
from bot.settings import Settings
from storage import activity, keys, people, web_auth
from storage.defaults import time_text
from storage.enums import AuditOutcome, PersonRole
from storage.models import Person

LINK_LIFETIME = dt.timedelta(minutes=10)
SIGNIN_PATH = "/dashboard/signin/"
ACTION = "dashboard.link"
"""The audit log's name for issuing a link (never with the token)."""

register(
    {
        "dashboard.usage": {"en": "dashboard", "fr": "tableau-de-bord"},
        "dashboard.help": {
            "en": "a private link to the web dashboard (charts, cohorts, CSV exports)",
            "fr": "un lien privé vers le tableau de bord web (graphiques, cohortes, exports CSV)",
        },
        "dashboard.link": {
            "en": "[Open the Tandem dashboard]({url}): a link for you alone, which works once, until {until}. "
            "Please do not share it; type `dashboard` again for a new one.",
            "fr": "[Ouvrir le tableau de bord Tandem]({url})\u202f: un lien pour vous seul, qui ne fonctionne "
            "qu’une fois, jusqu’à {until}. Merci de ne pas le partager\u202f; tapez `tableau-de-bord` "
            "pour en recevoir un nouveau.",
        },
        "dashboard.denied": {
            "en": "The dashboard is for programme leads and mentors. To see how far you have come, "
            "type `progress`.",
            "fr": "Le tableau de bord est réservé aux responsables du programme et aux mentors. "
            "Pour voir où vous en êtes, tapez `progrès`.",
        },
    }
)


@dataclass(frozen=True, slots=True)
class SignIn:
    """A link just issued: its address, when it stops working, and the sentence that gives it to its
    person, in their language and time zone."""

    url: str
    expires_at: dt.datetime
    until: str
    """When it stops working, in its person's time zone, named: `14:55 (Europe/Paris)`."""
    text: str


def link_base(settings: Settings) -> str:
    """Where sign-in links point: TANDEM_PUBLIC_URL, else this machine's web host."""
    return settings.public_url or f"http://127.0.0.1:{settings.port}"


def may_use_dashboard(person: Person, *, mentors_anyone: bool) -> bool:
    """Admins and mentors (people with a mentee, or imported as mentors) have a dashboard; learners do
    not (their `progress` and App Home serve them)."""
    return person.is_admin or mentors_anyone or person.role == PersonRole.MENTOR


async def issue_sign_in(session: AsyncSession, services: Services, person: Person, *, via: str) -> SignIn:
    """A new sign-in link for `person` (replacing their older unused ones), audited as issued `via` the
    chat or the command line. The caller checked the person may use the dashboard."""
    token = secrets.token_urlsafe(32)
    now = services.clock()
    until = now + LINK_LIFETIME
    await web_auth.issue_link(session, person_id=person.id or 0, token=token, now=now, expires_at=until)
    await activity.audit(
        session, actor_key=person.key, action=ACTION, args={"via": via}, outcome=AuditOutcome.OK
    )
    zone = await zone_of(session, person, services.settings.default_tz)
    url = f"{link_base(services.settings)}{SIGNIN_PATH}{token}"
    until_text = f"{time_text(until.astimezone(zone).time())} ({zone.key})"
    return SignIn(url, until, until_text, t("dashboard.link", person.lang, url=url, until=until_text))


async def handle_dashboard(ctx: Context, args: str) -> list[Reply]:
    """The link, for the person who asked only."""
    if not may_use_dashboard(ctx.person, mentors_anyone=ctx.is_mentor):
        raise PermissionDenied("dashboard", "dashboard.denied")
    sign_in = await issue_sign_in(ctx.session, ctx.services, ctx.person, via="chat")
    return [Text(sign_in.text, private=True)]


class NoDashboard(Exception):
    """`tandem dashboard --user NAME` cannot give a link: nobody by that name, several people, or a
    learner. The message says which, and what to do."""


PLATFORMS = ("console", "slack", "teams")


async def person_named(session: AsyncSession, name: str) -> Person:
    """The one person `name` names: a person key (`slack:T1:U2`), a console name, or a platform id or
    display name on any platform; NoDashboard when nobody or several people match."""
    name = name.strip().lstrip("@")
    if not name:
        raise NoDashboard("--user: give the name of an admin or a mentor")
    exact = await people.get_person(session, key=name) if ":" in name else None
    exact = exact or await people.get_person(session, key=keys.console_person(name))
    if exact is not None:
        return exact
    found = [
        p for platform in PLATFORMS for p in await people.find_by_name(session, name=name, platform=platform)
    ]
    if not found:
        raise NoDashboard(
            f"Nobody called {name!r} has used Tandem: give an admin's or a mentor's name or key"
        )
    if len(found) > 1:
        known = ", ".join(sorted(person.key for person in found))
        raise NoDashboard(f"Several people are called {name!r}; give one of their keys: {known}")
    return found[0]


async def sign_in_for(session: AsyncSession, services: Services, name: str) -> SignIn:
    """A link for the admin or mentor `name` (see `person_named`), audited as issued from the command
    line; NoDashboard for a learner, whose refusal is audited too."""
    person = await person_named(session, name)
    if not may_use_dashboard(
        person, mentors_anyone=await people.is_mentor(session, person_id=person.id or 0)
    ):
        raise NoDashboard(
            f"{name!r} is a learner: the dashboard is for programme admins and mentors "
            "(learners have `progress` in the chat)"
        )
    return await issue_sign_in(session, services, person, via="cli")
