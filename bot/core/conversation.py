"""The conversation core: one event in, a list of replies out, inside one transaction."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import language, limits, outbox
from bot.core.args import person_data
from bot.core.context import Context, Services
from bot.core.errors import PermissionDenied, UsageError, UserError
from bot.core.events import Actor, Event, Reach
from bot.core.replies import Reply, Text
from bot.core.router import Router
from bot.core.text import clean_name
from bot.i18n import register, t
from lessons import LANGS
from storage import activity, nudges, people, people_import, reachability
from storage.enums import AuditOutcome, UsageKind
from storage.models import Person

logger = logging.getLogger(__name__)

TRANSIENT_ATTEMPTS = 3
"""A transaction that fails for a passing database reason (a dropped connection, a lock, a full disk
being freed) is tried again this many times, after short pauses, before the person is asked to resend."""

register(
    {
        "error.apology": {
            "en": "Sorry, something went wrong on my side. Please try again in a moment.",
            "fr": "Désolé, un problème est survenu de mon côté. Merci de réessayer dans un instant.",
        },
        "error.usage": {"en": "Usage: `{usage}`", "fr": "Utilisation : `{usage}`"},
        "error.denied": {
            "en": "Sorry, you can’t use `{command}`.",
            "fr": "Désolé, vous ne pouvez pas utiliser `{command}`.",
        },
        "error.admin_only": {
            "en": "`{command}` is for programme admins. An admin can give you the role with `admin add`.",
            "fr": "`{command}` est réservé aux administrateurs du programme. "
            "Un administrateur peut vous donner ce rôle avec `admin ajouter`.",
        },
        "error.mentor_only": {
            "en": "`{command}` is for mentors. An admin can pair you with a mentee with `pair`.",
            "fr": "`{command}` est réservé aux mentors. Un administrateur peut vous associer à un mentoré "
            "avec `associer`.",
        },
        "error.did_you_mean": {
            "en": "I don’t know `{word}`. Did you mean `{suggestion}`? Type `help` for the list.",
            "fr": "Je ne connais pas `{word}`. Vouliez-vous dire `{suggestion}` ? Tapez `aide` pour la liste.",
        },
        "error.unknown_command": {
            "en": "I don’t know `{word}`. Type `help` to see what I can do.",
            "fr": "Je ne connais pas `{word}`. Tapez `aide` pour voir ce que je sais faire.",
        },
        "error.busy": {
            "en": "Sorry, I could not save that just now. Please send it again in a minute.",
            "fr": "Désolé, je n’ai pas pu l’enregistrer pour l’instant. Merci de le renvoyer dans une minute.",
        },
        "error.stale_button": {
            "en": "That button has expired. Type `help` to see what I can do.",
            "fr": "Ce bouton a expiré. Tapez `aide` pour voir ce que je sais faire.",
        },
    }
)


class Conversation:
    """Holds the router and services; channels hold a Conversation and call `handle`."""

    def __init__(self, services: Services, router: Router) -> None:
        self.services = services
        self.router = router

    async def handle(self, event: Event) -> list[Reply]:
        """Run one event in one transaction; return the replies for the person talking.

        What the event sends to other people (`Notify`) and the slow work it starts (`Later`) are
        written in that same transaction, and the dispatcher is woken once it commits. A refused or
        failed command writes nothing. An event with an `event_id` is recorded as seen in that same
        transaction too, so a retried delivery gets no reply (the first one answered); when the
        transaction fails the mark goes with everything else, and a retry may succeed.
        """
        lang = event.actor.lang if event.actor.lang in LANGS else self.services.settings.default_lang
        for attempt in range(TRANSIENT_ATTEMPTS):
            try:
                replies, queued = await self._run(event)
            except UserError as exc:
                if not await self._keep_refusal(event, exc):
                    logger.info("Ignoring a retried event from %s", event.actor.key)
                    return []
                return [Text(self.explain(exc, exc.lang or lang), private=True)]
            except DBAPIError as exc:
                if not _transient(exc):
                    logger.exception("Event from %s failed", event.actor.key)
                    return [Text(t("error.apology", lang), private=True)]
                if attempt + 1 < TRANSIENT_ATTEMPTS:
                    await asyncio.sleep(0.2 * 2**attempt)
                    continue
                logger.error("Event from %s could not be saved: %s", event.actor.key, _first_line(exc))
                return [Text(t("error.busy", lang), private=True)]
            except Exception:
                logger.exception("Event from %s failed", event.actor.key)
                return [Text(t("error.apology", lang), private=True)]
            if queued:
                self.services.wake()
            return replies
        raise AssertionError("unreachable")

    async def _run(self, event: Event) -> tuple[list[Reply], bool]:
        async with self.services.db.transaction() as session:
            if event.event_id and not await activity.first_sighting(session, event_id=event.event_id):
                logger.info("Ignoring a retried event from %s", event.actor.key)
                return [], False
            person, is_mentor, reached = await self._ensure(session, event.actor)
            if nudges.mark_active(person, now=self.services.clock()):  # any message or press is activity
                session.add(person)
            ctx = Context(event, person, session, self.services, self.router, is_mentor=is_mentor)
            lang = person.lang
            try:
                switched = await language.follow_language(ctx)  # before the answer, made in the new one
                replies = [*await self.router.route(ctx), *switched]
            except UserError as exc:
                exc.lang = lang  # explained in the person's language, after the rollback (of a switch too)
                raise
            posted = await outbox.post(
                session, sender=person, replies=replies, lang=person.lang, now=ctx.now()
            )
            return posted.direct, posted.queued or reached

    async def allows_group_lookup(self, event: Event) -> bool:
        """Whether a channel may look up the members of the groups an event names, which costs platform
        calls (a channel of 3,000 takes dozens): only for a command that takes groups, from someone whose
        role allows it, within their rate limit, and not for a replay. Each lookup allowed is counted
        against the person's limit here, when its cost is incurred, whatever the command then makes of
        it; the command checks its rules again in its own transaction."""
        spec = self.router.parse(event)[0] if event.groups and event.kind != "action" else None
        if spec is None or not spec.takes_groups:
            return False
        settings = self.services.settings
        async with self.services.db.transaction() as session:
            if event.event_id and await activity.seen(session, event_id=event.event_id):
                return False
            found = await people.get_person_with_role(session, key=event.actor.key)
            person, is_mentor = found if found is not None else (None, False)
            is_admin = event.actor.local_id in settings.admins or bool(person and person.is_admin)
            if not self.router.allows(spec, is_admin=is_admin, is_mentor=is_mentor):
                return False
            if person is None or person.id is None:  # someone new has used nothing yet
                return True
            budget = await limits.take(
                session,
                settings,
                person_id=person.id,
                kind=UsageKind.CHANNEL,
                count=len(event.groups),
                now=self.services.clock(),
            )
            return budget.allowed

    async def reach(self, event: Reach) -> Person | None:
        """A platform says people can be written to again (installed), or no longer (uninstalled, removed);
        de-duplicated by `event_id` like other events. Returns the person, for an event about one."""
        now = self.services.clock()
        person: Person | None = None
        async with self.services.db.transaction() as session:
            if event.event_id and not await activity.first_sighting(session, event_id=event.event_id):
                return None
            if event.reachable and event.actor is not None:
                person, _ = await self.ensure_person(
                    session, event.actor
                )  # reachable again, if they were not
            elif not event.reachable:
                if event.actor is not None:
                    person = await people.get_person(session, key=event.actor.key)
                    if person is None:
                        return None
                    await people.save_conversation(session, person=person, conversation=None)
                    touched = await reachability.mark_unreachable(
                        session, person_ids=[person.id or 0], reason=event.reason, now=now
                    )
                else:
                    touched = await reachability.mark_unreachable(
                        session, key_prefix=event.workspace, reason=event.reason, now=now
                    )
                logger.info("%s: %s batch(es) now wait for someone out of reach", event.reason, len(touched))
        self.services.wake()
        return person

    def explain(self, exc: UserError, lang: str) -> str:
        """A user mistake in words: the message, and for a usage error the command's usage line."""
        if isinstance(exc, UsageError):
            spec = self.router.find(exc.command)
            usage = t(spec.usage, lang) if spec and spec.usage else exc.command
            message = t("error.usage", lang, usage=usage)
            if exc.key != "error.usage":
                message = f"{t(exc.key, lang, **exc.values)}\n{message}"
            return message
        return t(exc.key, lang, **exc.values)

    async def _keep_refusal(self, event: Event, exc: UserError) -> bool:
        """What a refused or mistaken event leaves although its transaction rolled back: its event id, so
        a retry is not answered twice, and for a refusal the audit entry. False when that event id was
        already seen (a retry got there first, and answered)."""
        if event.event_id is None and not isinstance(exc, PermissionDenied):
            return True
        try:
            async with self.services.db.transaction() as session:
                if event.event_id and not await activity.first_sighting(session, event_id=event.event_id):
                    return False
                if isinstance(exc, PermissionDenied):
                    await activity.audit(
                        session,
                        actor_key=event.actor.key,
                        action=exc.command,
                        args={"text": event.text[:500]},
                        outcome=AuditOutcome.REFUSED,
                    )
        except Exception:
            logger.exception("Could not record a refusal in the audit log")
        return True

    async def ensure_person(self, session: AsyncSession, actor: Actor) -> tuple[Person, bool]:
        """The person behind `actor` and whether they are a mentor (`people.IS_MENTOR`: their role, or a
        mentee); created on first contact; profile hints fill blanks. Someone who writes can be written
        to: if they were out of reach, they are reachable again (their tips resume, held messages go
        out)."""
        person, is_mentor, _ = await self._ensure(session, actor)
        return person, is_mentor

    async def _ensure(self, session: AsyncSession, actor: Actor) -> tuple[Person, bool, bool]:
        """`ensure_person`, and whether the person just became reachable again."""
        settings = self.services.settings
        found = await people.get_person_with_role(session, key=actor.key)
        if found is None and actor.email:  # someone a people import knows by email only
            claimed = await people_import.claim(
                session, key=actor.key, platform=actor.platform, email=actor.email
            )
            if claimed is not None:
                found = claimed, await people.is_mentor(session, person_id=claimed.id or 0)
        if found is None:
            data = person_data(actor, settings)
            data.reachable, data.unreachable_reason = True, None
            person, created = await people.create_person_unless_exists(session, data=data)
            if created:  # someone new is nobody's mentor yet, and has no role
                return person, False, False
            found = person, await people.is_mentor(session, person_id=person.id or 0)
        person, is_mentor = found
        changed = False
        if actor.local_id in settings.admins and not person.is_admin:
            person.is_admin, changed = True, True
        if actor.tz and not person.tz:
            person.tz, changed = actor.tz, True
        name = clean_name(actor.name) if actor.named else ""
        if name and name != person.display_name and name != actor.local_id:
            person.display_name, changed = name, True
        if actor.conversation and person.conversation != actor.conversation:
            person.conversation, changed = dict(actor.conversation), True
        if not person.reachable and actor.reachable:  # the dashboard's actor is as reachable as its person
            await reachability.mark_reachable(session, person=person, now=self.services.clock())
            return person, is_mentor, True
        if changed:
            session.add(person)
        return person, is_mentor, False


def _transient(exc: DBAPIError) -> bool:
    """Database trouble that may pass by itself: a lost connection, a lock, a full disk, a timeout."""
    if getattr(exc, "connection_invalidated", False):
        return True
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return isinstance(exc, OperationalError) or any(
        word in text for word in ("locked", "timeout", "could not serialize", "deadlock", "connection")
    )


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__
