"""What the web dashboard shows, as view models: one per page, built from the aggregate queries of
storage/dashboard.py and the lesson library, in the viewer's language and time zone.

Transport-neutral (no aiohttp): bot/web/pages.py renders these, and exports their tables as CSV. Role
scoping is enforced here, on every request, from the database rather than from the session:

- an admin sees every cohort, each person's status and progress, and results as aggregates only (never a
  person's quiz answers, never a question's text next to a name);
- a mentor sees only their own mentees (their ids are read again on each request), and no content gaps;
- anyone else sees nothing (`Refused`).

A result over fewer than `MIN_PEOPLE` people is "too few to report"; each page says once what that means.

Every table is a `Table` of `Cell`s: the page shows `text`, a cell's machine value (`value`) goes into
`data-value` and into the CSV export, so that the export is the page's own table.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
from rapidfuzz import fuzz, process
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import goals
from bot.core.commands import report as _report  # noqa: F401 - registers report.too_few, report.none_yet
from bot.core.context import Services
from bot.core.conversation import Conversation
from bot.core.dates import format_day
from bot.core.events import Actor, command
from bot.core.replies import Text
from bot.core.schedule import zone_of
from bot.i18n import register, t
from lessons import LANGS, Library, analyzer
from storage import dashboard as data
from storage import examples, keys, meetings, people, relationship_report, retention, workshop_report
from storage.cohorts import enrollments_in as get_enrollments_in
from storage.cohorts import get_cohort_by_id
from storage.dashboard import Scope, Share
from storage.defaults import time_text
from storage.enums import PeopleStatus, PersonRole
from storage.models import Person
from storage.retention import MIN_PEOPLE

logger = logging.getLogger(__name__)

register(
    {
        "dash.view.overview": {"en": "Overview", "fr": "Vue d’ensemble"},
        "dash.view.cohorts": {"en": "Cohorts", "fr": "Cohortes"},
        "dash.view.lessons": {"en": "Lessons", "fr": "Leçons"},
        "dash.view.gaps": {"en": "Content gaps", "fr": "Questions sans leçon"},
        "dash.view.scope_mentor": {
            "en": "You see your own mentees only ({count}).",
            "fr": "Vous ne voyez que vos propres mentorés ({count}).",
        },
        "dash.view.numbers": {"en": "The programme in numbers", "fr": "Le programme en chiffres"},
        "dash.view.workshops": {"en": "Express workshops", "fr": "Ateliers express"},
        "dash.view.ws.held": {"en": "Workshops held", "fr": "Ateliers tenus"},
        "dash.view.ws.to_come": {"en": "Workshops to come", "fr": "Ateliers à venir"},
        "dash.view.ws.attendance": {"en": "Invited who came", "fr": "Invités venus"},
        "dash.view.ws.quiz": {"en": "Live quiz answers right", "fr": "Réponses justes au quiz en direct"},
        "dash.view.ws.commitments": {"en": "Commitments made", "fr": "Engagements pris"},
        "dash.view.ws.done_at_week": {
            "en": "Commitments done at one week",
            "fr": "Engagements tenus à une semaine",
        },
        "dash.view.ws.workshop_lessons": {
            "en": "Reviews right, lessons met in a workshop",
            "fr": "Révisions justes, leçons vues en atelier",
        },
        "dash.view.ws.other_lessons": {
            "en": "Reviews right, other lessons",
            "fr": "Révisions justes, autres leçons",
        },
        "dash.view.pairs": {"en": "Pairs and meetings", "fr": "Binômes et rencontres"},
        "dash.view.pr.pairs": {"en": "Pairs", "fr": "Binômes"},
        "dash.view.pr.mentors": {"en": "Mentors", "fr": "Mentors"},
        "dash.view.pr.meetings": {
            "en": "Meetings held, of those planned",
            "fr": "Rencontres tenues, sur les prévues",
        },
        "dash.view.pr.at_risk": {
            "en": "Pairs at risk (3 missed in a row)",
            "fr": "Binômes à risque (3 manquées d’affilée)",
        },
        "dash.view.pr.goal": {"en": "Goal: {title}", "fr": "Objectif : {title}"},
        "dash.view.pr.goal_value": {
            "en": "{people} people, {percent} of the way on average",
            "fr": "{people} personnes, {percent} du chemin en moyenne",
        },
        "dash.view.pr.commitments": {
            "en": "Commitments done (workshops and meetings)",
            "fr": "Engagements tenus (ateliers et rencontres)",
        },
        "dash.view.num.cohorts": {"en": "Cohorts", "fr": "Cohortes"},
        "dash.view.num.active": {"en": "Learners active", "fr": "Apprenants actifs"},
        "dash.view.num.paused": {"en": "Learners paused", "fr": "Apprenants en pause"},
        "dash.view.num.completed": {"en": "Learners who completed", "fr": "Apprenants ayant terminé"},
        "dash.view.num.stopped": {"en": "Learners who stopped", "fr": "Apprenants arrêtés"},
        "dash.view.num.pending": {"en": "Not reachable yet", "fr": "Pas encore joignables"},
        "dash.view.num.mentors": {"en": "Mentors", "fr": "Mentors"},
        "dash.view.num.pairs": {"en": "Mentor pairs", "fr": "Binômes de mentorat"},
        "dash.view.col.figure": {"en": "Figure", "fr": "Indicateur"},
        "dash.view.col.value": {"en": "Value", "fr": "Valeur"},
        "dash.view.deliveries": {
            "en": "Deliveries per day, last 8 weeks (UTC days)",
            "fr": "Envois par jour, 8 dernières semaines (jours UTC)",
        },
        "dash.view.col.day": {"en": "Day", "fr": "Jour"},
        "dash.view.col.lessons": {"en": "Lessons", "fr": "Leçons"},
        "dash.view.col.reviews": {"en": "Reviews", "fr": "Révisions"},
        "dash.view.col.other": {"en": "Other messages", "fr": "Autres messages"},
        "dash.view.funnel": {"en": "Engagement funnel", "fr": "Entonnoir d’engagement"},
        "dash.view.funnel.note": {
            "en": "Each step counts (learner, lesson) pairs.",
            "fr": "Chaque étape compte des couples (apprenant, leçon).",
        },
        "dash.view.col.step": {"en": "Step", "fr": "Étape"},
        "dash.view.col.pairs": {"en": "Learner-lesson pairs", "fr": "Couples apprenant-leçon"},
        "dash.view.step.delivered": {"en": "Delivered", "fr": "Envoyée"},
        "dash.view.step.opened": {"en": "Opened “more”", "fr": "Ouverte (« plus »)"},
        "dash.view.step.quiz": {"en": "Quiz answered", "fr": "Quiz répondu"},
        "dash.view.step.useful": {"en": "Marked useful", "fr": "Jugée utile"},
        "dash.view.retention": {"en": "Retention", "fr": "Mémorisation"},
        "dash.view.first_try": {"en": "First-try correct", "fr": "Bonnes du premier coup"},
        "dash.view.retained": {"en": "Retained at 3 weeks", "fr": "Retenu à 3 semaines"},
        "dash.view.curve": {
            "en": "Review answers right, by time since the lesson was first sent",
            "fr": "Réponses justes aux révisions, selon le temps écoulé depuis le premier envoi",
        },
        "dash.view.col.since": {"en": "Since the lesson", "fr": "Depuis la leçon"},
        "dash.view.col.answered": {"en": "Answers", "fr": "Réponses"},
        "dash.view.col.right": {"en": "Right", "fr": "Justes"},
        "dash.view.days_range": {"en": "{first}–{last} days", "fr": "{first} à {last} jours"},
        "dash.view.days_from": {"en": "{first}+ days", "fr": "{first} jours et plus"},
        "dash.view.share": {"en": "{percent} of {count}", "fr": "{percent} sur {count}"},
        "dash.view.col.topics": {"en": "Topics to go over", "fr": "Sujets à revoir"},
        "dash.view.topics_none": {"en": "nothing to go over", "fr": "rien à revoir"},
        "dash.view.topics_private": {"en": "not shared", "fr": "non partagés"},
        "dash.view.gaps.more": {
            "en": "The {shown} largest groups of {count} are shown here; the table below, and its CSV, has "
            "every question.",
            "fr": "Les {shown} plus grands groupes sur {count} sont affichés ici ; le tableau ci-dessous, et son "
            "CSV, contient toutes les questions.",
        },
        "dash.view.choose_lesson": {"en": "Choose a lesson…", "fr": "Choisir une leçon…"},
        "dash.view.too_few": {"en": "too few to report", "fr": "trop peu pour l’indiquer"},
        "dash.view.too_few_note": {
            "en": "“Too few to report”: a figure over fewer than {min} people is not shown, so that nobody’s "
            "answers can be told apart.",
            "fr": "« Trop peu pour l’indiquer » : un chiffre portant sur moins de {min} personnes n’est pas "
            "affiché, pour que personne ne puisse être reconnu à ses réponses.",
        },
        "dash.view.col.cohort": {"en": "Cohort", "fr": "Cohorte"},
        "dash.view.col.track": {"en": "Track", "fr": "Parcours"},
        "dash.view.col.start": {"en": "Start", "fr": "Début"},
        "dash.view.col.learners": {"en": "Learners", "fr": "Apprenants"},
        "dash.view.col.active": {"en": "Active", "fr": "Actifs"},
        "dash.view.col.paused": {"en": "Paused", "fr": "En pause"},
        "dash.view.col.completed": {"en": "Completed", "fr": "Terminé"},
        "dash.view.col.stopped": {"en": "Stopped", "fr": "Arrêtés"},
        "dash.view.col.pending": {"en": "Not reachable yet", "fr": "Pas encore joignables"},
        "dash.view.cohort_paused": {"en": "paused", "fr": "en pause"},
        "dash.view.no_cohorts": {"en": "No cohort to show yet.", "fr": "Aucune cohorte à afficher."},
        "dash.view.progress": {"en": "Progress along the track", "fr": "Avancement dans le parcours"},
        "dash.view.col.received": {"en": "Lessons received", "fr": "Leçons reçues"},
        "dash.view.received_n": {"en": "{count} of {total}", "fr": "{count} sur {total}"},
        "dash.view.people": {"en": "People", "fr": "Personnes"},
        "dash.view.col.name": {"en": "Name", "fr": "Nom"},
        "dash.view.col.status": {"en": "Status", "fr": "Statut"},
        "dash.view.col.last": {"en": "Last activity ({zone})", "fr": "Dernière activité ({zone})"},
        "dash.view.col.mentor": {"en": "Mentor", "fr": "Mentor"},
        "dash.view.status.active": {"en": "active", "fr": "actif"},
        "dash.view.status.paused": {"en": "paused", "fr": "en pause"},
        "dash.view.status.pending_install": {"en": "pending install", "fr": "installation en attente"},
        "dash.view.status.stopped": {"en": "stopped", "fr": "arrêté"},
        "dash.view.status.stopped_why": {"en": "stopped: {reason}", "fr": "arrêté : {reason}"},
        "dash.view.status.completed": {"en": "completed", "fr": "terminé"},
        "dash.view.never": {"en": "never", "fr": "jamais"},
        "dash.view.mentors": {"en": "Mentors’ activity", "fr": "Activité des mentors"},
        "dash.view.col.mentees": {"en": "Mentees", "fr": "Mentorés"},
        "dash.view.col.tips": {"en": "Tips pushed", "fr": "Conseils envoyés"},
        "dash.view.col.answered_q": {"en": "Questions answered", "fr": "Questions répondues"},
        "dash.view.col.median": {"en": "Median answer time", "fr": "Délai médian de réponse"},
        "dash.view.quiz": {
            "en": "Quiz results (aggregates only)",
            "fr": "Résultats aux quiz (agrégés seulement)",
        },
        "dash.view.col.lesson": {"en": "Lesson", "fr": "Leçon"},
        "dash.view.col.answering": {"en": "People who answered", "fr": "Personnes ayant répondu"},
        "dash.view.col.sent": {"en": "Sent", "fr": "Envoyée"},
        "dash.view.col.opened": {"en": "Opened", "fr": "Ouverte"},
        "dash.view.col.useful": {"en": "Useful", "fr": "Utile"},
        "dash.view.col.not_useful": {"en": "Not for me", "fr": "Pas pour moi"},
        "dash.view.stands_out": {
            "en": "often “not for me”",
            "fr": "souvent « pas pour moi »",
        },
        "dash.view.stands_out_note": {
            "en": "Marked lessons got “not for me” in at least {percent} of at least {votes} votes.",
            "fr": "Les leçons signalées ont reçu « pas pour moi » dans au moins {percent} d’au moins "
            "{votes} avis.",
        },
        "dash.view.gaps.intro": {
            "en": "Questions no lesson answered, without who asked them, grouped by similarity. Questions "
            "a learner kept to themselves never appear.",
            "fr": "Les questions auxquelles aucune leçon n’a répondu, sans le nom de qui les a posées, "
            "regroupées par ressemblance. Celles qu’un apprenant a gardées pour lui n’apparaissent jamais.",
        },
        "dash.view.gaps.none": {
            "en": "Every question has an answer. Nothing is missing from the lessons for now.",
            "fr": "Toutes les questions ont une réponse. Rien ne manque aux leçons pour l’instant.",
        },
        "dash.view.col.group": {"en": "Group", "fr": "Groupe"},
        "dash.view.col.question": {"en": "Question", "fr": "Question"},
        "dash.view.col.lang": {"en": "Language", "fr": "Langue"},
        "dash.view.col.asked": {"en": "Asked ({zone})", "fr": "Posée ({zone})"},
        "dash.view.col.new_topic": {"en": "New topic needed", "fr": "Nouveau sujet à créer"},
        "dash.view.yes": {"en": "yes", "fr": "oui"},
        "dash.view.no": {"en": "no", "fr": "non"},
        "dash.view.seconds": {"en": "{count} s", "fr": "{count} s"},
        "dash.view.minutes": {"en": "{count} min", "fr": "{count} min"},
        "dash.view.hours": {"en": "{count} h", "fr": "{count} h"},
        "dash.view.days": {"en": "{count} d", "fr": "{count} j"},
    }
)

STANDS_OUT_SHARE = 0.25
"""A lesson stands out when "not for me" is at least this share of its feedback…"""
STANDS_OUT_VOTES = 5
"""…over at least this many votes."""
GAP_SIMILARITY = 75
"""Two gap questions whose content words score this much (rapidfuzz token_set_ratio) are one group."""
GAP_TEXT_CHARS = 300
DELIVERY_DAYS = 56
"""The overview's deliveries chart: the last 8 weeks, today included."""

Role = Literal["admin", "mentor"]


class Refused(Exception):
    """The viewer may not see this (not an admin nor a mentor any more, or a mentor asking for gaps)."""


class Missing(Exception):
    """No such thing for this viewer (an unknown cohort, or one without any of a mentor's mentees)."""


# --- tables --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: `text` as shown; `value` (a number, an ISO date, a plain word) for `data-value`
    and the CSV export, None when the cell has no machine value (a held-back figure, a name)."""

    text: str
    value: int | float | str | None = None
    href: str | None = None

    @property
    def export(self) -> str:
        """What the CSV holds for this cell: its value when it has one, else its text."""
        return self.text if self.value is None else str(self.value)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    numeric: bool = False
    sort_href: str | None = None
    """For a sortable table: the link that sorts by this column (`?sort=key`, or `-key` when it already is)."""
    sorted: Literal["ascending", "descending"] | None = None


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    highlight: bool = False
    """Stands out (a lesson many find "not for me")."""
    source: object | None = None
    """What the row was made from, for per-row actions (a cohort page's PersonRow)."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table as shown and as exported (`name` is its CSV export's name)."""

    name: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    export_query: str = ""
    """The query string of its export link (`?cohort=3`)."""

    @property
    def export_href(self) -> str:
        return f"/dashboard/export/{self.name}.csv{self.export_query}"

    def csv_rows(self) -> list[list[str]]:
        """Header then rows, as the CSV export writes them."""
        return [[c.label for c in self.columns], *([cell.export for cell in row.cells] for row in self.rows)]


@dataclass(frozen=True, slots=True)
class Point:
    """One drawn point of a chart: its label and value (None: held back, not drawn)."""

    label: str
    value: int | float | None


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    title: str
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart and the data table beside it (one row per label; one value column per series)."""

    name: str
    kind: Literal["bar", "stacked", "line", "hbar"]
    title: str
    series: tuple[Series, ...]
    table: Table
    unit: str = ""
    """"%" for charts of shares (0 to 100)."""


# --- who is looking --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Access:
    """The viewer, as the database says now: their role, what they may see, their language and zone."""

    person_id: int
    name: str
    role: Role
    scope: Scope
    lang: str
    zone: ZoneInfo

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def held_back(self) -> bool:
        """Whether every result is "too few to report": a mentor with fewer than MIN_PEOPLE mentees."""
        return self.scope.person_ids is not None and len(self.scope.person_ids) < MIN_PEOPLE


async def access(services: Services, person_id: int) -> Access:
    """Who `person_id` is now: an admin (everyone), a mentor (their mentees, read now), or `Refused`."""
    async with services.db.transaction() as session:
        person = await people.get_person_by_id(session, person_id=person_id)
        if person is None:
            raise Refused
        lang = person.lang if person.lang in LANGS else services.settings.default_lang
        zone = await zone_of(session, person, services.settings.default_tz)
        if _is_admin(person, services):
            return Access(person_id, person.display_name, "admin", Scope.everyone(), lang, zone)
        mentees = await data.mentee_ids(session, mentor_id=person_id)
    if not mentees and person.role != PersonRole.MENTOR:
        raise Refused
    return Access(person_id, person.display_name, "mentor", Scope.only(mentees), lang, zone)


def _is_admin(person: Person, services: Services) -> bool:
    return person.is_admin or keys.local_id(person.key) in services.settings.admins


# --- wording -----------------------------------------------------------------------------------------------


def too_few(lang: str) -> str:
    """ "too few to report": a figure over fewer than 5 people, short enough for a table cell (the pages
    say once what it means)."""
    return t("dash.view.too_few", lang)


def number(value: int, lang: str) -> str:
    """`12,345` / `12 345` (French: a narrow no-break space)."""
    text = f"{value:,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def percent(value: int, lang: str) -> str:
    """`42%` / `42 %`."""
    return f"{value}\u202f%" if lang == "fr" else f"{value}%"


SHORT_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
}


def short_day(day: dt.date, lang: str) -> str:
    """`23 Nov` / `23 nov.`: a day on a chart's axis or in a table (French says `1er`)."""
    number = "1er" if lang == "fr" and day.day == 1 else str(day.day)
    return f"{number} {SHORT_MONTHS.get(lang, SHORT_MONTHS['en'])[day.month - 1]}"


def moment(when: dt.datetime | None, access: Access) -> Cell:
    """A moment in the viewer's zone: `23 Nov 2026, 11:00` (`23 nov. 2026, 11:00`); its value is
    ISO 8601 with the offset."""
    if when is None:
        return Cell(t("dash.view.never", access.lang))
    local = when.astimezone(access.zone)
    text = f"{short_day(local.date(), access.lang)} {local.year}, {time_text(local.time())}"
    return Cell(text, local.isoformat(timespec="minutes"))


def decimal(value: float, lang: str) -> str:
    """`1.5` / `1,5`: one decimal, French with a comma."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "fr" else text


def duration(seconds: float | None, lang: str) -> Cell:
    """A median answer time in the unit that keeps it readable; its value in seconds."""
    if seconds is None:
        return Cell(t("report.none_yet", lang))
    value = round(seconds)
    if value < 60:
        return Cell(t("dash.view.seconds", lang, count=value), value)
    if value < 3600:
        return Cell(t("dash.view.minutes", lang, count=round(value / 60)), value)
    if value < 86400:
        return Cell(t("dash.view.hours", lang, count=decimal(value / 3600, lang)), value)
    return Cell(t("dash.view.days", lang, count=decimal(value / 86400, lang)), value)


def share_cell(share: Share, access: Access) -> Cell:
    """`42% of 120` / `42 % sur 120`; "too few to report" under MIN_PEOPLE people (or for a mentor with
    fewer mentees than that); "none yet" when nothing was counted."""
    if share.people == 0 or share.percent is None:
        return Cell(t("report.none_yet", access.lang))
    if access.held_back or share.people < MIN_PEOPLE:
        return Cell(too_few(access.lang))
    text = t("dash.view.share", access.lang, percent=percent(share.percent, access.lang), count=share.total)
    return Cell(text, share.percent)


def count_cell(value: int, lang: str, href: str | None = None) -> Cell:
    return Cell(number(value, lang), value, href)


def lesson_title(library: Library, lesson_id: str, lang: str) -> str:
    lesson = library.get(lesson_id, lang)
    return lesson.title if lesson is not None else lesson_id


def _columns(lang: str, *specs: tuple[str, str, bool]) -> tuple[Column, ...]:
    return tuple(Column(key, t(label, lang), numeric) for key, label, numeric in specs)


def _chart_table(name: str, caption: str, label_header: str, series: Sequence[Series], lang: str) -> Table:
    """The data table beside a chart: one row per label, one column per series, each value as drawn."""
    columns = (
        Column("label", label_header),
        *(Column(s.key, s.title, numeric=True) for s in series),
    )
    rows = []
    for index, point in enumerate(series[0].points if series else ()):
        cells = [Cell(point.label, point.label)]
        for s in series:
            value = s.points[index].value
            if value is None:
                cells.append(Cell(too_few(lang)))
            else:
                cells.append(Cell(_value_text(value, lang), value))
        rows.append(Row(tuple(cells)))
    return Table(name, caption, columns, tuple(rows))


def _value_text(value: float, lang: str) -> str:
    return number(int(value), lang) if float(value).is_integer() else f"{value:.1f}"


# --- the overview -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overview:
    access: Access
    numbers: Table
    deliveries: Chart
    funnel: Chart
    first_try: Cell
    retained: Cell
    retention: Chart
    workshops: Table | None = None
    """The express workshops in figures, for admins, once there is one (held, to come, or a commitment)."""

    @property
    def tables(self) -> tuple[Table, ...]:
        found = (self.numbers, self.deliveries.table, self.funnel.table, self.retention.table)
        return (*found, self.workshops) if self.workshops is not None else found


_T = TypeVar("_T")


async def _read(services: Services, query: Callable[[AsyncSession], Awaitable[_T]]) -> _T:
    """One read-only query in a transaction of its own (run as its own task by the caller)."""
    async with services.db.transaction() as session:
        return await query(session)


async def overview(services: Services, person_id: int) -> Overview:
    """The programme in numbers, deliveries per day over 8 weeks, the funnel and the retention curve."""
    who = await access(services, person_id)
    now = services.clock()
    last_day = now.astimezone(dt.UTC).date()
    first_day = last_day - dt.timedelta(days=DELIVERY_DAYS - 1)
    # Four independent reads, each in its own transaction: on PostgreSQL they run side by side on the
    # pool's connections, so the page waits for the slowest figure instead of the sum of them all.
    figures, days, steps, kept, held = await asyncio.gather(
        _read(services, lambda s: data.programme_numbers(s, scope=who.scope, now=now)),
        _read(
            services,
            lambda s: data.deliveries_per_day(s, scope=who.scope, first_day=first_day, last_day=last_day),
        ),
        _read(services, lambda s: data.funnel(s, scope=who.scope)),
        _read(services, lambda s: data.retention_curve(s, scope=who.scope, now=now)),
        _read(services, lambda s: _workshop_figures(s, who, now)),
    )
    lang = who.lang
    numbers = [
        ("cohorts", figures.cohorts),
        ("active", figures.learners_active),
        ("paused", figures.learners_paused),
        ("completed", figures.learners_completed),
        ("stopped", figures.learners_stopped),
        ("pending", figures.pending_install),
        ("mentors", figures.mentors),
        ("pairs", figures.pairs),
    ]
    table = Table(
        "numbers",
        t("dash.view.numbers", lang),
        _columns(lang, ("figure", "dash.view.col.figure", False), ("value", "dash.view.col.value", True)),
        tuple(
            Row((Cell(t(f"dash.view.num.{key}", lang)), count_cell(value, lang))) for key, value in numbers
        ),
    )
    return Overview(
        who,
        table,
        _deliveries_chart(days, lang),
        _funnel_chart(steps, lang),
        share_cell(kept.first_try_correct, who),
        share_cell(kept.retained_3w, who),
        _retention_chart(kept.points, who),
        _workshops_table(held, who) if held is not None and held.any else None,
    )


async def _workshop_figures(
    session: AsyncSession, who: Access, now: dt.datetime
) -> workshop_report.WorkshopFigures | None:
    """The programme's workshops in figures, for an admin (a mentor's overview is about their mentees)."""
    return await workshop_report.workshop_figures(session, cohort_id=None, now=now) if who.is_admin else None


def _workshops_table(held: workshop_report.WorkshopFigures, who: Access) -> Table:
    lang = who.lang
    rows = [
        ("held", count_cell(held.held, lang)),
        ("to_come", count_cell(held.to_come, lang)),
        ("attendance", share_cell(held.attendance, who)),
        ("quiz", share_cell(held.quiz, who)),
        ("commitments", count_cell(held.commitments, lang)),
        ("done_at_week", share_cell(held.done_at_week, who)),
        ("workshop_lessons", share_cell(held.workshop_lessons, who)),
        ("other_lessons", share_cell(held.other_lessons, who)),
    ]
    return Table(
        "workshops",
        t("dash.view.workshops", lang),
        _columns(lang, ("figure", "dash.view.col.figure", False), ("value", "dash.view.col.value", True)),
        tuple(Row((Cell(t(f"dash.view.ws.{key}", lang)), cell)) for key, cell in rows),
    )


def _deliveries_chart(days: Sequence[data.DayCount], lang: str) -> Chart:
    labels = [short_day(day.day, lang) for day in days]
    series = tuple(
        Series(
            key,
            t(f"dash.view.col.{key}", lang),
            tuple(Point(lbl, getattr(d, key)) for lbl, d in zip(labels, days, strict=True)),
        )
        for key in ("lessons", "reviews", "other")
    )
    title = t("dash.view.deliveries", lang)
    table = _chart_table("deliveries", title, t("dash.view.col.day", lang), series, lang)
    rows = tuple(
        Row((Cell(row.cells[0].text, day.day.isoformat()), *row.cells[1:]))
        for row, day in zip(table.rows, days, strict=True)
    )
    table = Table(table.name, table.caption, table.columns, rows)
    return Chart("deliveries", "stacked", title, series, table)


def _funnel_chart(steps: data.Funnel, lang: str) -> Chart:
    values = (
        ("delivered", steps.delivered),
        ("opened", steps.opened),
        ("quiz", steps.quiz_answered),
        ("useful", steps.useful),
    )
    points = tuple(Point(t(f"dash.view.step.{key}", lang), value) for key, value in values)
    series = (Series("pairs", t("dash.view.col.pairs", lang), points),)
    title = t("dash.view.funnel", lang)
    table = _chart_table("funnel", title, t("dash.view.col.step", lang), series, lang)
    return Chart("funnel", "hbar", title, series, table)


def _band(point: data.RetentionPoint, lang: str) -> str:
    if point.days_to is None:
        return t("dash.view.days_from", lang, first=point.days_from)
    return t("dash.view.days_range", lang, first=point.days_from, last=point.days_to)


def _retention_chart(points: Sequence[data.RetentionPoint], who: Access) -> Chart:
    """The share of review answers right by time since the lesson: a band answered fewer than
    MIN_PEOPLE times (or any band, for a mentor with few mentees) is held back, not drawn."""
    lang = who.lang
    drawn = tuple(
        Point(
            _band(point, lang),
            round(100 * point.correct / point.answered)
            if point.answered >= MIN_PEOPLE and not who.held_back
            else None,
        )
        for point in points
    )
    series = (Series("right", t("dash.view.col.right", lang), drawn),)
    title = t("dash.view.curve", lang)
    columns = (
        Column("label", t("dash.view.col.since", lang)),
        Column("right", t("dash.view.col.right", lang), numeric=True),
        Column("answered", t("dash.view.col.answered", lang), numeric=True),
    )
    rows = []
    for shown, point in zip(drawn, points, strict=True):
        if shown.value is not None:
            right = Cell(percent(int(shown.value), lang), shown.value)
        else:
            right = Cell(t("report.none_yet", lang) if not point.answered else too_few(lang))
        answered = Cell(too_few(lang)) if who.held_back else count_cell(point.answered, lang)
        rows.append(Row((Cell(shown.label, shown.label), right, answered)))
    table = Table("retention", title, columns, tuple(rows))
    return Chart("retention", "line", title, series, table, unit="%")


# --- cohorts -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CohortsPage:
    access: Access
    cohorts: Table
    tracks: tuple[tuple[str, str], ...]
    """(id, title) of every track, for the admins' create-cohort form."""


async def cohorts(services: Services, person_id: int) -> CohortsPage:
    """Every cohort (admins), or the cohorts of a mentor's mentees, counted over them only."""
    who = await access(services, person_id)
    async with services.db.transaction() as session:
        found = await data.cohort_list(session, scope=who.scope, now=services.clock())
    if not who.scope.is_everyone:
        found = [row for row in found if row.learners > 0]
    library, lang = services.lessons.library, who.lang
    rows = []
    for row in found:
        track = library.tracks.get(row.track_id)
        name = row.name + (f" ({t('dash.view.cohort_paused', lang)})" if row.paused else "")
        rows.append(
            Row(
                (
                    Cell(name, row.name, href=f"/dashboard/cohorts/{row.id}"),
                    Cell(track.title(lang) if track else row.track_id, row.track_id),
                    Cell(format_day(row.start_date, lang), row.start_date.isoformat()),
                    count_cell(row.learners, lang),
                    count_cell(row.active, lang),
                    count_cell(row.paused_people, lang),
                    count_cell(row.completed, lang),
                    count_cell(row.stopped, lang),
                    count_cell(row.pending_install, lang),
                ),
                source=row,
            )
        )
    columns = _columns(
        lang,
        ("cohort", "dash.view.col.cohort", False),
        ("track", "dash.view.col.track", False),
        ("start", "dash.view.col.start", False),
        ("learners", "dash.view.col.learners", True),
        ("active", "dash.view.col.active", True),
        ("paused", "dash.view.col.paused", True),
        ("completed", "dash.view.col.completed", True),
        ("stopped", "dash.view.col.stopped", True),
        ("pending", "dash.view.col.pending", True),
    )
    tracks = tuple((track.id, track.title(lang)) for track in library.tracks.values()) if who.is_admin else ()
    return CohortsPage(who, Table("cohorts", t("dash.view.cohorts", lang), columns, tuple(rows)), tracks)


@dataclass(frozen=True, slots=True)
class CohortPage:
    access: Access
    id: int
    name: str
    track_id: str
    track_title: str
    start: str
    paused: bool
    progress: Chart
    people: Table
    mentors: Table
    quiz: Table
    pairs: Table | None = None
    """The pairs, their meetings, goals and commitments in figures: for admins, once the cohort has a pair."""

    @property
    def tables(self) -> tuple[Table, ...]:
        found = (self.progress.table, self.people, self.mentors, self.quiz)
        return (*found, self.pairs) if self.pairs is not None else found


async def cohort(services: Services, person_id: int, cohort_id: int) -> CohortPage:
    """One cohort: progress along the track, its people (a mentor: their own mentees only), the mentors'
    activity and the quiz results as aggregates. `Missing` for a cohort the viewer has nobody in."""
    who = await access(services, person_id)
    now = services.clock()
    async with services.db.transaction() as session:
        found = await get_cohort_by_id(session, cohort_id=cohort_id)
        if found is None:
            raise Missing
        persons = await data.cohort_people(session, cohort_id=cohort_id, scope=who.scope, now=now)
        if not who.is_admin and not persons:
            raise Missing
        histogram = await data.cohort_progress(session, cohort_id=cohort_id, scope=who.scope)
        mentors = await data.mentor_activity(session, cohort_id=cohort_id, scope=who.scope)
        quizzes = await data.quiz_results(session, cohort_id=cohort_id, scope=who.scope)
        topics = None if who.is_admin else await _topics(session, [row.person_id for row in persons])
        pairs = await _pairs_table(session, services, who, cohort_id, now) if who.is_admin else None
    if not who.is_admin:  # the mentor's own row only: other mentors' figures are not theirs to see
        mentors = [row for row in mentors if row.mentor_id == who.person_id]
    library, lang = services.lessons.library, who.lang
    track = library.tracks.get(found.track_id)
    query = f"?cohort={cohort_id}"
    return CohortPage(
        who,
        cohort_id,
        found.name,
        found.track_id,
        track.title(lang) if track else found.track_id,
        format_day(found.start_date, lang),
        found.paused,
        _progress_chart(histogram, len(track.lessons) if track else 0, lang, query),
        _people_table(persons, who, len(track.lessons) if track else 0, query, topics, library),
        _mentors_table(mentors, lang, query),
        _quiz_table(quizzes, who, library, query),
        _with_query(pairs, query) if pairs is not None else None,
    )


async def _pairs_table(
    session: AsyncSession, services: Services, who: Access, cohort_id: int, now: dt.datetime
) -> Table | None:
    """The cohort's pairs in figures, as `report` gives them: pairs, meetings held of those planned, the
    pairs at risk (named: a status), each goal with how far its people are on average, the commitments
    kept; aggregates over fewer than MIN_PEOPLE people are "too few to report"."""
    figures = await relationship_report.pair_figures(session, cohort_id=cohort_id, now=now)
    if not figures.pairs and not figures.meetings.total:
        return None
    lang = who.lang
    risky = await meetings.pairs_at_risk(session, cohort_id=cohort_id)
    names = ", ".join(f"{r.mentor.display_name} / {r.mentee.display_name}" for r in risky)
    rows = [
        (t("dash.view.pr.pairs", lang), count_cell(figures.pairs, lang)),
        (t("dash.view.pr.mentors", lang), count_cell(figures.mentors, lang)),
        (t("dash.view.pr.meetings", lang), share_cell(figures.meetings, who)),
        (
            t("dash.view.pr.at_risk", lang),
            Cell(f"{number(len(risky), lang)}{f' ({names})' if names else ''}", len(risky)),
        ),
    ]
    enrolled = await get_enrollments_in(session, cohort_id=cohort_id)
    progress = await goals.goal_progress(
        session, library=services.lessons.library, person_ids=sorted(enrolled)
    )
    by_goal: dict[str, tuple[str, list[int]]] = {}
    for made in progress.values():
        for goal in made:
            by_goal.setdefault(goal.goal.id, (goal.goal.title(lang), []))[1].append(goal.percent)
    for title, percents in sorted(by_goal.values(), key=lambda item: (-len(item[1]), item[0])):
        label = t("dash.view.pr.goal", lang, title=title)
        if len(percents) < MIN_PEOPLE:
            rows.append((label, Cell(too_few(lang))))
        else:
            average = round(sum(percents) / len(percents))
            value = t("dash.view.pr.goal_value", lang, people=len(percents), percent=percent(average, lang))
            rows.append((label, Cell(value, average)))
    rows.append((t("dash.view.pr.commitments", lang), share_cell(figures.commitments, who)))
    return Table(
        "pairs",
        t("dash.view.pairs", lang),
        _columns(lang, ("figure", "dash.view.col.figure", False), ("value", "dash.view.col.value", True)),
        tuple(Row((Cell(label), cell)) for label, cell in rows),
    )


def _progress_chart(histogram: Sequence[tuple[int, int]], length: int, lang: str, query: str) -> Chart:
    """Learners by lessons received so far, every step of the track shown (zeros too)."""
    counts = dict(histogram)
    last = max([length, *counts])
    points = tuple(Point(str(step), counts.get(step, 0)) for step in range(last + 1))
    series = (Series("learners", t("dash.view.col.learners", lang), points),)
    title = t("dash.view.progress", lang)
    table = _chart_table("progress", title, t("dash.view.col.received", lang), series, lang)
    return Chart("progress", "bar", title, series, _with_query(table, query))


def _with_query(table: Table, query: str) -> Table:
    return Table(table.name, table.caption, table.columns, table.rows, query)


def status_text(row: data.PersonRow, lang: str) -> str:
    if row.status == PeopleStatus.STOPPED and row.stop_reason:
        return t("dash.view.status.stopped_why", lang, reason=" ".join(row.stop_reason.split())[:100])
    return t(f"dash.view.status.{row.status.value}", lang)


async def _topics(session: AsyncSession, person_ids: list[int]) -> dict[int, list[str] | None]:
    """For a mentor's page: each mentee's lessons to go over (ids), or None when the mentee does not
    share them (`settings topics off`)."""
    sharing = await retention.sharing_topics(session, person_ids=person_ids)
    found = await retention.topics_to_go_over(session, person_ids=person_ids)
    return {pid: (found.get(pid, []) if pid in sharing else None) for pid in person_ids}


def _topics_cell(topics: list[str] | None, library: Library, lang: str) -> Cell:
    """The lessons' titles, "nothing to go over", or "not shared" (the mentee's choice)."""
    if topics is None:
        return Cell(t("dash.view.topics_private", lang))
    titles = [lesson_title(library, lesson_id, lang) for lesson_id in topics]
    return Cell("; ".join(titles) if titles else t("dash.view.topics_none", lang), len(titles))


def _people_table(
    rows: Sequence[data.PersonRow],
    who: Access,
    length: int,
    query: str,
    topics: dict[int, list[str] | None] | None = None,
    library: Library | None = None,
) -> Table:
    """The cohort's people. A mentor also sees each mentee's topics to go over, when the mentee shares
    them; an admin never does (results are aggregates for them)."""
    lang = who.lang
    columns = (
        *_columns(lang, ("name", "dash.view.col.name", False), ("status", "dash.view.col.status", False)),
        Column("received", t("dash.view.col.received", lang), numeric=True),
        Column("last", t("dash.view.col.last", lang, zone=who.zone.key)),
        Column("mentor", t("dash.view.col.mentor", lang)),
        *((Column("topics", t("dash.view.col.topics", lang)),) if topics is not None else ()),
    )
    shown = tuple(
        Row(
            (
                Cell(row.name),
                Cell(status_text(row, lang), row.status.value),
                Cell(
                    t("dash.view.received_n", lang, count=row.lessons_received, total=length)
                    if length
                    else number(row.lessons_received, lang),
                    row.lessons_received,
                ),
                moment(row.last_activity, who),
                Cell(row.mentor_name or "—", row.mentor_name or ""),
                *(
                    (_topics_cell(topics.get(row.person_id), library, lang),)
                    if topics is not None and library is not None
                    else ()
                ),
            ),
            source=row,
        )
        for row in rows
    )
    return Table("people", t("dash.view.people", lang), columns, shown, query)


def _mentors_table(rows: Sequence[data.MentorRow], lang: str, query: str) -> Table:
    columns = _columns(
        lang,
        ("mentor", "dash.view.col.mentor", False),
        ("mentees", "dash.view.col.mentees", True),
        ("tips", "dash.view.col.tips", True),
        ("answered", "dash.view.col.answered_q", True),
        ("median", "dash.view.col.median", True),
    )
    shown = tuple(
        Row(
            (
                Cell(row.name),
                count_cell(row.mentees, lang),
                count_cell(row.tips_pushed, lang),
                count_cell(row.questions_answered, lang),
                duration(row.median_answer_seconds, lang),
            ),
            source=row,
        )
        for row in rows
    )
    return Table("mentors", t("dash.view.mentors", lang), columns, shown, query)


def _quiz_table(rows: Sequence[data.QuizRow], who: Access, library: Library, query: str) -> Table:
    """First-try results per lesson, over the people who answered: never who answered what."""
    lang = who.lang
    columns = _columns(
        lang,
        ("lesson", "dash.view.col.lesson", False),
        ("people", "dash.view.col.answering", True),
        ("first_try", "dash.view.first_try", True),
    )
    shown = []
    for row in rows:
        few = who.held_back or row.people < MIN_PEOPLE
        people_cell = Cell(too_few(lang)) if few else count_cell(row.people, lang)
        shown.append(
            Row(
                (
                    Cell(lesson_title(library, row.lesson_id, lang), row.lesson_id),
                    people_cell,
                    share_cell(row.first_try_correct, who),
                )
            )
        )
    return Table("quiz", t("dash.view.quiz", lang), columns, tuple(shown), query)


# --- lessons --------------------------------------------------------------------------------------------

LESSON_SORTS = ("lesson", "sent", "opened", "useful", "not_useful", "first_try", "retained")


@dataclass(frozen=True, slots=True)
class LessonsPage:
    access: Access
    lessons: Table
    sort: str
    stands_out: int
    """How many lessons stand out (many "not for me")."""


def stands_out(row: data.LessonRow) -> bool:
    """Many find it "not for me": at least STANDS_OUT_SHARE of at least STANDS_OUT_VOTES votes."""
    votes = row.useful + row.not_useful
    return votes >= STANDS_OUT_VOTES and row.not_useful >= STANDS_OUT_SHARE * votes


async def lessons(services: Services, person_id: int, sort: str | None = None) -> LessonsPage:
    """Each lesson's figures over the viewer's scope, sorted by `sort` (a column key, `-key` for
    descending; unknown keys sort by lesson title)."""
    who = await access(services, person_id)
    async with services.db.transaction() as session:
        found = await data.lesson_stats(session, scope=who.scope, now=services.clock())
    library, lang = services.lessons.library, who.lang
    key, descending = _sort_key(sort)
    rows = []
    for row in found:
        highlight = stands_out(row)
        title = lesson_title(library, row.lesson_id, lang)
        shown = f"{title} ({t('dash.view.stands_out', lang)})" if highlight else title
        cells = (
            Cell(shown, row.lesson_id, href=None),
            count_cell(row.sent, lang),
            count_cell(row.opened, lang),
            count_cell(row.useful, lang),
            count_cell(row.not_useful, lang),
            share_cell(row.first_try_correct, who),
            share_cell(row.retained, who),
        )
        rows.append((Row(cells, highlight=highlight, source=row), title))
    index = LESSON_SORTS.index(key)

    def order(item: tuple[Row, str]) -> tuple[int, float | str]:
        row, title = item
        if index == 0:
            return (0, title.casefold())
        value = row.cells[index].value
        return (0, float(value)) if isinstance(value, int | float) else (1, 0.0)  # held back: last

    rows.sort(key=lambda item: item[1].casefold())
    rows.sort(key=order, reverse=descending)
    if descending:  # held-back figures stay last either way
        rows.sort(key=lambda item: order(item)[0])
    columns = _sortable_columns(lang, key, descending)
    table = Table("lessons", t("dash.view.lessons", lang), columns, tuple(r for r, _ in rows))
    return LessonsPage(who, table, f"-{key}" if descending else key, sum(r.highlight for r, _ in rows))


def _sort_key(sort: str | None) -> tuple[str, bool]:
    text = (sort or "").strip()
    descending = text.startswith("-")
    key = text.lstrip("-")
    if key not in LESSON_SORTS:
        return "lesson", False
    return key, descending


def _sortable_columns(lang: str, current: str, descending: bool) -> tuple[Column, ...]:
    labels = {
        "lesson": "dash.view.col.lesson",
        "sent": "dash.view.col.sent",
        "opened": "dash.view.col.opened",
        "useful": "dash.view.col.useful",
        "not_useful": "dash.view.col.not_useful",
        "first_try": "dash.view.first_try",
        "retained": "dash.view.retained",
    }
    columns = []
    for key in LESSON_SORTS:
        active = key == current
        # numbers sort biggest first on the first click; titles A to Z
        next_sort = key if key == "lesson" else f"-{key}"
        if active:
            next_sort = key if descending else f"-{key}"
        state: Literal["ascending", "descending"] | None = (
            ("descending" if descending else "ascending") if active else None
        )
        columns.append(
            Column(key, t(labels[key], lang), key != "lesson", f"/dashboard/lessons?sort={next_sort}", state)
        )
    return tuple(columns)


# --- content gaps ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GapQuestion:
    ref: str
    """The question's short reference (`questions link <ref> …`), never its number."""
    text: str
    lang: str
    asked: Cell
    new_topic: bool


@dataclass(frozen=True, slots=True)
class GapGroup:
    number: int
    questions: tuple[GapQuestion, ...]

    @property
    def refs(self) -> str:
        return " ".join(q.ref for q in self.questions)

    @property
    def all_new_topic(self) -> bool:
        return all(q.new_topic for q in self.questions)


@dataclass(frozen=True, slots=True)
class GapsPage:
    access: Access
    groups: tuple[GapGroup, ...]
    table: Table
    lessons: tuple[tuple[str, str], ...]
    """(id, title) of every lesson, in the viewer's language, for "link to lesson"."""


async def gaps(services: Services, person_id: int) -> GapsPage:
    """Questions no lesson answered, grouped by similarity, without names (admins only: `Refused`)."""
    who = await access(services, person_id)
    if not who.is_admin:
        raise Refused
    async with services.db.transaction() as session:
        found = await data.content_gaps(session)
    # a question an admin or a mentor linked to a lesson is no gap any more: its words are now one of
    # that lesson's learned examples (the store holds them all, in memory)
    learned = {(lang, text) for _, lang, text in services.lessons.learned}
    found = [gap for gap in found if (gap.lang, gap.text) not in learned]
    lang = who.lang
    grouped = await asyncio.to_thread(group_gaps, found)  # CPU work, off the event loop
    groups = tuple(
        GapGroup(
            number,
            tuple(
                GapQuestion(
                    examples.question_ref(gap.question_id),
                    " ".join(gap.text.split())[:GAP_TEXT_CHARS],
                    gap.lang,
                    moment(gap.created_at, who),
                    gap.new_topic,
                )
                for gap in group
            ),
        )
        for number, group in enumerate(grouped, start=1)
    )
    columns = _columns(
        lang,
        ("group", "dash.view.col.group", True),
        ("question", "dash.view.col.question", False),
        ("lang", "dash.view.col.lang", False),
        ("asked", "dash.view.col.asked", False),
        ("new_topic", "dash.view.col.new_topic", False),
    )
    columns = tuple(
        Column(c.key, t("dash.view.col.asked", lang, zone=who.zone.key)) if c.key == "asked" else c
        for c in columns
    )
    rows = tuple(
        Row(
            (
                Cell(str(group.number), group.number),
                Cell(question.text),
                Cell(question.lang, question.lang),
                question.asked,
                Cell(
                    t("dash.view.yes" if question.new_topic else "dash.view.no", lang),
                    int(question.new_topic),
                ),
            )
        )
        for group in groups
        for question in group.questions
    )
    library = services.lessons.library
    titles = sorted(
        ((lesson_id, lesson_title(library, lesson_id, lang)) for lesson_id in library.ids()),
        key=lambda pair: pair[1].casefold(),
    )
    return GapsPage(who, groups, Table("gaps", t("dash.view.gaps", lang), columns, rows), tuple(titles))


def _content_words(text: str) -> str:
    """A question's words without the small ones (either language), lower case, for comparing."""
    words, _ = analyzer.split_negated(text)
    return " ".join(word for word in words if word not in analyzer.DROPPED)


@functools.lru_cache(maxsize=8)
def _components(words: tuple[str, ...]) -> tuple[int, ...]:
    """Each text's group: the lowest index among the texts it is linked to, directly or through others
    (a link is a score of at least GAP_SIMILARITY). Each distinct text is scored against every other in
    rapidfuzz's C loop (500 distinct questions: about 0.2 s), and the groups come from propagating the
    lowest index along links in numpy. The gaps change rarely between two visits, so the last few answers
    are kept."""
    size = len(words)
    distinct = sorted(set(words))  # the same words are scored once: askers often repeat one another
    where = {text: index for index, text in enumerate(distinct)}
    scores = process.cdist(distinct, distinct, scorer=fuzz.token_set_ratio, dtype=np.uint8)
    index = np.array([where[text] for text in words])
    linked = scores[np.ix_(index, index)] >= GAP_SIMILARITY
    empty = np.array([not text for text in words])
    linked[empty, :] = False
    linked[:, empty] = False
    np.fill_diagonal(linked, True)
    labels = np.arange(size)
    while True:
        lowest = np.where(linked, labels[None, :], size).min(axis=1)
        lowest = lowest[lowest]  # jump along: a neighbour's neighbour's label comes in the same round
        if np.array_equal(lowest, labels):
            return tuple(labels.tolist())
        labels = lowest


def group_gaps(gaps: Sequence[data.GapRow]) -> list[list[data.GapRow]]:
    """Similar questions together: two whose content words score at least GAP_SIMILARITY
    (rapidfuzz token_set_ratio) are in one group, and so, transitively, are their neighbours. A question
    without content words stays alone. Deterministic: oldest first inside a group; biggest group first,
    then the group with the oldest question."""
    ordered = sorted(gaps, key=lambda gap: (gap.created_at, gap.question_id))
    if not ordered:
        return []
    labels = _components(tuple(_content_words(gap.text) for gap in ordered))
    groups: dict[int, list[data.GapRow]] = {}
    for label, gap in zip(labels, ordered, strict=True):
        groups.setdefault(label, []).append(gap)
    return sorted(groups.values(), key=lambda group: (-len(group), group[0].created_at, group[0].question_id))


GapAction = Literal["link", "new_topic"]


async def gap_action(
    conversation: Conversation, person_id: int, *, action: GapAction, refs: Iterable[str], lesson_id: str = ""
) -> list[str]:
    """Link a group of gap questions to a lesson, or mark them as needing a new topic, by the admins'
    own command (`questions link <ref> <lesson>` / `questions new-topic <ref>`) run through
    `Conversation.handle` as the viewer, so the core's role check and audit apply. Returns the replies'
    texts (one per question, the same ones said once)."""
    services = conversation.services
    async with services.db.transaction() as session:
        person = await people.get_person_by_id(session, person_id=person_id)
    if person is None:
        raise Refused
    actor = Actor(
        person.key, person.display_name, person.platform, person.lang, reachable=person.reachable, named=False
    )
    said: list[str] = []
    for ref in _clean_refs(refs):
        text = f"questions link {ref} {lesson_id}" if action == "link" else f"questions new-topic {ref}"
        for reply in await conversation.handle(command(actor, text)):
            if isinstance(reply, Text) and reply.markdown not in said:
                said.append(reply.markdown)
    return said


def _clean_refs(refs: Iterable[str]) -> list[str]:
    """The well-formed question refs among `refs` (`q` and six hex digits), each once, at most 500."""
    found: list[str] = []
    for ref in refs:
        for word in ref.split():
            word = word.strip().lower()
            ok = len(word) == 7 and word[0] == "q" and all(c in "0123456789abcdef" for c in word[1:])
            if ok and word not in found:
                found.append(word)
    return found[:500]


# --- exports ---------------------------------------------------------------------------------------------

EXPORT_NAMES = (
    "numbers",
    "deliveries",
    "funnel",
    "retention",
    "cohorts",
    "progress",
    "people",
    "mentors",
    "quiz",
    "lessons",
    "gaps",
)
COHORT_TABLES = frozenset({"progress", "people", "mentors", "quiz"})


@dataclass(frozen=True, slots=True)
class Export:
    table: Table
    access: Access
    filename: str = field(default="")


async def export(
    services: Services, person_id: int, name: str, *, cohort_id: int | None = None, sort: str | None = None
) -> Export:
    """The table `name` exactly as its page shows it to this viewer (`Missing` for an unknown table or
    cohort, `Refused` for gaps asked by a non-admin)."""
    if name in ("numbers", "deliveries", "funnel", "retention"):
        page = await overview(services, person_id)
        table = {t_.name: t_ for t_ in page.tables}[name]
        return Export(table, page.access, f"tandem-{name}.csv")
    if name == "cohorts":
        listing = await cohorts(services, person_id)
        return Export(listing.cohorts, listing.access, "tandem-cohorts.csv")
    if name in COHORT_TABLES:
        if cohort_id is None:
            raise Missing
        one = await cohort(services, person_id, cohort_id)
        table = {t_.name: t_ for t_ in one.tables}[name]
        return Export(table, one.access, f"tandem-{_slug(one.name)}-{name}.csv")
    if name == "lessons":
        page_l = await lessons(services, person_id, sort)
        return Export(page_l.lessons, page_l.access, "tandem-lessons.csv")
    if name == "gaps":
        page_g = await gaps(services, person_id)
        return Export(page_g.table, page_g.access, "tandem-gaps.csv")
    raise Missing


def _slug(name: str) -> str:
    """A file-name-safe version of a cohort's name."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:40] or "cohort"
