"""One-time download links on Tandem's own web host, for a channel that cannot hand a file over itself
(Teams: a bot cannot drop a file into a personal chat without the file-consent flow).

`issue_link` gives the person a link to `TANDEM_PUBLIC_URL/download/<token>`: the token is random
(`secrets.token_urlsafe`), only its hash is stored (storage/downloads.py), it is bound to that person,
and works once. A file with an export (my-data) is built when the link is used, so it is current, and
its link lives `LINK_LIFETIME`. A file that cannot be built again (an invitation's .ics, sent through the
delivery ledger and read whenever the person comes by) is kept with its link, when it is at most
`KEPT_FILE_BYTES`, and the link lives `KEPT_LINK_LIFETIME`.

Opening the link (GET) changes nothing: it shows a page with one button, which POSTs to the same address
and gets the file. Chat apps and mail filters fetch links to preview or scan them; with this split they
see the page and never use up the person's link. An unknown link gets 404, a used or expired one 410,
each with a short page that says what to do; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channel import Route
from bot.core.commands import data
from bot.core.context import Context
from bot.core.conversation import Conversation
from bot.core.dates import format_moment
from bot.core.events import Actor, command
from bot.core.replies import File
from bot.core.schedule import zone_of
from bot.i18n import register, t
from lessons import LANGS
from storage import downloads, people
from storage.defaults import time_text
from storage.downloads import Link, LinkState, StoredFile
from storage.models import Person

logger = logging.getLogger(__name__)

PATH = "/download/{token}"
PREFIX = "/download/"
LINK_LIFETIME = dt.timedelta(minutes=15)
KEPT_LINK_LIFETIME = dt.timedelta(days=7)
"""How long the link to a kept file works: it comes in a message the person may read days later."""
KEPT_FILE_BYTES = 64 * 1024
"""The largest file kept with its link: every link's row is read when any link is opened."""
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
        "download.file_title": {"en": "A file from Tandem", "fr": "Un fichier de Tandem"},
        "download.file_ready": {
            "en": "Your file {name} is ready. This link works once, until {until}.",
            "fr": "Votre fichier {name} est prêt. Ce lien ne fonctionne qu’une fois, jusqu’à {until}.",
        },
        "download.file_button": {"en": "Download the file", "fr": "Télécharger le fichier"},
        "download.file_used": {
            "en": "This link has already been used: each link works once.",
            "fr": "Ce lien a déjà servi\u202f: chaque lien ne fonctionne qu’une fois.",
        },
        "download.file_expired": {
            "en": "This link has expired: a link to a file sent to you works for 7 days.",
            "fr": "Ce lien a expiré\u202f: un lien vers un fichier qui vous a été envoyé fonctionne 7 jours.",
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
    """A new link for the person to download `file`, as a Markdown line in their language: rebuilt when
    opened (a file with an export), or kept with the link (a small file that cannot be rebuilt). None
    when links are off (no TANDEM_PUBLIC_URL) or the file is neither."""
    base = link_base(conversation)
    exported = file.download in EXPORTS
    if base is None or not (exported or len(file.content) <= KEPT_FILE_BYTES):
        return None
    services = conversation.services
    token = secrets.token_urlsafe(32)
    now = services.clock()
    until = now + (LINK_LIFETIME if exported else KEPT_LINK_LIFETIME)
    kept = None if exported else StoredFile(file.name, file.mime, file.content)
    async with services.db.transaction() as session:
        person = await people.get_person(session, key=person_key)
        if person is None or person.id is None:
            return None
        await downloads.issue_link(
            session,
            person_id=person.id,
            token=token,
            export=file.download if exported else "",
            now=now,
            expires_at=until,
            file=kept,
        )
        lang = person.lang
        zone = await zone_of(session, person, services.settings.default_tz)
    url = f"{base}{PREFIX}{token}"
    when = _clock_time(until, zone) if exported else format_moment(until, zone, lang)
    return t("download.link", lang, name=file.name, url=url, until=when)


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
                return _refusal(link.state, person.lang if person else None, kept=link.file is not None)
            lang = person.lang
            zone = await zone_of(session, person, self.services.settings.default_tz)
        if link.file is None:
            title, button = t("download.title", lang), t("download.button", lang)
            ready = t("download.ready", lang, until=_clock_time(link.expires_at, zone))
        else:
            title, button = t("download.file_title", lang), t("download.file_button", lang)
            until = format_moment(link.expires_at, zone, lang)
            ready = t("download.file_ready", lang, name=link.file.name, until=until)
        body = (
            f"<p>{_inline(ready)}</p>"
            f'<form method="post"><button type="submit">{html.escape(button)}</button></form>'
        )
        return _page(title, body, lang, status=200)

    async def download(self, request: web.Request) -> web.StreamResponse:
        """The file, built now from the person's data, or the one kept with the link; the link is used in
        the same transaction, so a failure leaves it usable."""
        token = _token(request)
        async with self.services.db.transaction() as session:
            link = await downloads.use_link(session, token=token, now=self.services.clock())
            person = await self._person(session, link)
            kept = link.file
            if (
                link.state != LinkState.LIVE
                or person is None
                or (kept is None and link.export not in EXPORTS)
            ):
                lang = person.lang if person is not None else None
                state = link.state if link.state != LinkState.LIVE else LinkState.UNKNOWN
                refusal = (state, lang, kept is not None)
            elif kept is not None:
                file = File(kept.name, kept.content, kept.mime)
                refusal = None
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
        text = file.mime.startswith("text/") or file.mime.endswith("json")
        return web.Response(
            body=file.content,
            content_type=file.mime,
            charset="utf-8" if text else None,
            headers={**HEADERS, "Content-Disposition": f'attachment; filename="{_filename(file.name)}"'},
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


def _filename(name: str) -> str:
    """A file name safe in a header: letters, digits, dots, dashes and underscores."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120] or "file"


def _refusal(state: LinkState, lang: str | None, kept: bool = False) -> web.Response:
    """404 for an unknown link, 410 for a used or expired one, with a page that says what to do (a kept
    file's link has no command that gives a new one)."""
    refusals = (
        {LinkState.USED: "download.file_used", LinkState.EXPIRED: "download.file_expired"}
        if kept
        else {LinkState.USED: "download.used", LinkState.EXPIRED: "download.expired"}
    )
    key = refusals.get(state, "download.unknown")
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
