"""One-time download links on Tandem's own web host, for a channel that cannot hand a file over itself
(Teams: a bot cannot drop a file into a personal chat without the file-consent flow).

`issue_link` gives the person a link to `TANDEM_PUBLIC_URL/download/<token>`: the token is random
(`secrets.token_urlsafe`), only its hash is stored (storage/downloads.py), it is bound to that person,
lives `LINK_LIFETIME`, and works once. The file is built when the link is used, so it is current.

Opening the link (GET) changes nothing: it shows a page with one button, which POSTs to the same address
and gets the file. Chat apps and mail filters fetch links to preview or scan them; with this split they
see the page and never use up the person's link. An unknown link gets 404, a used or expired one 410,
each with a short page that says what to do; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import secrets
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channel import Route
from bot.core.commands import data
from bot.core.context import Context
from bot.core.conversation import Conversation
from bot.core.events import Actor, command
from bot.core.replies import File
from bot.core.schedule import zone_of
from bot.i18n import register, t
from lessons import LANGS
from storage import downloads, people
from storage.defaults import time_text
from storage.downloads import Link, LinkState
from storage.models import Person

logger = logging.getLogger(__name__)

PATH = "/download/{token}"
PREFIX = "/download/"
LINK_LIFETIME = dt.timedelta(minutes=15)
MAX_TOKEN = 100
EXPORTS: dict[str, Callable[[Context], Awaitable[File]]] = {data.EXPORT: data.export_file}
"""What a link can serve: `File.download` names one of these."""
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
}
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"

register(
    {
        "download.link": {
            "en": "[Download {name}]({url}): a link for you alone, which works once, until {until}. "
            "Please do not share it.",
            "fr": "[Télécharger {name}]({url})\u202f: un lien pour vous seul, qui ne fonctionne qu’une fois, "
            "jusqu’à {until}. Merci de ne pas le partager.",
        },
        "download.title": {"en": "Your Tandem data", "fr": "Vos données Tandem"},
        "download.ready": {
            "en": "Your file is ready. It is built when you press the button, so it is up to date. "
            "This link works once, until {until}.",
            "fr": "Votre fichier est prêt. Il est créé quand vous appuyez sur le bouton, il est donc à jour. "
            "Ce lien ne fonctionne qu’une fois, jusqu’à {until}.",
        },
        "download.button": {"en": "Download my data", "fr": "Télécharger mes données"},
        "download.used": {
            "en": "This link has already been used: each link works once. Type `{command}` in Tandem "
            "to get a new one.",
            "fr": "Ce lien a déjà servi\u202f: chaque lien ne fonctionne qu’une fois. Tapez `mes-données` "
            "dans Tandem pour en recevoir un nouveau.",
        },
        "download.expired": {
            "en": "This link has expired: links work for 15 minutes. Type `{command}` in Tandem to get a new one.",
            "fr": "Ce lien a expiré\u202f: les liens fonctionnent 15 minutes. Tapez `mes-données` dans Tandem "
            "pour en recevoir un nouveau.",
        },
        "download.unknown": {
            "en": "This link does not exist (or a newer one replaced it). Type `{command}` in Tandem "
            "to get a new one.",
            "fr": "Ce lien n’existe pas (ou un lien plus récent l’a remplacé). Tapez `mes-données` dans Tandem "
            "pour en recevoir un nouveau.",
        },
    }
)


def link_base(conversation: Conversation) -> str | None:
    """Where links point (TANDEM_PUBLIC_URL), or None when it is not set: then there are no links."""
    return conversation.services.settings.public_url


async def issue_link(conversation: Conversation, person_key: str, file: File) -> str | None:
    """A new link for the person to download `file` (rebuilt when opened), as a Markdown line in their
    language; None when links are off or the file cannot be rebuilt."""
    base = link_base(conversation)
    if base is None or file.download not in EXPORTS:
        return None
    services = conversation.services
    token = secrets.token_urlsafe(32)
    now = services.clock()
    until = now + LINK_LIFETIME
    async with services.db.transaction() as session:
        person = await people.get_person(session, key=person_key)
        if person is None or person.id is None:
            return None
        await downloads.issue_link(
            session, person_id=person.id, token=token, export=file.download, now=now, expires_at=until
        )
        lang = person.lang
        zone = await zone_of(session, person, services.settings.default_tz)
    url = f"{base}{PREFIX}{token}"
    return t("download.link", lang, name=file.name, url=url, until=_clock_time(until, zone))


def download_routes(conversation: Conversation) -> list[Route]:
    """GET and POST /download/{token} (none while TANDEM_PUBLIC_URL is not set)."""
    if link_base(conversation) is None:
        return []
    pages = _Pages(conversation)
    return [Route("GET", PATH, pages.show, 0), Route("POST", PATH, pages.download, 0)]


class _Pages:
    """The link's two requests: the page (GET, changes nothing) and the file (POST, uses the link)."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.services = conversation.services

    async def show(self, request: web.Request) -> web.StreamResponse:
        token = _token(request)
        async with self.services.db.transaction() as session:
            link = await downloads.find_link(session, token=token, now=self.services.clock())
            person = await self._person(session, link)
            if link.state != LinkState.LIVE or person is None or link.expires_at is None:
                return _refusal(link.state, person.lang if person else None)
            lang = person.lang
            zone = await zone_of(session, person, self.services.settings.default_tz)
            until = _clock_time(link.expires_at, zone)
        body = (
            f"<p>{_inline(t('download.ready', lang, until=until))}</p>"
            f'<form method="post"><button type="submit">{html.escape(t("download.button", lang))}</button></form>'
        )
        return _page(t("download.title", lang), body, lang, status=200)

    async def download(self, request: web.Request) -> web.StreamResponse:
        """The file, built now from the person's data; the link is used in the same transaction, so a
        failure leaves it usable."""
        token = _token(request)
        async with self.services.db.transaction() as session:
            link = await downloads.use_link(session, token=token, now=self.services.clock())
            person = await self._person(session, link)
            if link.state != LinkState.LIVE or person is None or link.export not in EXPORTS:
                lang = person.lang if person is not None else None
                state = link.state if link.state != LinkState.LIVE else LinkState.UNKNOWN
                refusal = (state, lang)
            else:
                actor = Actor(person.key, person.display_name, person.platform, person.lang)
                ctx = Context(
                    command(actor, data.EXPORT), person, session, self.services, self.conversation.router
                )
                file = await EXPORTS[link.export](ctx)
                refusal = None
        if refusal is not None:
            return _refusal(*refusal)
        logger.info("A download link was used (person %s)", link.person_id)
        return web.Response(
            body=file.content,
            content_type=file.mime,
            charset="utf-8",
            headers={**HEADERS, "Content-Disposition": f'attachment; filename="{file.name}"'},
        )

    async def _person(self, session: AsyncSession, link: Link) -> Person | None:
        """Whose link it is; None for an unknown link."""
        if link.state == LinkState.UNKNOWN or not link.person_id:
            return None
        return await people.get_person_by_id(session, person_id=link.person_id)


def _clock_time(when: dt.datetime, zone: ZoneInfo) -> str:
    """`14:55 (Europe/Paris)`: a time of today in the person's zone, named."""
    return f"{time_text(when.astimezone(zone).time())} ({zone.key})"


def _token(request: web.Request) -> str:
    """The token in the address, or "" for one that cannot be a token (too long): unknown, then."""
    token = request.match_info.get("token", "")
    return token if 0 < len(token) <= MAX_TOKEN else ""


def _refusal(state: LinkState, lang: str | None) -> web.Response:
    """404 for an unknown link, 410 for a used or expired one, with a page that says what to do."""
    key = {LinkState.USED: "download.used", LinkState.EXPIRED: "download.expired"}.get(
        state, "download.unknown"
    )
    status = 404 if key == "download.unknown" else 410
    langs = [lang] if lang else list(LANGS)
    body = "".join(
        f'<p lang="{code}">{_inline(t(key, code, command=t("mydata.usage", code)))}</p>' for code in langs
    )
    title = " / ".join(t("download.title", code) for code in langs)
    return _page(title, body, lang or langs[0], status=status)


def _inline(text: str) -> str:
    """Our own catalogue's sentence as HTML: escaped, with `code` spans."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts))


def _page(title: str, body: str, lang: str, *, status: int) -> web.Response:
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}"
        "button{font-size:1.1em;padding:.5em 1em}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    headers = {**HEADERS, "Content-Security-Policy": PAGE_POLICY}
    return web.Response(text=page, content_type="text/html", charset="utf-8", status=status, headers=headers)
