"""Rendering the dashboard's pages: one Jinja2 environment (autoescaping on), the shared i18n catalogue
as `t`, and the security headers every page carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.i18n import register, t

register(
    {
        "dash.skip": {"en": "Skip to the content", "fr": "Aller au contenu"},
        "dash.nav": {"en": "Dashboard", "fr": "Tableau de bord"},
        "dash.nav.overview": {"en": "Overview", "fr": "Vue d’ensemble"},
        "dash.nav.cohorts": {"en": "Cohorts", "fr": "Cohortes"},
        "dash.nav.lessons": {"en": "Lessons", "fr": "Leçons"},
        "dash.nav.gaps": {"en": "Content gaps", "fr": "Questions sans leçon"},
        "dash.nav.import": {"en": "Import people", "fr": "Importer des personnes"},
        "dash.signout": {"en": "Sign out", "fr": "Se déconnecter"},
    }
)

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex",
}
POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""No script at all: the pages work without JavaScript. Charts are inline SVG, whose own styles need
'unsafe-inline' for style only."""


def environment() -> jinja2.Environment:
    """The templates of bot/web/templates, escaped, with `t(key, lang, **values)` from the catalogue."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["t"] = t
    return env


ENVIRONMENT = environment()


def app_state() -> dict[str, object]:
    """What the web application holds for aiohttp-jinja2 (`Route.app_state`)."""
    return {aiohttp_jinja2.APP_KEY: ENVIRONMENT}  # type: ignore[dict-item]


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any],
    *,
    lang: str,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """A page: `template` rendered with `context` (plus `lang`), with the dashboard's headers."""
    response = aiohttp_jinja2.render_template(template, request, {"lang": lang, **context}, status=status)
    response.headers.update({**HEADERS, "Content-Security-Policy": POLICY, **(headers or {})})
    return response
