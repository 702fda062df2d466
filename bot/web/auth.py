"""Who is looking at the dashboard: sign-in by one-time link, the session cookie, CSRF, and the audit of
every visit and export.

Signing in: `dashboard` in the chat (or `tandem dashboard --user NAME`) gives an admin or a mentor a
link to /dashboard/signin/<token> (bot/core/commands/dashboard.py). Opening it (GET) changes nothing: it
shows a page with a "Sign in" button, because chat apps and mail filters fetch links to preview them.
The button POSTs to the same address, which uses the link up (once, storage/web_auth.py), starts an
8-hour session and sets its cookie.

The cookie holds the session's row id and a random token, signed with itsdangerous under a key Tandem
makes once and keeps in the database (`Secret` "dashboard-cookie"), so every replica accepts it. Only the
token's hash is stored: the database alone lets nobody forge a cookie, and the signature alone lets
nobody past sign-out (the row is gone). It is HttpOnly, SameSite=Lax, Path=/dashboard, and Secure when
the request came over https (X-Forwarded-Proto counts only with TANDEM_TRUST_PROXY=true).

Each request reads the person afresh: someone who lost the admin role loses the admin pages at once,
a mentor unpaired from a learner stops seeing them at once, and someone who is no longer an admin or a
mentor is signed out. Page handlers are wrapped with `page` (or `data` for CSV exports); forms are read
with `form`, which checks the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import itsdangerous
from aiohttp import web
from markupsafe import Markup, escape
from multidict import MultiDictProxy

from bot.channel import Route
from bot.core.commands.dashboard import may_use_dashboard
from bot.core.context import Services
from bot.core.conversation import Conversation
from bot.i18n import register, t
from bot.web import render
from lessons import LANGS
from storage import activity, people, web_auth
from storage.enums import AuditOutcome, PersonRole
from storage.models import Person
from storage.web_auth import LinkState

logger = logging.getLogger(__name__)

COOKIE = "tandem_session"
COOKIE_PATH = "/dashboard"
SESSION_LIFETIME = dt.timedelta(hours=8)
SESSION_LIFETIME_SECONDS = int(SESSION_LIFETIME.total_seconds())
SECRET_NAME = "dashboard-cookie"
SALT = "tandem.dashboard.session"
SIGNIN_PATH = "/dashboard/signin/{token}"
SIGNOUT_PATH = "/dashboard/signout"
STATIC_PATH = "/dashboard/static/{name}"
HOME = "/dashboard"
MAX_TOKEN = 100
MAX_BODY = 16_000
"""The most the sign-in and sign-out forms take (they carry one field)."""
STATIC_DIR = Path(__file__).parent / "static"
STATIC_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
}
STATIC_CACHE = "public, max-age=604800"
"""A week: the files change only with a new release of Tandem."""

register(
    {
        "dash.auth.need_link.title": {"en": "Sign in to the dashboard", "fr": "Connexion au tableau de bord"},
        "dash.auth.need_link.chat": {
            "en": "The dashboard is for programme leads and mentors. To open it, type `dashboard` in Tandem: "
            "you get a private link, which works once for 10 minutes.",
            "fr": "Le tableau de bord est réservé aux responsables du programme et aux mentors. Pour l’ouvrir, "
            "tapez `tableau-de-bord` dans Tandem\u202f: vous recevez un lien privé, qui fonctionne une fois "
            "pendant 10 minutes.",
        },
        "dash.auth.need_link.cli": {
            "en": "On the machine that runs Tandem, `tandem dashboard --user NAME` prints the same link.",
            "fr": "Sur la machine qui fait tourner Tandem, `tandem dashboard --user NOM` affiche le même lien.",
        },
        "dash.auth.need_link.session": {
            "en": "You are not signed in, or your session has ended (sessions last 8 hours).",
            "fr": "Vous n’êtes pas connecté, ou votre session a pris fin (elle dure 8 heures).",
        },
        "dash.auth.link.used": {
            "en": "This link has already been used: each link works once.",
            "fr": "Ce lien a déjà servi\u202f: chaque lien ne fonctionne qu’une fois.",
        },
        "dash.auth.link.expired": {
            "en": "This link has expired: links work for 10 minutes.",
            "fr": "Ce lien a expiré\u202f: les liens fonctionnent 10 minutes.",
        },
        "dash.auth.link.unknown": {
            "en": "This link does not exist, or a newer one replaced it.",
            "fr": "Ce lien n’existe pas, ou un lien plus récent l’a remplacé.",
        },
        "dash.auth.signin.title": {"en": "Open the dashboard", "fr": "Ouvrir le tableau de bord"},
        "dash.auth.signin.text": {
            "en": "Hello {name}. Press the button to open the dashboard. This link works once, and your "
            "session lasts 8 hours.",
            "fr": "Bonjour {name}. Appuyez sur le bouton pour ouvrir le tableau de bord. Ce lien ne fonctionne "
            "qu’une fois, et votre session dure 8 heures.",
        },
        "dash.auth.signin.button": {"en": "Sign in", "fr": "Se connecter"},
        "dash.auth.signed_out.title": {"en": "Signed out", "fr": "Déconnecté"},
        "dash.auth.signed_out.text": {
            "en": "You are signed out of the dashboard. To come back, type `dashboard` in Tandem.",
            "fr": "Vous êtes déconnecté du tableau de bord. Pour y revenir, tapez `tableau-de-bord` dans Tandem.",
        },
        "dash.auth.refused.title": {"en": "Not available", "fr": "Accès impossible"},
        "dash.auth.refused.learner": {
            "en": "The dashboard is for programme leads and mentors. To see how far you have come, type "
            "`progress` in Tandem.",
            "fr": "Le tableau de bord est réservé aux responsables du programme et aux mentors. Pour voir où "
            "vous en êtes, tapez `progrès` dans Tandem.",
        },
        "dash.auth.refused.admin": {
            "en": "This page is for programme admins.",
            "fr": "Cette page est réservée aux administrateurs du programme.",
        },
        "dash.auth.refused.csrf": {
            "en": "This form did not come from your dashboard session (or the page was too old), so nothing "
            "was changed. Go back, reload the page, and try again.",
            "fr": "Ce formulaire ne vient pas de votre session du tableau de bord (ou la page était trop "
            "ancienne)\u202f: rien n’a été modifié. Revenez en arrière, rechargez la page et réessayez.",
        },
        "dash.auth.back": {"en": "Back to the dashboard", "fr": "Retour au tableau de bord"},
        "dash.auth.no_session": {
            "en": "Not signed in to the Tandem dashboard: type `dashboard` in Tandem for a link.",
            "fr": "Pas de session sur le tableau de bord Tandem\u202f: tapez `tableau-de-bord` dans Tandem "
            "pour recevoir un lien.",
        },
    }
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person, as the database says they are at this request."""

    person_id: int
    key: str
    """Their person key."""
    name: str
    """Their display name."""
    lang: str
    is_admin: bool
    is_mentor: bool
    """They mentor someone, or were imported as a mentor."""
    csrf: str
    """This session's CSRF token: every form carries it as <input type="hidden" name="csrf">."""
    session_id: int = 0


@dataclass(frozen=True, slots=True)
class Block:
    """One language's part of a page shown before anyone is known (or to someone refused)."""

    lang: str
    title: str
    lines: tuple[Markup, ...]


H = TypeVar("H", bound=Callable[..., Awaitable[web.StreamResponse]])

VIEWER_KEY = "tandem.viewer"
AUDITED_KEY = "tandem.audited"


class Auth:
    """The dashboard's sign-in state for one process: the conversation's services and the cookie signer
    (its key read from the database once)."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.services: Services = conversation.services
        self._signer: itsdangerous.Signer | None = None
        self._lock = asyncio.Lock()

    async def signer(self) -> itsdangerous.Signer:
        """The cookie signer, its key made on first use and shared through the database."""
        if self._signer is None:
            async with self._lock:
                if self._signer is None:
                    async with self.services.db.transaction() as session:
                        key = await web_auth.secret(
                            session, name=SECRET_NAME, candidate=secrets.token_urlsafe(48)
                        )
                    self._signer = itsdangerous.Signer(key, salt=SALT)
        return self._signer

    def routes(self) -> list[Route]:
        """Sign-in (GET shows, POST uses), sign-out, and the static files."""
        return [
            Route("GET", SIGNIN_PATH, self.signin_page, MAX_BODY),
            Route("POST", SIGNIN_PATH, self.signin, MAX_BODY),
            Route("POST", SIGNOUT_PATH, self.signout, MAX_BODY),
            Route("GET", STATIC_PATH, static_file, 0),
        ]

    # --- the session of a request ----------------------------------------------------------------------

    async def session_of(self, request: web.Request) -> tuple[int, str] | None:
        """The (session id, token) that the request's cookie holds, if its signature is good."""
        cookie = request.cookies.get(COOKIE)
        if not cookie or len(cookie) > 400:
            return None
        try:
            value = (await self.signer()).unsign(cookie).decode("ascii")
        except (itsdangerous.BadSignature, UnicodeDecodeError):
            return None
        number, _, token = value.partition(".")
        if not number.isdigit() or not token:
            return None
        return int(number), token

    async def viewer(self, request: web.Request, *, action: str, path: str) -> Viewer | web.Response | None:
        """The viewer of this request, with the visit audited; None without a live session; a refusal
        page for someone who may no longer use the dashboard (whose session then ends)."""
        found = await self.session_of(request)
        if found is None:
            return None
        session_id, token = found
        now = self.services.clock()
        async with self.services.db.transaction() as session:
            live = await web_auth.find_session(session, session_id=session_id, token=token, now=now)
            if live is None:
                return None
            person = await people.get_person_by_id(session, person_id=live.person_id)
            if person is None:
                return None
            mentors = await people.is_mentor(session, person_id=live.person_id)
            allowed = may_use_dashboard(person, mentors_anyone=mentors)
            outcome = AuditOutcome.OK if allowed else AuditOutcome.REFUSED
            await activity.audit(
                session, actor_key=person.key, action=action, args={"path": path}, outcome=outcome
            )
            if not allowed:
                await web_auth.end_session(session, session_id=live.id)
        if not allowed:
            return refused(request, "learner", person.lang, clear_cookie=True)
        return _viewer(person, mentors, live)

    async def audit(self, key: str, action: str, args: Mapping[str, Any], outcome: AuditOutcome) -> None:
        async with self.services.db.transaction() as session:
            await activity.audit(session, actor_key=key, action=action, args=dict(args), outcome=outcome)

    # --- sign-in and sign-out --------------------------------------------------------------------------

    async def signin_page(self, request: web.Request) -> web.StreamResponse:
        """The link's page: a button that signs in. Changes nothing, so a link preview uses nothing up."""
        token = _token(request)
        async with self.services.db.transaction() as session:
            link = await web_auth.find_link(session, token=token, now=self.services.clock())
            person = await _owner(session, link)
        if link.state != LinkState.LIVE or person is None:
            return link_refusal(request, link.state, person.lang if person else None)
        lang = person.lang
        lines = (inline(t("dash.auth.signin.text", lang, name=person.display_name)),)
        context = {
            "viewer": None,
            "title": t("dash.auth.signin.title", lang),
            "lines": lines,
            "button": t("dash.auth.signin.button", lang),
            "action": request.path,
        }
        return render.render(request, "signin.html", context, lang=lang)

    async def signin(self, request: web.Request) -> web.StreamResponse:
        """Use the link (once), start a session and set its cookie, then go to the dashboard. A learner's
        link is refused (and audited); so is a form posted from another site."""
        token = _token(request)
        signer = await self.signer()
        now = self.services.clock()
        if not same_origin(request, self.services.settings.public_url):
            return refused(request, "csrf", self.preferred_lang(request))
        async with self.services.db.transaction() as session:
            link = await web_auth.use_link(session, token=token, now=now)
            person = await _owner(session, link)
            if link.state != LinkState.LIVE or person is None:
                state = link.state if person is not None else LinkState.UNKNOWN
                refusal = link_refusal(request, state, person.lang if person else None)
                return refusal
            mentors = await people.is_mentor(session, person_id=person.id or 0)
            if not may_use_dashboard(person, mentors_anyone=mentors):
                await activity.audit(
                    session,
                    actor_key=person.key,
                    action="dashboard.signin",
                    args={},
                    outcome=AuditOutcome.REFUSED,
                )
                lang = person.lang
                allowed = False
            else:
                cookie_token = secrets.token_urlsafe(32)
                live = await web_auth.start_session(
                    session,
                    person_id=person.id or 0,
                    token=cookie_token,
                    csrf=secrets.token_urlsafe(32),
                    now=now,
                    expires_at=now + SESSION_LIFETIME,
                )
                await activity.audit(
                    session, actor_key=person.key, action="dashboard.signin", args={}, outcome=AuditOutcome.OK
                )
                allowed = True
        if not allowed:
            return refused(request, "learner", lang)
        logger.info("Dashboard sign-in (person %s)", person.id)
        response = web.Response(status=303, headers={"Location": HOME, **render.HEADERS})
        value = signer.sign(f"{live.id}.{cookie_token}".encode("ascii")).decode("ascii")
        response.set_cookie(
            COOKIE,
            value,
            max_age=SESSION_LIFETIME_SECONDS,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Lax",
            secure=is_https(request, trust_proxy=self.services.settings.trust_proxy),
        )
        return response

    async def signout(self, request: web.Request) -> web.StreamResponse:
        """End the session here and now (its cookie then works nowhere), after checking the form's CSRF
        token; clear the cookie; say so."""
        found = await self.session_of(request)
        body = await request.post()
        lang = self.preferred_lang(request)
        if found is not None:
            session_id, token = found
            async with self.services.db.transaction() as session:
                live = await web_auth.find_session(
                    session, session_id=session_id, token=token, now=self.services.clock()
                )
                person = await people.get_person_by_id(session, person_id=live.person_id) if live else None
                if live is not None and person is not None:
                    lang = person.lang
                    sent = body.get("csrf")
                    good = isinstance(sent, str) and hmac.compare_digest(sent.encode(), live.csrf.encode())
                    if not good or not same_origin(request, self.services.settings.public_url):
                        await activity.audit(
                            session,
                            actor_key=person.key,
                            action="dashboard.csrf",
                            args={"path": request.path},
                            outcome=AuditOutcome.REFUSED,
                        )
                        return refused(request, "csrf", lang)
                    await web_auth.end_session(session, session_id=live.id)
                    await activity.audit(
                        session,
                        actor_key=person.key,
                        action="dashboard.signout",
                        args={},
                        outcome=AuditOutcome.OK,
                    )
        blocks = (
            Block(
                lang, t("dash.auth.signed_out.title", lang), (inline(t("dash.auth.signed_out.text", lang)),)
            ),
        )
        response = render.render(
            request,
            "signed_out.html",
            {"viewer": None, "blocks": blocks, "title": blocks[0].title},
            lang=lang,
        )
        response.del_cookie(COOKIE, path=COOKIE_PATH)
        return response

    def preferred_lang(self, request: web.Request) -> str:
        return preferred_lang(request, self.services.settings.default_lang)


AUTH_KEY = web.AppKey("tandem_dashboard_auth", Auth)


def auth_of(request: web.Request) -> Auth:
    """The dashboard's sign-in state, which `dashboard_routes` puts on the web application."""
    return request.app[AUTH_KEY]


# --- what page handlers use ---------------------------------------------------------------------------------


def page(handler: H) -> H:
    """For an HTML page: without a live session, the "how to get a link" page (401); else the handler
    runs with `request["tandem.viewer"]` set (`viewer_of`), and the visit is audited ("dashboard.view").
    A handler that refuses (`admin_only`) is audited as refused too. Works on functions and methods (the
    request is the last positional argument)."""

    @functools.wraps(handler)
    async def wrapper(*args: Any) -> web.StreamResponse:
        request = cast(web.Request, args[-1])
        auth = auth_of(request)
        found = await auth.viewer(request, action="dashboard.view", path=request.path)
        if found is None:
            return need_link(request, auth.preferred_lang(request))
        if isinstance(found, web.Response):
            return found
        request[VIEWER_KEY] = found
        try:
            return await handler(*args)
        except web.HTTPForbidden:
            if not request.get(AUDITED_KEY):
                await auth.audit(found.key, "dashboard.view", {"path": request.path}, AuditOutcome.REFUSED)
            raise

    return cast(H, wrapper)


def data(handler: H) -> H:
    """For a data URL (a CSV export): without a live session, a plain 401; else like `page`, audited as
    "dashboard.export" with the address and its query (which names no one)."""

    @functools.wraps(handler)
    async def wrapper(*args: Any) -> web.StreamResponse:
        request = cast(web.Request, args[-1])
        auth = auth_of(request)
        path = request.path_qs[:500]
        found = await auth.viewer(request, action="dashboard.export", path=path)
        if found is None:
            lang = auth.preferred_lang(request)
            return web.Response(
                status=401, text=t("dash.auth.no_session", lang), headers=dict(render.HEADERS)
            )
        if isinstance(found, web.Response):
            lang = found.headers.get("Content-Language") or auth.preferred_lang(request)
            return web.Response(
                status=403, text=t("dash.auth.refused.learner", lang), headers=dict(render.HEADERS)
            )
        request[VIEWER_KEY] = found
        try:
            return await handler(*args)
        except web.HTTPForbidden:
            if not request.get(AUDITED_KEY):
                await auth.audit(found.key, "dashboard.export", {"path": path}, AuditOutcome.REFUSED)
            raise

    return cast(H, wrapper)


def viewer_of(request: web.Request) -> Viewer:
    """The signed-in person of a request that `page` or `data` let through."""
    return cast(Viewer, request[VIEWER_KEY])


def admin_only(viewer: Viewer) -> None:
    """Raise 403 (a readable page) unless the viewer is an admin, as the database says at this request."""
    if viewer.is_admin:
        return
    raise forbidden("admin", viewer.lang)


async def form(request: web.Request) -> MultiDictProxy[Any]:
    """A POSTed form (urlencoded or multipart) of the signed-in viewer, once its CSRF token (field
    "csrf") matches the session's and its Origin (or Referer), when the browser sends one, is this
    site. Refused: a 403 page, audited as "dashboard.csrf"."""
    viewer = viewer_of(request)
    body = await request.post()
    sent = body.get("csrf")
    good = isinstance(sent, str) and hmac.compare_digest(sent.encode(), viewer.csrf.encode())
    auth = auth_of(request)
    if not good or not same_origin(request, auth.services.settings.public_url):
        request[AUDITED_KEY] = True
        await auth.audit(viewer.key, "dashboard.csrf", {"path": request.path}, AuditOutcome.REFUSED)
        raise forbidden("csrf", viewer.lang)
    return body


# --- checks -------------------------------------------------------------------------------------------------


def is_https(request: web.Request, *, trust_proxy: bool) -> bool:
    """Whether the request came over https: to this server, or (only when TANDEM_TRUST_PROXY says a
    proxy stands in front) to the proxy, as its X-Forwarded-Proto says."""
    if request.secure:
        return True
    if trust_proxy:
        forwarded = request.headers.get("X-Forwarded-Proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False


def same_origin(request: web.Request, public_url: str | None) -> bool:
    """Whether a POST came from one of this site's pages, as far as the browser says: its Origin (or,
    without one, its Referer) names this host or TANDEM_PUBLIC_URL's. A browser that sends neither, or
    "null" (what it sends under the pages' no-referrer policy), is trusted to the CSRF token alone."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        origin = request.headers.get("Referer")
    if not origin or origin == "null":
        return True
    claimed = urlsplit(origin).netloc.lower()
    hosts = {request.host.lower()}
    if public_url:
        hosts.add(urlsplit(public_url).netloc.lower())
    return claimed in hosts


def preferred_lang(request: web.Request, default: str) -> str:
    """The first of Tandem's languages the browser asks for (Accept-Language), else `default`."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(request.headers.get("Accept-Language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower()[:2]
        if code in LANGS and quality > 0:
            ranked.append((-quality, index, code))
    return min(ranked)[2] if ranked else default


# --- pages before sign-in -----------------------------------------------------------------------------------


def inline(text: str) -> Markup:
    """A sentence of our own catalogue as HTML: escaped, with its `code` spans."""
    parts = str(escape(text)).split("`")
    return Markup("".join(f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts)))


def _langs(first: str | None) -> list[str]:
    """Every language, `first` first: pages shown before anyone is known speak both."""
    return [first, *(code for code in LANGS if code != first)] if first in LANGS else list(LANGS)


def need_link(
    request: web.Request, lang: str, *, state: LinkState | None = None, status: int = 401
) -> web.Response:
    """How to get a link (type `dashboard` in Tandem, or `tandem dashboard --user NAME`), in every language,
    the reader's first; after a used, expired or unknown link, what happened to it first."""
    blocks = []
    for code in _langs(lang):
        lines = (
            [inline(t(f"dash.auth.link.{state.value}", code))]
            if state is not None
            else [inline(t("dash.auth.need_link.session", code))]
        )
        lines += [inline(t("dash.auth.need_link.chat", code)), inline(t("dash.auth.need_link.cli", code))]
        blocks.append(Block(code, t("dash.auth.need_link.title", code), tuple(lines)))
    context = {"viewer": None, "blocks": blocks, "title": blocks[0].title}
    return render.render(request, "need_link.html", context, lang=blocks[0].lang, status=status)


def link_refusal(request: web.Request, state: LinkState, lang: str | None) -> web.Response:
    """410 for a used or expired link, 404 for an unknown one, each saying so and how to get a new one."""
    if state == LinkState.LIVE:  # a live link of no one (its person was forgotten)
        state = LinkState.UNKNOWN
    status = 404 if state == LinkState.UNKNOWN else 410
    return need_link(request, lang or _langs(None)[0], state=state, status=status)


def _refusal_html(reason: str, lang: str) -> str:
    """The refusal page's HTML; needs no request, so `admin_only` can raise it from anywhere."""
    blocks = [
        Block(code, t("dash.auth.refused.title", code), (inline(t(f"dash.auth.refused.{reason}", code)),))
        for code in ([lang] if reason != "learner" else _langs(lang))
    ]
    context = {
        "lang": lang,
        "viewer": None,
        "blocks": blocks,
        "title": blocks[0].title,
        "back": t("dash.auth.back", lang) if reason != "learner" else "",
    }
    return render.ENVIRONMENT.get_template("refused.html").render(context)


def _page_headers(lang: str) -> dict[str, str]:
    return {**render.HEADERS, "Content-Security-Policy": render.POLICY, "Content-Language": lang}


def refused(request: web.Request, reason: str, lang: str, *, clear_cookie: bool = False) -> web.Response:
    """A 403 page: for a learner ("learner"), a form from elsewhere ("csrf"), a non-admin ("admin")."""
    response = web.Response(
        status=403, text=_refusal_html(reason, lang), content_type="text/html", headers=_page_headers(lang)
    )
    if clear_cookie:
        response.del_cookie(COOKIE, path=COOKIE_PATH)
    return response


def forbidden(reason: str, lang: str) -> web.HTTPForbidden:
    """`refused` as an exception a handler raises."""
    return web.HTTPForbidden(
        text=_refusal_html(reason, lang), content_type="text/html", headers=_page_headers(lang)
    )


# --- static files -------------------------------------------------------------------------------------------


def _static_names() -> frozenset[str]:
    return frozenset(p.name for p in STATIC_DIR.iterdir() if p.is_file() and p.suffix in STATIC_TYPES)


async def static_file(request: web.Request) -> web.StreamResponse:
    """One of bot/web/static's files, by its exact name only (never a path), cached for a week."""
    name = request.match_info.get("name", "")
    if name not in _static_names():
        raise web.HTTPNotFound()
    path = STATIC_DIR / name
    body = await asyncio.to_thread(path.read_bytes)
    headers = {"Cache-Control": STATIC_CACHE, "X-Content-Type-Options": "nosniff"}
    content_type = STATIC_TYPES[path.suffix]
    charset = "utf-8" if content_type.startswith("text/") or content_type.endswith("+xml") else None
    return web.Response(body=body, content_type=content_type, charset=charset, headers=headers)


# --- helpers ------------------------------------------------------------------------------------------------


def _token(request: web.Request) -> str:
    """The token in the address, or "" for one that cannot be a token (too long): unknown, then."""
    token = request.match_info.get("token", "")
    return token if 0 < len(token) <= MAX_TOKEN else ""


async def _owner(session: Any, link: web_auth.SignInLink) -> Person | None:
    """Whose link it is; None for an unknown link."""
    if link.state == LinkState.UNKNOWN or not link.person_id:
        return None
    return await people.get_person_by_id(session, person_id=link.person_id)


def _viewer(person: Person, mentors: bool, live: web_auth.WebSession) -> Viewer:
    return Viewer(
        person_id=person.id or 0,
        key=person.key,
        name=person.display_name,
        lang=person.lang,
        is_admin=person.is_admin,
        is_mentor=mentors or person.role == PersonRole.MENTOR,
        csrf=live.csrf,
        session_id=live.id,
    )
