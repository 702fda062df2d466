"""The dashboard's forms that change things: the people import (upload, preview, confirm) and the admin
actions (create a cohort, pair, pause or resume a learner, unenroll).

The dashboard is one more channel, not a second core: each action becomes a core `Event` (a typed
command, the signed-in admin as its `Actor`, the people it names as `mentions`) that
`Conversation.handle` runs with the same roles, audit and delivery ledger as the chat. Each form carries
a nonce, made the event's id (`storage.keys.web_form_key`), so a double submit runs once.

After a POST the browser is sent (303) to a page that shows what the core answered: the replies travel
in a short-lived cookie, signed and bound to the viewer (never in the address, which proxies log).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import itsdangerous
from aiohttp import web
from markupsafe import Markup
from multidict import MultiDictProxy

from bot.channel import Route
from bot.core import people_import
from bot.core.conversation import Conversation
from bot.core.events import Actor, Event
from bot.core.replies import Reply, Text
from bot.i18n import register, t
from bot.markdown import MARKDOWN
from bot.web import auth, render
from storage import cohorts, keys, people
from storage import people_import as store
from storage.models import Person

logger = logging.getLogger(__name__)

register(
    {
        "dash.import.title": {"en": "Import people", "fr": "Importer des personnes"},
        "dash.import.intro": {
            "en": "Upload a CSV file with one person a line. Importing invites people: nobody is enrolled "
            "unless you choose a cohort below. You see what will happen before anything is saved.",
            "fr": "Chargez un fichier CSV avec une personne par ligne. Importer invite les personnes : "
            "personne n’est inscrit sauf si vous choisissez une cohorte ci-dessous. Vous voyez ce qui va se "
            "passer avant que rien ne soit enregistré.",
        },
        "dash.import.file": {"en": "CSV file (UTF-8)", "fr": "Fichier CSV (UTF-8)"},
        "dash.import.cohort": {
            "en": "Also enroll the learners in a cohort (optional)",
            "fr": "Inscrire aussi les apprenants dans une cohorte (facultatif)",
        },
        "dash.import.no_cohort": {"en": "No, only import them", "fr": "Non, seulement les importer"},
        "dash.import.preview_button": {"en": "Check and preview", "fr": "Vérifier et prévisualiser"},
        "dash.import.columns_title": {"en": "The columns", "fr": "Les colonnes"},
        "dash.import.columns_note": {
            "en": "Column names may be in any case; values are separated by `,` or `;`. An empty cell "
            "leaves what Tandem knows unchanged. At most {limit} people a file.",
            "fr": "Les noms de colonnes peuvent être en majuscules ou minuscules ; les valeurs sont séparées "
            "par `,` ou `;`. Une case vide laisse inchangé ce que Tandem sait. Au plus {limit} personnes "
            "par fichier.",
        },
        "dash.import.col.id": {
            "en": "the Slack id (`U0123ABCD`), the Entra object id (Teams), or the console name",
            "fr": "l’id Slack (`U0123ABCD`), l’id d’objet Entra (Teams) ou le nom dans la console",
        },
        "dash.import.col.email": {
            "en": "their work email: Slack finds people by it; Teams matches it when they install the app",
            "fr": "leur e-mail professionnel : Slack retrouve les personnes ainsi ; Teams les reconnaît à "
            "l’installation de l’application",
        },
        "dash.import.col.name": {"en": "the name shown to others", "fr": "le nom montré aux autres"},
        "dash.import.col.language": {"en": "`en` or `fr`", "fr": "`en` ou `fr`"},
        "dash.import.col.time zone": {
            "en": "a zone like `Europe/Paris`, or a big city",
            "fr": "un fuseau comme `Europe/Paris`, ou une grande ville",
        },
        "dash.import.col.department": {"en": "their department", "fr": "leur service"},
        "dash.import.col.manager": {
            "en": "their manager’s id or email (in the file, or already known)",
            "fr": "l’id ou l’e-mail de leur manager (dans le fichier, ou déjà connu)",
        },
        "dash.import.col.role": {"en": "`learner` or `mentor`", "fr": "`learner` (apprenant) ou `mentor`"},
        "dash.import.required": {"en": "required column", "fr": "colonne obligatoire"},
        "dash.import.sample": {"en": "Download a sample file", "fr": "Télécharger un fichier d’exemple"},
        "dash.import.no_file": {
            "en": "Choose a CSV file to upload first.",
            "fr": "Choisissez d’abord un fichier CSV à charger.",
        },
        "dash.import.too_big": {
            "en": "This file is too big ({size} KB; {limit} KB at most). Split it into smaller files.",
            "fr": "Ce fichier est trop gros ({size} Ko ; {limit} Ko au plus). Découpez-le en fichiers plus "
            "petits.",
        },
        "dash.import.errors_title": {
            "en": "Nothing was imported: please fix the file",
            "fr": "Rien n’a été importé : corrigez le fichier",
        },
        "dash.import.errors_intro": {
            "en": "{count} problem(s) found. Fix them in your sheet, save it as CSV (UTF-8), and upload it "
            "again.",
            "fr": "{count} problème(s) trouvé(s). Corrigez-les dans votre tableur, enregistrez au format CSV "
            "(UTF-8), puis chargez à nouveau le fichier.",
        },
        "dash.import.try_again": {"en": "Upload another file", "fr": "Charger un autre fichier"},
        "dash.import.preview_title": {"en": "Preview of the import", "fr": "Aperçu de l’import"},
        "dash.import.preview_intro": {
            "en": "Nothing is saved yet. Check what will happen, then confirm (within 30 minutes).",
            "fr": "Rien n’est encore enregistré. Vérifiez ce qui va se passer, puis confirmez (dans les 30 "
            "minutes).",
        },
        "dash.import.summary": {
            "en": "New: {new} · Updated: {updated} · Unchanged: {same} · Not reachable yet: {unresolved}",
            "fr": "Nouveaux : {new} · Modifiés : {updated} · Inchangés : {same} · Pas encore joignables : "
            "{unresolved}",
        },
        "dash.import.new_title": {"en": "New people", "fr": "Nouvelles personnes"},
        "dash.import.updated_title": {"en": "Updated people", "fr": "Personnes modifiées"},
        "dash.import.same_title": {"en": "Unchanged", "fr": "Inchangées"},
        "dash.import.unresolved_title": {
            "en": "Not reachable yet (kept, pending)",
            "fr": "Pas encore joignables (gardées, en attente)",
        },
        "dash.import.unresolved_note": {
            "en": "These people are imported but Tandem cannot write to them yet. They stay pending and get "
            "their messages once they can be reached.",
            "fr": "Ces personnes sont importées mais Tandem ne peut pas encore leur écrire. Elles restent en "
            "attente et recevront leurs messages dès qu’elles seront joignables.",
        },
        "dash.import.enroll_title": {
            "en": "Will be enrolled in {cohort}",
            "fr": "Seront inscrits dans {cohort}",
        },
        "dash.import.enroll_note": {
            "en": "Learners only: people whose role is mentor are not enrolled.",
            "fr": "Apprenants seulement : les personnes dont le rôle est mentor ne sont pas inscrites.",
        },
        "dash.import.no_enroll": {
            "en": "Nobody will be enrolled: you chose no cohort.",
            "fr": "Personne ne sera inscrit : vous n’avez choisi aucune cohorte.",
        },
        "dash.import.th.line": {"en": "Line", "fr": "Ligne"},
        "dash.import.th.name": {"en": "Name", "fr": "Nom"},
        "dash.import.th.id": {"en": "Id", "fr": "Id"},
        "dash.import.th.changes": {"en": "What changes", "fr": "Ce qui change"},
        "dash.import.th.why": {"en": "Why", "fr": "Pourquoi"},
        "dash.import.confirm": {"en": "Confirm the import", "fr": "Confirmer l’import"},
        "dash.import.cancel": {"en": "Cancel", "fr": "Annuler"},
        "dash.import.expired": {
            "en": "This preview has expired or was already used, so nothing was imported. Upload the file "
            "again.",
            "fr": "Cet aperçu a expiré ou a déjà servi : rien n’a été importé. Chargez à nouveau le fichier.",
        },
        "dash.import.done": {
            "en": "Imported: {new} new, {updated} updated, {same} unchanged; {unresolved} not reachable yet.",
            "fr": "Import terminé : {new} nouveaux, {updated} modifiés, {same} inchangés ; {unresolved} pas "
            "encore joignables.",
        },
        "dash.action.done_title": {"en": "Done", "fr": "C’est fait"},
        "dash.action.back": {"en": "Back", "fr": "Retour"},
        "dash.action.again": {
            "en": "This form was already sent: nothing was done twice.",
            "fr": "Ce formulaire a déjà été envoyé : rien n’a été fait deux fois.",
        },
        "dash.action.missing": {
            "en": "Some fields are missing or not valid: nothing was done.",
            "fr": "Des champs manquent ou ne sont pas valables : rien n’a été fait.",
        },
        "dash.action.unknown_person": {
            "en": "I could not find `{name}`: give their name as Tandem shows it, their id, or their email.",
            "fr": "Je n’ai pas trouvé `{name}` : indiquez son nom tel que Tandem l’affiche, son id ou son "
            "e-mail.",
        },
        "dash.action.pause": {"en": "Pause", "fr": "Suspendre"},
        "dash.action.pause_for": {"en": "Pause for", "fr": "Suspendre pendant"},
        "dash.action.week1": {"en": "1 week", "fr": "1 semaine"},
        "dash.action.week2": {"en": "2 weeks", "fr": "2 semaines"},
        "dash.action.week4": {"en": "4 weeks", "fr": "4 semaines"},
        "dash.action.resume": {"en": "Resume", "fr": "Reprendre"},
        "dash.action.unenroll": {"en": "Unenroll", "fr": "Désinscrire"},
        "dash.action.person_label": {"en": "Actions for {name}", "fr": "Actions pour {name}"},
        "dash.action.pair": {"en": "Pair", "fr": "Associer"},
        "dash.action.mentor": {"en": "Mentor", "fr": "Mentor"},
        "dash.action.mentor_other": {
            "en": "or another mentor (name, id or email)",
            "fr": "ou un autre mentor (nom, id ou e-mail)",
        },
        "dash.action.choose": {"en": "Choose…", "fr": "Choisir…"},
        "dash.action.learner": {"en": "Learner", "fr": "Apprenant"},
        "dash.action.no_learners": {
            "en": "Nobody in this cohort to pair yet.",
            "fr": "Personne à associer dans cette cohorte pour l’instant.",
        },
        "dash.action.create": {"en": "Create the cohort", "fr": "Créer la cohorte"},
        "dash.action.cohort_name": {
            "en": "Name (one word, like sales-2027)",
            "fr": "Nom (un mot, comme ventes-2027)",
        },
        "dash.action.track": {"en": "Track", "fr": "Parcours"},
        "dash.action.start": {"en": "Start date", "fr": "Date de début"},
        "dash.action.time": {"en": "Time of the daily tip", "fr": "Heure du conseil quotidien"},
        "dash.action.days": {"en": "Days", "fr": "Jours"},
        "dash.action.day.mon": {"en": "Mon", "fr": "Lun"},
        "dash.action.day.tue": {"en": "Tue", "fr": "Mar"},
        "dash.action.day.wed": {"en": "Wed", "fr": "Mer"},
        "dash.action.day.thu": {"en": "Thu", "fr": "Jeu"},
        "dash.action.day.fri": {"en": "Fri", "fr": "Ven"},
        "dash.action.day.sat": {"en": "Sat", "fr": "Sam"},
        "dash.action.day.sun": {"en": "Sun", "fr": "Dim"},
    }
)

IMPORT_PATH = "/dashboard/import"
CONFIRM_PATH = "/dashboard/import/confirm"
SAMPLE_PATH = "/dashboard/import/sample.csv"
ACTION_PATH = "/dashboard/actions/{name}"
DONE_PATH = "/dashboard/actions/done"
FORM_BODY = 16_000
"""The most an action form or a confirmation takes (a few short fields)."""
UPLOAD_BODY = people_import.MAX_BYTES + 64_000
"""A file of the largest size the importer takes, with the form around it."""
NOTICE_COOKIE = "tandem_notice"
NOTICE_SALT = "tandem.dashboard.notice"
NOTICE_SECONDS = 120
NOTICE_CHARS = 1_200
"""Each reply shown after a redirect is cut to this (the cookie holds 4 KB); the chat has the rest."""
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DURATIONS = {"1w": "1 week", "2w": "2 weeks", "4w": "4 weeks"}
NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
WORD_RE = re.compile(r"[\w.:/@+-]{1,80}")
SAMPLE = (
    "id,email,name,language,time zone,department,manager,role\r\n"
    "ann.lee,ann.lee@example.com,Ann Lee,en,Europe/London,Sales,,mentor\r\n"
    "bob.ray,bob.ray@example.com,Bob Ray,fr,Europe/Paris,Finance,ann.lee@example.com,learner\r\n"
    "cleo.diaz,cleo.diaz@example.com,Cléo Díaz,fr,Europe/Paris,Finance,ann.lee,learner\r\n"
)
"""The sample file: ids are console names here; in Slack use member ids and in Teams Entra object ids,
or leave `id` empty and give the email (Slack looks it up; Teams matches it at install)."""


def new_nonce() -> str:
    """A fresh form nonce, put in every action form by the templates (`form_nonce()`)."""
    return secrets.token_urlsafe(18)


render.ENVIRONMENT.globals["form_nonce"] = new_nonce


@dataclass(frozen=True, slots=True)
class Notice:
    """A message at the top of a page (layout.html reads `.kind` and `.html`)."""

    kind: str
    html: Markup


def markdown_html(text: str) -> Markup:
    """The core's Markdown as HTML: raw HTML is off in the parser, so whatever people typed is escaped,
    and links other than http(s) and mailto are dropped by markdown-it's own check."""
    return Markup(MARKDOWN.render(text))


def routes(conversation: Conversation) -> list[Route]:
    """GET/POST /dashboard/import (form, then preview or problems), GET the sample file, POST the
    confirmation, POST /dashboard/actions/{name}, and GET the page that shows what an action did."""
    forms = Forms(conversation)
    return [
        Route("GET", IMPORT_PATH, forms.import_page, 0),
        Route("POST", IMPORT_PATH, forms.upload, UPLOAD_BODY),
        Route("GET", SAMPLE_PATH, forms.sample, 0),
        Route("POST", CONFIRM_PATH, forms.confirm, FORM_BODY),
        Route("GET", DONE_PATH, forms.done, 0),
        Route("POST", ACTION_PATH, forms.action, FORM_BODY),
    ]


class Forms:
    """The handlers; they hold the conversation (its services: database, settings, clock)."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.services = conversation.services

    # --- the import -------------------------------------------------------------------------------------

    @auth.page
    async def import_page(self, request: web.Request) -> web.StreamResponse:
        viewer = auth.viewer_of(request)
        auth.admin_only(viewer)
        notices, back = await _take_notices(request, viewer)
        response = await self._import_form(request, viewer, notices)
        if back is not None:
            _clear_notices(response)
        return response

    async def _import_form(
        self, request: web.Request, viewer: auth.Viewer, notices: Sequence[Notice], status: int = 200
    ) -> web.Response:
        async with self.services.db.transaction() as session:
            found = await cohorts.list_cohorts(session)
        lang = viewer.lang
        columns = [
            (name, auth.inline(t(f"dash.import.col.{name}", lang)), name in people_import.REQUIRED)
            for name in people_import.COLUMNS
        ]
        context = {
            "viewer": viewer,
            "nav": "import",
            "notices": list(notices),
            "cohorts": [(c.id, c.name) for c in found],
            "columns": columns,
            "columns_note": auth.inline(t("dash.import.columns_note", lang, limit=people_import.MAX_ROWS)),
            "intro": t("dash.import.intro", lang),
        }
        return render.render(request, "import.html", context, lang=lang, status=status)

    @auth.page
    async def sample(self, request: web.Request) -> web.StreamResponse:
        """A sample file to fill in (UTF-8 with a BOM, so Excel reads accents right)."""
        auth.admin_only(auth.viewer_of(request))
        return web.Response(
            body=("\ufeff" + SAMPLE).encode("utf-8"),
            content_type="text/csv",
            charset="utf-8",
            headers={**render.HEADERS, "Content-Disposition": 'attachment; filename="tandem-people.csv"'},
        )

    @auth.page
    async def upload(self, request: web.Request) -> web.StreamResponse:
        """Check the file and show the preview (nothing saved but the preview itself), or its problems."""
        viewer = auth.viewer_of(request)
        auth.admin_only(viewer)
        lang = viewer.lang
        if (request.content_length or 0) > UPLOAD_BODY:
            return await self._problem(request, viewer, _too_big(request.content_length or 0, lang))
        body = await auth.form(request)
        field = body.get("file")
        data = field.file.read(people_import.MAX_BYTES + 1) if isinstance(field, web.FileField) else b""
        if not data:
            return await self._problem(request, viewer, t("dash.import.no_file", lang))
        if len(data) > people_import.MAX_BYTES:
            return await self._problem(request, viewer, _too_big(len(data), lang))
        cohort_id = _int(body.get("cohort"))
        importer = await self._person(viewer)
        staged = await people_import.stage(self.services, importer=importer, data=data, cohort_id=cohort_id)
        if staged.problems or staged.plan is None:
            return self._problems(request, viewer, staged.problems)
        context = {
            "viewer": viewer,
            "nav": "import",
            "plan": staged.plan,
            "cohort": staged.cohort,
            "pending_id": staged.pending_id,
            "local_id": keys.local_id,
            "field_name": lambda name: t(f"dash.import.field.{name}", lang),
            "reason": lambda key, platform: t(key, lang, platform=_platform_name(platform)),
            "platform": keys.parse_person_key(viewer.key).platform,
        }
        return render.render(request, "import_preview.html", context, lang=lang)

    def _problems(
        self, request: web.Request, viewer: auth.Viewer, problems: Sequence[people_import.Problem]
    ) -> web.Response:
        """The file's problems, line by line, with the form to try again: nothing was imported."""
        lang = viewer.lang
        lines = [auth.inline(text) for text in people_import.texts(problems, lang)]
        context = {"viewer": viewer, "nav": "import", "plan": None, "problems": lines}
        return render.render(request, "import_preview.html", context, lang=lang, status=422)

    async def _problem(self, request: web.Request, viewer: auth.Viewer, text: str) -> web.Response:
        return await self._import_form(request, viewer, [Notice("error", auth.inline(text))], status=422)

    @auth.page
    async def confirm(self, request: web.Request) -> web.StreamResponse:
        """Apply the previewed import (once, in one transaction), then enroll the learners in the chosen
        cohort by running `enroll` as this admin; then back to the import page with what happened."""
        viewer = auth.viewer_of(request)
        auth.admin_only(viewer)
        body = await auth.form(request)
        pending_id = _int(body.get("preview"))
        importer = await self._person(viewer)
        done = await people_import.confirm(self.services, importer=importer, pending_id=pending_id or 0)
        if done.problems:
            return self._problems(request, viewer, done.problems)
        if done.applied is None:
            return await _redirect(
                request, viewer, IMPORT_PATH, [("error", t("dash.import.expired", viewer.lang))]
            )
        applied = done.applied
        said = [
            (
                "",
                t(
                    "dash.import.done",
                    viewer.lang,
                    new=applied.new,
                    updated=applied.updated,
                    same=applied.unchanged,
                    unresolved=applied.unresolved,
                ),
            )
        ]
        if done.cohort and applied.enroll:
            nonce = _nonce(body)
            event = people_import.enroll_event(
                _actor(viewer, importer),
                done.cohort,
                applied.enroll,
                event_id=keys.web_form_key(viewer.key, nonce) if nonce else None,
            )
            said += _said(await self.conversation.handle(event))
        return await _redirect(request, viewer, IMPORT_PATH, said)

    # --- the actions ------------------------------------------------------------------------------------

    @auth.page
    async def action(self, request: web.Request) -> web.StreamResponse:
        """Run one admin action as its chat command, then show what the core answered."""
        viewer = auth.viewer_of(request)
        name = request.match_info.get("name", "")
        if name not in BUILDERS:
            raise web.HTTPNotFound(text=t("dash.action.missing", viewer.lang))
        auth.admin_only(viewer)
        body = await auth.form(request)
        back = _back(body.get("back"))
        nonce = _nonce(body)
        admin = await self._person(viewer)
        try:
            text, mentioned = await BUILDERS[name](self, body, admin)
        except _Bad as exc:
            return await _redirect(request, viewer, DONE_PATH, [("error", exc.text(viewer.lang))], back=back)
        if nonce is None:
            return await _redirect(
                request, viewer, DONE_PATH, [("error", t("dash.action.missing", viewer.lang))], back=back
            )
        mentions = {f"@p{person.id}": _mentioned(person) for person in mentioned}
        event = Event(
            _actor(viewer, admin),
            "command",
            text,
            mentions=mentions,
            event_id=keys.web_form_key(viewer.key, nonce),
        )
        replies = await self.conversation.handle(event)
        said = _said(replies) if replies else [("", t("dash.action.again", viewer.lang))]
        return await _redirect(request, viewer, DONE_PATH, said, back=back)

    @auth.page
    async def done(self, request: web.Request) -> web.StreamResponse:
        """What the last action did (from the notice cookie), with a way back to where it was done."""
        viewer = auth.viewer_of(request)
        notices, back = await _take_notices(request, viewer)
        context = {
            "viewer": viewer,
            "nav": "cohorts",
            "notices": notices,
            "back": back or "/dashboard/cohorts",
        }
        response = render.render(request, "action_done.html", context, lang=viewer.lang)
        _clear_notices(response)
        return response

    async def _person(self, viewer: auth.Viewer) -> Person:
        async with self.services.db.transaction() as session:
            person = await people.get_person_by_id(session, person_id=viewer.person_id)
        if person is None:  # forgotten between the session check and now
            raise web.HTTPForbidden(text=t("dash.auth.refused.admin", viewer.lang))
        return person

    async def people_by_ids(self, ids: Sequence[int]) -> dict[int, Person]:
        async with self.services.db.transaction() as session:
            return await people.people_by_ids(session, ids=list(ids))

    async def cohort_name(self, cohort_id: int | None) -> str | None:
        if cohort_id is None:
            return None
        async with self.services.db.transaction() as session:
            cohort = await cohorts.get_cohort_by_id(session, cohort_id=cohort_id)
        return cohort.name if cohort else None

    async def find_person(self, text: str, admin: Person) -> Person | None:
        """Someone named in a form's text box: their id on the admin's platform, their email, or their
        display name (when one person only has it)."""
        platform, workspace = people_import.workspace_of(admin.key)
        text = text.strip().lstrip("@")
        if not text:
            return None
        async with self.services.db.transaction() as session:
            found = await people.get_person(session, key=people_import.key_for(platform, workspace, text))
            if found is None and "@" in text:
                prefix = f"{platform}:{workspace}:" if workspace else f"{platform}:"
                found = (await store.people_by_emails(session, emails=[text.lower()], prefix=prefix)).get(
                    text.lower()
                )
            if found is None:
                named = await people.find_by_name(session, name=text, platform=platform)
                found = named[0] if len(named) == 1 else None
        return found


# --- building each action's command ---------------------------------------------------------------------------


class _Bad(Exception):
    """A form that cannot make a command (a missing field, someone not found)."""

    def __init__(self, key: str = "dash.action.missing", **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.values)


async def _create_cohort(forms: Forms, body: MultiDictProxy[Any], admin: Person) -> tuple[str, list[Person]]:
    """`cohort create <name> track <track> [start <date>] [time <hh:mm>] [days <mon,tue…>]`."""
    name, track = _word(body.get("name")), _word(body.get("track"))
    if not name or not track:
        raise _Bad()
    words = ["cohort", "create", name, "track", track]
    start, time = _word(body.get("start")), _word(body.get("time"))
    if start:
        words += ["start", start]
    if time:
        words += ["time", time]
    days = [day for day in body.getall("days", []) if day in DAYS]
    if days:
        words += ["days", ",".join(days)]
    return " ".join(words), []


async def _pair(forms: Forms, body: MultiDictProxy[Any], admin: Person) -> tuple[str, list[Person]]:
    """`pair @mentor @learner`: the mentor from the list, or named in the text box."""
    learner_id, mentor_id = _int(body.get("learner")), _int(body.get("mentor"))
    found = await forms.people_by_ids([i for i in (learner_id, mentor_id) if i is not None])
    learner = found.get(learner_id or 0)
    mentor = found.get(mentor_id or 0)
    typed = body.get("mentor_name")
    if mentor is None and isinstance(typed, str) and typed.strip():
        mentor = await forms.find_person(typed[:200], admin)
        if mentor is None:
            raise _Bad("dash.action.unknown_person", name=typed.strip()[:60].replace("`", "'"))
    if learner is None or mentor is None:
        raise _Bad()
    return f"pair @p{mentor.id} @p{learner.id}", [mentor, learner]


async def _pause(forms: Forms, body: MultiDictProxy[Any], admin: Person) -> tuple[str, list[Person]]:
    """`pause @learner [2 weeks]`."""
    learner = await _one_person(forms, body)
    duration = DURATIONS.get(str(body.get("duration") or ""), "")
    return f"pause @p{learner.id} {duration}".strip(), [learner]


async def _resume(forms: Forms, body: MultiDictProxy[Any], admin: Person) -> tuple[str, list[Person]]:
    """`resume @learner`."""
    learner = await _one_person(forms, body)
    return f"resume @p{learner.id}", [learner]


async def _unenroll(forms: Forms, body: MultiDictProxy[Any], admin: Person) -> tuple[str, list[Person]]:
    """`unenroll <cohort> @learner`."""
    learner = await _one_person(forms, body)
    cohort = await forms.cohort_name(_int(body.get("cohort")))
    if cohort is None:
        raise _Bad()
    return f"unenroll {cohort} @p{learner.id}", [learner]


async def _one_person(forms: Forms, body: MultiDictProxy[Any]) -> Person:
    person_id = _int(body.get("person"))
    found = await forms.people_by_ids([person_id] if person_id is not None else [])
    if person_id not in found:
        raise _Bad()
    return found[person_id]


BUILDERS = {
    "create-cohort": _create_cohort,
    "pair": _pair,
    "pause": _pause,
    "resume": _resume,
    "unenroll": _unenroll,
}


# --- helpers --------------------------------------------------------------------------------------------------


def _actor(viewer: auth.Viewer, person: Person) -> Actor:
    """The signed-in admin as the core's Actor: their own key and platform; never renames them."""
    return Actor(
        key=person.key,
        name=person.display_name,
        platform=person.platform,
        lang=viewer.lang,
        reachable=person.reachable,
        named=False,
    )


def _mentioned(person: Person) -> Actor:
    return Actor(
        key=person.key,
        name=person.display_name,
        platform=person.platform,
        reachable=person.reachable,
        named=False,
    )


def _said(replies: Sequence[Reply]) -> list[tuple[str, str]]:
    """The text of the core's replies to the admin (what it sent others went through the ledger)."""
    return [("", reply.markdown) for reply in replies if isinstance(reply, Text) and reply.markdown]


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 12 else None


def _word(value: object) -> str:
    """One word of a command from a form field (no spaces: each field is one argument)."""
    return value.strip() if isinstance(value, str) and WORD_RE.fullmatch(value.strip()) else ""


def _nonce(body: MultiDictProxy[Any]) -> str | None:
    value = body.get("nonce")
    return value if isinstance(value, str) and NONCE_RE.fullmatch(value) else None


def _back(value: object) -> str | None:
    """Where the form was: a dashboard page of this site only (never another host)."""
    if (
        isinstance(value, str)
        and re.fullmatch(r"/dashboard(/[\w\-/]*)?(\?[\w=&\-]*)?", value)
        and "//" not in value
    ):
        return value
    return None


def _too_big(size: int, lang: str) -> str:
    return t("dash.import.too_big", lang, size=size // 1000, limit=people_import.MAX_BYTES // 1000)


def _platform_name(platform: str) -> str:
    return people_import.PLATFORM_NAMES.get(platform, platform)


async def _serializer(request: web.Request) -> itsdangerous.URLSafeTimedSerializer:
    """Signs the notice cookie with the dashboard's own key (the one its session cookie uses)."""
    signer = await auth.auth_of(request).signer()
    return itsdangerous.URLSafeTimedSerializer(signer.secret_keys[-1], salt=NOTICE_SALT)


async def _redirect(
    request: web.Request,
    viewer: auth.Viewer,
    location: str,
    said: Sequence[tuple[str, str]],
    *,
    back: str | None = None,
) -> web.StreamResponse:
    """303 to `location`, the notices in a signed cookie for that next page, bound to this viewer."""
    response = web.Response(status=303, headers={"Location": location, **render.HEADERS})
    payload = {
        "p": viewer.person_id,
        "n": [[kind, text[:NOTICE_CHARS]] for kind, text in said][:4],
        "b": back or "",
    }
    response.set_cookie(
        NOTICE_COOKIE,
        (await _serializer(request)).dumps(payload),
        max_age=NOTICE_SECONDS,
        path=auth.COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=auth.is_https(request, trust_proxy=auth.auth_of(request).services.settings.trust_proxy),
    )
    return response


async def _take_notices(request: web.Request, viewer: auth.Viewer) -> tuple[list[Notice], str | None]:
    """The notices the last POST left for this viewer (signed, at most two minutes old)."""
    value = request.cookies.get(NOTICE_COOKIE)
    if not value or len(value) > 4000:
        return [], None
    try:
        data = (await _serializer(request)).loads(value, max_age=NOTICE_SECONDS)
    except itsdangerous.BadData:
        return [], None
    if not isinstance(data, dict) or data.get("p") != viewer.person_id:
        return [], None
    notices = [
        Notice("error" if kind == "error" else "", markdown_html(str(text)))
        for kind, text in data.get("n") or []
    ]
    return notices, _back(data.get("b")) or ""


def _clear_notices(response: web.StreamResponse) -> None:
    response.del_cookie(NOTICE_COOKIE, path=auth.COOKIE_PATH)
