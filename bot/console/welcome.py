"""What the console says when someone opens it: the admin's three steps while no cohort exists, a
learner's (or a mentor's) three things to try on their first visit, in their language.

`tandem run` makes its user the first admin of an empty database (one with no admin yet), and never an
admin of a database that has one.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console.render import width
from bot.core.context import Services
from bot.core.conversation import Conversation
from bot.core.events import Actor
from bot.core.replies import Text
from bot.core.serialize import to_dict
from bot.i18n import register, t
from storage import activity, cohorts, keys, people
from storage.enums import AuditOutcome
from storage.models import Person

register(
    {
        "console.welcome.first_admin": {
            "en": "Welcome to Tandem! You are {user}, the first admin. Three steps to begin:",
            "fr": "Bienvenue dans Tandem\u202f! Vous êtes {user}, le premier administrateur. "
            "Trois étapes pour commencer\u202f:",
        },
        "console.welcome.admin": {
            "en": "Welcome to Tandem, {user}! There is no cohort yet. Three steps to begin:",
            "fr": "Bienvenue dans Tandem, {user}\u202f! Il n’y a pas encore de cohorte. "
            "Trois étapes pour commencer\u202f:",
        },
        "console.step.cohort": {"en": "create a cohort", "fr": "créer une cohorte"},
        "console.step.enroll": {
            "en": "enroll yourself, then type: {today}",
            "fr": "vous inscrire, puis tapez\u202f: {today}",
        },
        "console.step.ask": {
            "en": "ask a question; {help} lists everything",
            "fr": "poser une question\u202f; {help} donne la liste complète",
        },
        "console.welcome.learner": {
            "en": "Welcome to Tandem, {name}! Three things to try:",
            "fr": "Bienvenue dans Tandem, {name}\u202f! Trois choses à essayer\u202f:",
        },
        "console.try.today": {"en": "your tip of the day", "fr": "votre astuce du jour"},
        "console.try.mentees": {
            "en": "your mentees and their questions",
            "fr": "vos mentorés et leurs questions",
        },
        "console.try.ask": {"en": "ask me anything", "fr": "posez-moi une question"},
        "console.try.help": {"en": "everything I can do", "fr": "tout ce que je sais faire"},
        "console.sample_question": {
            "en": "how do I spot a phishing email?",
            "fr": "comment repérer un e-mail d’hameçonnage\u202f?",
        },
        "console.cmd.today": {"en": "today", "fr": "aujourdhui"},
        "console.cmd.help": {"en": "help", "fr": "aide"},
        "console.cmd.mentees": {"en": "mentees", "fr": "mentores"},
        "console.prompt": {"en": "you> ", "fr": "vous> "},
        "console.dashboard": {
            "en": "The web dashboard runs at {url}: type `dashboard` for a private sign-in link.",
            "fr": "Le tableau de bord web est sur {url} : tapez `tableau-de-bord` pour recevoir un lien "
            "de connexion privé.",
        },
        "console.dashboard_off": {
            "en": "The web dashboard is off: {why}",
            "fr": "Le tableau de bord web est désactivé : {why}",
        },
    }
)

PRIVACY_KEY = "privacy.who_sees"
"""The one sentence on who sees what (registered with `help`), said in every first welcome."""
SAMPLE_COHORT = "pilot"
SAMPLE_TRACK = "first-steps"


@dataclass(frozen=True, slots=True)
class Opening:
    """What opening the console did: the welcome to print (may be empty) and whether this person just
    became the first admin."""

    text: str
    first_admin: bool = False
    prompt: str = "you> "
    """The prompt in the person's language."""


async def open_console(
    conversation: Conversation,
    actor: Actor,
    *,
    claim_admin: bool,
    dashboard: str | None = None,
    dashboard_off: str | None = None,
) -> Opening:
    """Meet the person who opens the console (created on first contact, like any first message); with
    `claim_admin` (`tandem run`) make them the first admin when the database has no admin yet; and say
    the welcome that fits: the admin's three steps while no cohort exists, else three things to try on
    a first visit only.

    `tandem run` serves the web dashboard beside the console: `dashboard` is its address, which an
    admin's or a mentor's welcome mentions with how to open it; `dashboard_off` says why it could not
    start (a busy port), in one line after the welcome, every time."""
    services = conversation.services
    async with services.db.transaction() as session:
        person, is_mentor = await conversation.ensure_person(session, actor)
        first_admin = claim_admin and not person.is_admin and not await people.list_admins(session)
        if first_admin:
            person.is_admin = True
            session.add(person)
            await activity.audit(
                session, actor_key=person.key, action="admin.first", args={}, outcome=AuditOutcome.OK
            )
        welcome_key = keys.console_welcome_key(person.id or 0)
        welcomed = await activity.inbox_has(session, person_id=person.id or 0, dedupe_key=welcome_key)
        shown = dashboard if person.is_admin or is_mentor else None
        library = services.lessons.library
        learners_cohorts = [
            c for c in await cohorts.list_cohorts(session) if not library.for_mentors(c.track_id)
        ]  # the mentor's guide's cohort, made with a first pair, is not the programme's
        if person.is_admin and not learners_cohorts:
            text = admin_welcome(person, actor.local_id, first=first_admin, dashboard=shown)
        elif not welcomed:
            text = first_visit(person, mentor=is_mentor, dashboard=shown)
        else:
            text = ""
        if text and not welcomed:
            await _remember(services, session, person, welcome_key, text)
        prompt = t("console.prompt", person.lang)
        if dashboard_off:
            off = t("console.dashboard_off", person.lang, why=dashboard_off)  # one line, never wrapped
            text = f"{text}\n{off}" if text else off
    return Opening(text, first_admin, prompt)


async def _remember(services: Services, session: AsyncSession, person: Person, key: str, text: str) -> None:
    """Keep the welcome in the person's inbox, as shown: it is theirs (my-data lists it), and it is
    not shown again."""
    payload = to_dict(Text(text)) or {}
    await activity.push_inbox(
        session, person_id=person.id or 0, payload=payload, dedupe_key=key, shown_at=services.clock()
    )


def admin_welcome(person: Person, user: str, *, first: bool, dashboard: str | None = None) -> str:
    """Three steps, one a line, each command beside what it does; then who sees what."""
    lang = person.lang
    title = "console.welcome.first_admin" if first else "console.welcome.admin"
    today, help_ = t("console.cmd.today", lang), t("console.cmd.help", lang)
    steps = [
        (f"cohort create {SAMPLE_COHORT} track {SAMPLE_TRACK}", t("console.step.cohort", lang)),
        (f"enroll {SAMPLE_COHORT} @{user}", t("console.step.enroll", lang, today=today)),
        (t("console.sample_question", lang), t("console.step.ask", lang, help=help_)),
    ]
    lines = [_wrapped(t(title, lang, user=user))]
    lines += _table([(f"{n}. {command}", what) for n, (command, what) in enumerate(steps, 1)])
    return "\n".join([*lines, *_dashboard(lang, dashboard), _privacy(lang)])


def first_visit(person: Person, *, mentor: bool, dashboard: str | None = None) -> str:
    """Three things to try (a mentor's first is their mentees, a learner's today's tip), in the
    person's language; then who sees what."""
    lang = person.lang
    first = (
        (t("console.cmd.mentees", lang), t("console.try.mentees", lang))
        if mentor
        else (t("console.cmd.today", lang), t("console.try.today", lang))
    )
    tries = [
        first,
        (t("console.sample_question", lang), t("console.try.ask", lang)),
        (t("console.cmd.help", lang), t("console.try.help", lang)),
    ]
    lines = [_wrapped(t("console.welcome.learner", lang, name=person.display_name)), *_table(tries)]
    return "\n".join([*lines, *_dashboard(lang, dashboard), _privacy(lang)])


def _dashboard(lang: str, url: str | None) -> list[str]:
    """Where the web dashboard is and how to open it (for admins and mentors, when it is served)."""
    return [_wrapped(t("console.dashboard", lang, url=url))] if url else []


def _table(rows: list[tuple[str, str]]) -> list[str]:
    """`  what to type    what it does`, the second column aligned; when the terminal is too narrow for
    a row, every row puts what it does on a line of its own, indented further."""
    column = max(len(typed) for typed, _ in rows) + 4
    if all(2 + column + len(what) <= width() for _, what in rows):
        return [f"  {typed.ljust(column)}{what}" for typed, what in rows]
    return [line for typed, what in rows for line in (f"  {typed}", f"      {what}")]


def _privacy(lang: str) -> str:
    """The sentence on who sees what, wrapped to the terminal."""
    return _wrapped(t(PRIVACY_KEY, lang))


def _wrapped(text: str) -> str:
    """`text` wrapped to the terminal at spaces (never inside a word, nor before a French « ; »)."""
    return "\n".join(textwrap.wrap(text, width(), break_on_hyphens=False, break_long_words=False))
