"""Invitations to a workshop, the answers to them, the reminders, and the word that it is cancelled.

Everything here goes to other people, so it is `Notify` replies written to the delivery ledger in the
command's own transaction. Each participant reads it in their own language and time zone. A calendar
file comes with the invitation (Outlook and Google Calendar take it), and a cancelling one with the word
that it is off.

Reminders go out the day before and 15 minutes before, outside the participant's quiet hours (moved to
the end of them when they fall inside), except for a workshop that itself starts in those hours. Each
waits in the ledger under its own key, so a participant who says "not this time" has theirs withdrawn,
and each is given up once the workshop has started.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.core import calendar
from bot.core.args import mention
from bot.core.dates import format_moment
from bot.core.replies import Button, File, Notify, Reply, Text
from bot.core.text import neutralize
from bot.i18n import register, t
from lessons import Library
from scheduler import lifetimes, timing
from storage import keys
from storage.enums import DeliveryKind, Rsvp
from storage.models import Person, Workshop

register(
    {
        "workshop.invite": {
            "en": "{host} invites you to an express workshop: **{title}**\n{when}, {minutes} minutes.\n"
            "On the programme: {lessons}.\nBring your phone or laptop: you will try each thing yourself, at "
            "your own pace. Nothing to prepare.",
            "fr": "{host} vous invite à un atelier express : **{title}**\n{when}, {minutes} minutes.\n"
            "Au programme : {lessons}.\nVenez avec votre téléphone ou votre ordinateur : vous essaierez "
            "chaque chose vous-même, à votre rythme. Rien à préparer.",
        },
        "workshop.remind_day": {
            "en": "Tomorrow: the express workshop **{title}** with {host}, {when}. Bring your phone or "
            "laptop.",
            "fr": "Demain : l’atelier express **{title}** avec {host}, {when}. Venez avec votre téléphone "
            "ou votre ordinateur.",
        },
        "workshop.remind_soon": {
            "en": "In {minutes} minutes: the express workshop **{title}** with {host}. See you there!",
            "fr": "Dans {minutes} minutes : l’atelier express **{title}** avec {host}. À tout de suite !",
        },
        "workshop.cancelled_notice": {
            "en": "The express workshop **{title}** of {when} is cancelled. Sorry for the change; "
            "the calendar file removes it from your calendar.",
            "fr": "L’atelier express **{title}** du {when} est annulé. Désolé pour ce changement ; "
            "le fichier joint le retire de votre agenda.",
        },
        "workshop.calendar_caption": {
            "en": "Add it to your calendar (Outlook, Google Calendar…).",
            "fr": "Ajoutez-le à votre agenda (Outlook, Google Agenda…).",
        },
        "workshop.button.coming": {"en": "I’m coming", "fr": "Je viens"},
        "workshop.button.not_coming": {"en": "Not this time", "fr": "Pas cette fois"},
        "workshop.ics.description": {
            "en": "Express workshop with {host}: {lessons}. Bring your phone or laptop.",
            "fr": "Atelier express avec {host} : {lessons}. Venez avec votre téléphone ou votre ordinateur.",
        },
    }
)

RSVP_ACTION = "workshop.rsvp"
REMINDERS = "reminders"
"""The batch label of reminders (`Notify.batch`): the report on the invitations does not wait for them."""
SOON = dt.timedelta(minutes=15)
DAY_BEFORE = dt.timedelta(days=1)


def uid(workshop: Workshop) -> str:
    """The calendar event's id: the same in every file about this workshop, so an update replaces it."""
    return f"tandem-workshop-{workshop.id}"


def lesson_titles(library: Library, lesson_ids: Sequence[str], lang: str) -> str:
    """The workshop's lessons by their titles in `lang` (the id when a lesson is gone)."""
    titles = []
    for lesson_id in lesson_ids:
        lesson = library.get(lesson_id, lang)
        titles.append(lesson.title if lesson is not None else lesson_id)
    return ", ".join(titles)


def rsvp_buttons(workshop: Workshop, lang: str) -> tuple[Button, ...]:
    return (
        Button(t("workshop.button.coming", lang), RSVP_ACTION, f"{workshop.id}:{Rsvp.COMING}", "primary"),
        Button(t("workshop.button.not_coming", lang), RSVP_ACTION, f"{workshop.id}:{Rsvp.DECLINED}"),
    )


def invitation(
    workshop: Workshop, host: Person, person: Person, zone: ZoneInfo, library: Library, *, now: dt.datetime
) -> list[Reply]:
    """The invitation, with its answer buttons and calendar file, and the reminders to come."""
    lang = person.lang
    values = _values(workshop, host, zone, library, lang)
    text = Text(t("workshop.invite", lang, minutes=workshop.minutes, **values), rsvp_buttons(workshop, lang))
    ics = File(
        f"workshop-{workshop.id}.ics",
        calendar.event_ics(
            uid=uid(workshop),
            title=workshop.title,
            description=t(
                "workshop.ics.description", lang, host=host.display_name, lessons=values["lessons"]
            ),
            starts_at=workshop.starts_at,
            minutes=workshop.minutes,
            organizer=host.display_name,
            sequence=0,
            now=now,
        ),
        "text/calendar",
        caption=t("workshop.calendar_caption", lang),
    )
    invite = Notify(
        person.key,
        (text, ics),
        kind=DeliveryKind.WORKSHOP,
        person_id=person.id,
        key=keys.workshop_invite_key(workshop.id or 0, person.id or 0),
        expires_at=lifetimes.before_workshop(now, workshop.starts_at),
    )
    return [invite, *reminders(workshop, host, person, zone, library, now=now)]


def reminders(
    workshop: Workshop, host: Person, person: Person, zone: ZoneInfo, library: Library, *, now: dt.datetime
) -> list[Notify]:
    """The day-before and 15-minutes-before reminders still to come, each at a moment outside the
    person's quiet hours unless the workshop itself starts in them."""
    lang = person.lang
    values = _values(workshop, host, zone, library, lang)
    notes = []
    for which, before, key in (
        ("day", DAY_BEFORE, "workshop.remind_day"),
        ("soon", SOON, "workshop.remind_soon"),
    ):
        at = reminder_moment(workshop.starts_at - before, workshop.starts_at, zone)
        if at is None or at <= now:
            continue
        body = t(key, lang, minutes=int(SOON.total_seconds() // 60), **values)
        notes.append(
            Notify(
                person.key,
                (Text(body, rsvp_buttons(workshop, lang) if which == "day" else ()),),
                kind=DeliveryKind.WORKSHOP,
                person_id=person.id,
                at=at,
                batch=REMINDERS,
                key=keys.workshop_reminder_key(workshop.id or 0, person.id or 0, which),
                expires_at=lifetimes.before_workshop(at, workshop.starts_at),
            )
        )
    return notes


def reminder_moment(at: dt.datetime, starts_at: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """`at`, or the end of the quiet hours it falls in (None when that is not before the start); a
    workshop that starts in quiet hours has its reminders at their own moments."""
    if _quiet(starts_at, zone):
        return at
    moved = timing.out_of_quiet_hours(at, zone)
    return moved if moved < starts_at else None


def _quiet(moment: dt.datetime, zone: ZoneInfo) -> bool:
    return timing.in_quiet_hours(moment.astimezone(zone).time())


def cancellation(
    workshop: Workshop, host: Person, person: Person, zone: ZoneInfo, library: Library, *, now: dt.datetime
) -> Notify:
    """The word that the workshop is off, with a calendar file that removes it."""
    lang = person.lang
    values = _values(workshop, host, zone, library, lang)
    ics = File(
        f"workshop-{workshop.id}-cancelled.ics",
        calendar.cancel_ics(
            uid=uid(workshop),
            title=workshop.title,
            starts_at=workshop.starts_at,
            minutes=workshop.minutes,
            sequence=0,  # the invitation's: the cancellation comes after it
            now=now,
        ),
        "text/calendar",
        caption=t("workshop.calendar_caption", lang),
    )
    return Notify(
        person.key,
        (Text(t("workshop.cancelled_notice", lang, **values)), ics),
        kind=DeliveryKind.WORKSHOP,
        person_id=person.id,
        key=keys.workshop_cancel_key(workshop.id or 0, person.id or 0),
        expires_at=lifetimes.before_workshop(now, workshop.starts_at),
    )


def _values(workshop: Workshop, host: Person, zone: ZoneInfo, library: Library, lang: str) -> dict[str, str]:
    return {
        "title": neutralize(workshop.title, 120),
        "host": mention(host),
        "when": format_moment(workshop.starts_at, zone, lang),
        "lessons": lesson_titles(library, workshop.lessons, lang),
    }
