"""The dashboard's read-only pages and their CSV exports, on the web host under /dashboard.

Each page asks the core for its view model (bot/core/dashboard.py, which scopes it to the viewer's role
from the database) and renders it with a template; every table on a page has a CSV export of exactly
the same rows (`/dashboard/export/<table>.csv`). The content-gap actions ("link to lesson", "new topic
needed") run the admins' own `questions` command through `Conversation.handle`.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.channel import Route
from bot.core import dashboard as views
from bot.core.conversation import Conversation
from bot.i18n import register, t
from bot.web import auth, charts, render

logger = logging.getLogger(__name__)

MAX_FORM = 64_000
CSV_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula to a spreadsheet: it gets a leading apostrophe."""

register(
    {
        "dash.view.export": {"en": "Download as CSV", "fr": "Télécharger en CSV"},
        "dash.view.export_of": {"en": "Download “{name}” as CSV", "fr": "Télécharger « {name} » en CSV"},
        "dash.view.data_of": {"en": "Data of the chart: {name}", "fr": "Données du graphique : {name}"},
        "dash.view.actions": {"en": "Actions", "fr": "Actions"},
        "dash.view.not_found": {"en": "Not found", "fr": "Introuvable"},
        "dash.view.not_found_text": {
            "en": "There is nothing to show here for you. Go back to the overview.",
            "fr": "Il n’y a rien à afficher ici pour vous. Revenez à la vue d’ensemble.",
        },
        "dash.view.cohort_title": {"en": "Cohort {name}", "fr": "Cohorte {name}"},
        "dash.view.cohort_facts": {
            "en": "Track: {track}. Started {start}.",
            "fr": "Parcours : {track}. Début : {start}.",
        },
        "dash.view.cohort_is_paused": {
            "en": "The whole cohort is paused.",
            "fr": "Toute la cohorte est en pause.",
        },
        "dash.view.pair_title": {
            "en": "Pair a mentor with a learner",
            "fr": "Associer un mentor à un apprenant",
        },
        "dash.view.create_title": {"en": "Create a cohort", "fr": "Créer une cohorte"},
        "dash.view.group_title": {
            "en": "Group {number}: {count} questions",
            "fr": "Groupe {number} : {count} questions",
        },
        "dash.view.group_title_one": {
            "en": "Group {number}: 1 question",
            "fr": "Groupe {number} : 1 question",
        },
        "dash.view.marked_already": {
            "en": "already marked: new topic needed",
            "fr": "déjà signalé : nouveau sujet à créer",
        },
        "dash.view.link_label": {"en": "Lesson that answers these", "fr": "Leçon qui y répond"},
        "dash.view.link_button": {"en": "Link to lesson", "fr": "Associer à la leçon"},
        "dash.view.new_topic_button": {"en": "New topic needed", "fr": "Nouveau sujet à créer"},
        "dash.view.all_questions": {
            "en": "Every question, for export",
            "fr": "Toutes les questions, pour l’export",
        },
        "dash.view.sort_hint": {
            "en": "Select a column heading to sort by it.",
            "fr": "Choisissez un titre de colonne pour trier par celle-ci.",
        },
        "dash.view.nothing_done": {
            "en": "Nothing was changed: choose a lesson, or a group of questions.",
            "fr": "Rien n’a été modifié : choisissez une leçon, ou un groupe de questions.",
        },
    }
)


def routes(conversation: Conversation) -> list[Route]:
    """The read-only pages, the CSV exports, and the two content-gap actions."""
    pages = Pages(conversation)
    return [
        Route("GET", "/dashboard", pages.overview, 0),
        Route("GET", "/dashboard/cohorts", pages.cohorts, 0),
        Route("GET", r"/dashboard/cohorts/{id:\d{1,12}}", pages.cohort, 0),
        Route("GET", "/dashboard/lessons", pages.lessons, 0),
        Route("GET", "/dashboard/gaps", pages.gaps, 0),
        Route("POST", "/dashboard/gaps/link", pages.gaps_link, MAX_FORM),
        Route("POST", "/dashboard/gaps/new-topic", pages.gaps_new_topic, MAX_FORM),
        Route("GET", r"/dashboard/export/{table:[a-z_]{1,20}}.csv", pages.export, 0),
    ]


class Pages:
    """The page handlers, holding the conversation (its services, and `handle` for the gap actions)."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.services = conversation.services

    @auth.page
    async def overview(self, request: web.Request) -> web.StreamResponse:
        viewer = auth.viewer_of(request)
        try:
            view = await views.overview(self.services, viewer.person_id)
        except views.Refused:
            raise auth.forbidden("learner", viewer.lang) from None
        return _page(request, "overview.html", "overview", view.access, {"view": view})

    @auth.page
    async def cohorts(self, request: web.Request) -> web.StreamResponse:
        viewer = auth.viewer_of(request)
        try:
            view = await views.cohorts(self.services, viewer.person_id)
        except views.Refused:
            raise auth.forbidden("learner", viewer.lang) from None
        return _page(request, "cohorts.html", "cohorts", view.access, {"view": view})

    @auth.page
    async def cohort(self, request: web.Request) -> web.StreamResponse:
        viewer = auth.viewer_of(request)
        try:
            view = await views.cohort(self.services, viewer.person_id, int(request.match_info["id"]))
        except views.Refused:
            raise auth.forbidden("learner", viewer.lang) from None
        except views.Missing:
            return _not_found(request, viewer.lang)
        return _page(request, "cohort.html", "cohorts", view.access, {"view": view})

    @auth.page
    async def lessons(self, request: web.Request) -> web.StreamResponse:
        viewer = auth.viewer_of(request)
        try:
            view = await views.lessons(self.services, viewer.person_id, request.query.get("sort"))
        except views.Refused:
            raise auth.forbidden("learner", viewer.lang) from None
        return _page(request, "lessons.html", "lessons", view.access, {"view": view})

    @auth.page
    async def gaps(self, request: web.Request) -> web.StreamResponse:
        return await self._gaps(request, ())

    async def _gaps(self, request: web.Request, notices: tuple[Notice, ...]) -> web.StreamResponse:
        viewer = auth.viewer_of(request)
        auth.admin_only(viewer)
        try:
            view = await views.gaps(self.services, viewer.person_id)
        except views.Refused:
            raise auth.forbidden("admin", viewer.lang) from None
        return _page(request, "gaps.html", "gaps", view.access, {"view": view, "notices": notices})

    @auth.page
    async def gaps_link(self, request: web.Request) -> web.StreamResponse:
        return await self._gap_action(request, "link")

    @auth.page
    async def gaps_new_topic(self, request: web.Request) -> web.StreamResponse:
        return await self._gap_action(request, "new_topic")

    async def _gap_action(self, request: web.Request, action: views.GapAction) -> web.StreamResponse:
        """Run the action on a group's questions (CSRF checked), then show the gaps page with what the
        core answered, as notices."""
        viewer = auth.viewer_of(request)
        auth.admin_only(viewer)
        body = await auth.form(request)
        refs = [str(value) for value in body.getall("refs", []) if isinstance(value, str)]
        lesson = body.get("lesson")
        lesson_id = lesson.strip()[:100] if isinstance(lesson, str) else ""
        if not refs or (action == "link" and not lesson_id):
            said = [t("dash.view.nothing_done", viewer.lang)]
        else:
            said = await views.gap_action(
                self.conversation, viewer.person_id, action=action, refs=refs, lesson_id=lesson_id
            )
        notices = tuple(Notice("", auth.inline(text.replace("*", ""))) for text in said)
        return await self._gaps(request, notices)

    @auth.data
    async def export(self, request: web.Request) -> web.StreamResponse:
        """A table as CSV, exactly as its page shows it to this viewer."""
        viewer = auth.viewer_of(request)
        name = request.match_info["table"]
        cohort = request.query.get("cohort", "")
        cohort_id = int(cohort) if cohort.isdigit() and len(cohort) < 13 else None
        if name == "gaps":
            auth.admin_only(viewer)
        try:
            found = await views.export(
                self.services, viewer.person_id, name, cohort_id=cohort_id, sort=request.query.get("sort")
            )
        except views.Refused:
            raise web.HTTPForbidden(text=t("dash.auth.refused.admin", viewer.lang)) from None
        except views.Missing:
            raise web.HTTPNotFound(text=t("dash.view.not_found", viewer.lang)) from None
        return web.Response(
            body=csv_bytes(found.table.csv_rows()),
            content_type="text/csv",
            charset="utf-8",
            headers={
                **render.HEADERS,
                "Content-Disposition": f'attachment; filename="{found.filename}"',
            },
        )


class Notice:
    """A message shown at the top of a page (layout.html: `.kind`, `.html`)."""

    def __init__(self, kind: str, html: Markup) -> None:
        self.kind = kind
        self.html = html


def safe_cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run: one that starts like a formula gets a leading apostrophe."""
    return f"'{text}" if text.startswith(CSV_PREFIXES) else text


def csv_bytes(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads accents right), CRLF lines, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _page(
    request: web.Request, template: str, nav: str, who: views.Access, context: Mapping[str, Any]
) -> web.Response:
    """A page in the viewer's language, with what every dashboard template uses."""
    viewer = auth.viewer_of(request)
    values = {
        "viewer": viewer,
        "nav": nav,
        "svg": charts.svg,
        "value_text": _value_text,
        "has_actions": _has_actions(),
        **context,
    }
    return render.render(request, template, values, lang=who.lang, headers={"Content-Language": who.lang})


def _value_text(value: object) -> str:
    """A cell's `data-value`, written as the chart writes it."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return charts.value_text(value)
    return str(value)


def _has_actions() -> bool:
    """Whether the action forms' macros (bot/web/templates/actions.html) are there to import."""
    return "actions.html" in render.ENVIRONMENT.list_templates()


def _not_found(request: web.Request, lang: str) -> web.Response:
    context = {
        "viewer": auth.viewer_of(request),
        "nav": "cohorts",
        "title": t("dash.view.not_found", lang),
        "text": t("dash.view.not_found_text", lang),
    }
    return render.render(request, "_not_found.html", context, lang=lang, status=404)
