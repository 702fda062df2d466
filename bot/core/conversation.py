"""The conversation core: one event in, a list of replies out, inside one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.core.args import person_data
from bot.core.context import Context, Services
from bot.core.errors import PermissionDenied, UsageError, UserError
from bot.core.events import Actor, Event
from bot.core.replies import Later, Reply, Text
from bot.core.router import Router
from bot.i18n import register, t
from storage import activity, cohorts, people
from storage.models import Person

logger = logging.getLogger(__name__)

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
            "Un administrateur peut vous donner ce rôle avec `admin add`.",
        },
        "error.mentor_only": {
            "en": "`{command}` is for mentors. An admin can pair you with a mentee with `pair`.",
            "fr": "`{command}` est réservé aux mentors. Un administrateur peut vous associer à un mentoré "
            "avec `pair`.",
        },
        "error.did_you_mean": {
            "en": "I don’t know `{word}`. Did you mean `{suggestion}`? Type `help` for the list.",
            "fr": "Je ne connais pas `{word}`. Vouliez-vous dire `{suggestion}` ? Tapez `help` pour la liste.",
        },
        "error.unknown_command": {
            "en": "I don’t know `{word}`. Type `help` to see what I can do.",
            "fr": "Je ne connais pas `{word}`. Tapez `help` pour voir ce que je sais faire.",
        },
        "error.stale_button": {
            "en": "That button has expired. Type `help` to see what I can do.",
            "fr": "Ce bouton a expiré. Tapez `help` pour voir ce que je sais faire.",
        },
    }
)


class Conversation:
    """Holds the router and services; channels hold a Conversation and call `handle`."""

    def __init__(self, services: Services, router: Router) -> None:
        self.services = services
        self.router = router

    async def handle(self, event: Event) -> list[Reply]:
        """Run one event in one transaction. A refused or failed command writes nothing.

        An event with an `event_id` is recorded as seen in that same transaction, so a retried delivery
        gets no reply (nothing at all: the first delivery answered). When the transaction fails
        unexpectedly the mark goes with everything else: a retry may then succeed.
        """
        lang = event.actor.lang if event.actor.lang in ("en", "fr") else self.services.settings.default_lang
        try:
            async with self.services.db.transaction() as session:
                if event.event_id and not await activity.first_sighting(session, event_id=event.event_id):
                    logger.info("Ignoring a retried event from %s", event.actor.key)
                    return []
                person, is_mentor = await self.ensure_person(session, event.actor)
                lang = person.lang
                ctx = Context(event, person, session, self.services, is_mentor=is_mentor)
                replies = await self.router.route(ctx)
        except UserError as exc:
            if not await self._keep_refusal(event, exc):
                logger.info("Ignoring a retried event from %s", event.actor.key)
                return []
            return [Text(self._explain(exc, lang), private=True)]
        except Exception:
            logger.exception("Event from %s failed", event.actor.key)
            return [Text(t("error.apology", lang), private=True)]
        return [self._guard(reply, lang) for reply in replies]

    def _explain(self, exc: UserError, lang: str) -> str:
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
                        outcome="refused",
                    )
        except Exception:
            logger.exception("Could not record a refusal in the audit log")
        return True

    def _guard(self, reply: Reply, lang: str) -> Reply:
        """Slow work keeps the same error tree: its failures become an apology, never a traceback."""
        if not isinstance(reply, Later):
            return reply
        work = reply.work

        async def guarded() -> Sequence[Reply]:
            try:
                return await work()
            except UserError as exc:
                return [Text(self._explain(exc, lang), private=True)]
            except Exception:
                logger.exception("Background work failed: %s", reply.description)
                return [Text(t("error.apology", lang), private=True)]

        return Later(guarded, reply.description)

    async def ensure_person(self, session: object, actor: Actor) -> tuple[Person, bool]:
        """The person behind `actor` and whether they mentor anyone; created on first contact; profile
        hints fill blanks."""
        settings = self.services.settings
        found = await people.get_person_with_role(session, key=actor.key)  # type: ignore[arg-type]
        if found is None:
            data = person_data(actor, settings)
            person, created = await people.create_person_unless_exists(session, data=data)  # type: ignore[arg-type]
            if created:  # someone new mentors nobody yet
                return person, False
            return person, await people.is_mentor(session, person_id=person.id or 0)  # type: ignore[arg-type]
        person, is_mentor = found
        changed = False
        if actor.local_id in settings.admins and not person.is_admin:
            person.is_admin, changed = True, True
        if actor.tz and not person.tz:
            person.tz, changed = actor.tz, True
        if actor.name and actor.name != person.display_name and actor.name != actor.local_id:
            person.display_name, changed = actor.name[:200], True
        if actor.conversation and (person.conversation != actor.conversation or not person.reachable):
            if not person.reachable:
                await cohorts.make_due(session, person_id=person.id or 0, now=self.services.clock())  # type: ignore[arg-type]
            person.conversation, changed = dict(actor.conversation), True
            person.reachable, person.unreachable_reason = True, None
        if changed:
            session.add(person)  # type: ignore[attr-defined]
        return person, is_mentor
