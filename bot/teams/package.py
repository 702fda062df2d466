"""The Teams app package: `manifest.json` and the two icons, zipped for upload in Teams.

Teams installs a bot from this zip (Apps > Manage your apps > Upload an app, or the admin centre).
The manifest declares a bot for personal chats, with Tandem's main commands in its menu, that may also
be added to group chats and teams (`BOT_SCOPES`); the bot's Microsoft App ID ties it to the Azure Bot
registration whose messaging endpoint is Tandem's `/api/messages`.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

MANIFEST_SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.17"
ACCENT_COLOR = "#2B5F8A"
ICONS = {"color.png": (192, 192), "outline.png": (32, 32)}
ENDPOINT_PATH = "/api/messages"

BOT_SCOPES = ("personal", "team", "groupChat")
"""Where the bot may be installed: `personal`, each person's chat with Tandem (tips, questions, every
command); `team` and `groupChat`, so that a workshop started in a team's channel or a group chat (by
mentioning Tandem there) is posted there, into the conversation Tandem keeps from that mention. Teams
sends the bot only the messages that mention it in those, and the bot posts nowhere it was not added."""
COMMAND_SCOPES = ("personal",)
"""The command menu shows in the personal chat only: most commands answer the person alone."""

MAX_SHORT_NAME = 30
MAX_COMMANDS = 10
MAX_COMMAND_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128

COMMANDS: tuple[tuple[str, str], ...] = (
    ("help", "What I can do for you. Any other message is a question for me."),
    ("today", "Today's tip again"),
    ("next", "The next lesson, right now"),
    ("progress", "How far you have come"),
    ("settings", "Your language, time zone, delivery time and days"),
    ("pause", "Take a break from tips"),
    ("resume", "Get tips again after a pause"),
    ("mentor", "Send a question straight to your mentor"),
    ("my-data", "See everything Tandem stores about you"),
    ("forget-me", "Delete everything Tandem stores about you"),
)
"""The bot's command menu: the titles are core command names, typed as they are when chosen."""

SHORT_DESCRIPTION = "Reverse mentoring: one short digital tip a day, and a mentor to ask."
FULL_DESCRIPTION = (
    "{name} carries your reverse-mentoring programme into Teams. Every working day, at the time you "
    "choose, you get one short tip on a digital skill: LinkedIn, online safety, information watch and "
    "more. Open the full lesson, take a one-question quiz, and ask anything: answers come from a "
    "bilingual library of lessons, and your mentor answers what the library cannot. Mentors push "
    "their own tips to their mentees and reply to their questions. Type help to see every command."
)

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_VERSION = re.compile(r"\d{1,9}\.\d{1,9}\.\d{1,9}")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class PackageError(ValueError):
    """An input the package cannot be built from, with a message saying what to give instead."""


def build_package(
    *, app_id: str, endpoint: str, out: Path, name: str = "Tandem", version: str = "1.0.0"
) -> Path:
    """Write the Teams app package to `out` and return its path.

    The zip is written next to `out` under a temporary name and renamed into place, so a failed run
    leaves no half-written package behind.
    """
    app_id = _check_app_id(app_id)
    host, authority = _check_endpoint(endpoint)
    name = _check_name(name)
    _check_version(version)
    manifest = build_manifest(app_id=app_id, host=host, authority=authority, name=name, version=version)
    data = _zip({"manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode(), **_icons()})
    _write_atomically(_check_out(out), data)
    logger.info("Teams app package for %s written to %s", app_id, out)
    return out


def build_manifest(*, app_id: str, host: str, name: str, version: str, authority: str = "") -> dict[str, Any]:
    """The manifest of the bot served from `host`; `authority` adds a port to its web pages."""
    site = f"https://{authority or host}/"
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {"name": name, "websiteUrl": site, "privacyUrl": site, "termsOfUseUrl": site},
        "name": {"short": name, "full": f"{name}: reverse mentoring"[:100]},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION.format(name=name)},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": list(BOT_SCOPES),
                # Files sent in the personal chat reach the bot (`people import` reads an admin's CSV).
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": list(COMMAND_SCOPES), "commands": _commands()}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def _commands() -> list[dict[str, str]]:
    """The command menu, within Teams' limits (ten commands, 32-character titles, 128 for the rest)."""
    return [
        {"title": title[:MAX_COMMAND_TITLE], "description": text[:MAX_COMMAND_DESCRIPTION]}
        for title, text in COMMANDS[:MAX_COMMANDS]
    ]


# Checks ---------------------------------------------------------------------------------------------


def _check_app_id(app_id: str) -> str:
    value = app_id.strip()
    if not _GUID.fullmatch(value):
        raise PackageError(
            f"app id {app_id!r} is not a GUID: use the bot's Microsoft App ID, "
            "like 0a1b2c3d-4e5f-6789-abcd-ef0123456789 (Azure Bot > Configuration)"
        )
    return value.lower()


def _check_endpoint(endpoint: str) -> tuple[str, str]:
    """The endpoint's host and `host[:port]`, once it is an https URL to Tandem's /api/messages."""
    example = f"like https://tandem.example.org{ENDPOINT_PATH}"
    try:
        parts = urlsplit(endpoint.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise PackageError(f"endpoint {endpoint!r} is not a URL: give the bot's address, {example}") from None
    if parts.scheme.lower() != "https":
        raise PackageError(
            f"endpoint {endpoint!r} must use https: Teams only calls bots over HTTPS "
            f"(put a reverse proxy in front of Tandem), {example}"
        )
    if not host or parts.username is not None or parts.password is not None:
        raise PackageError(f"endpoint {endpoint!r} has no usable host name: {example}")
    if not parts.path.endswith(ENDPOINT_PATH) or parts.query or parts.fragment:
        raise PackageError(f"endpoint {endpoint!r} must end with {ENDPOINT_PATH}, {example}")
    return host, f"{host}:{port}" if port and port != 443 else host


def _check_name(name: str) -> str:
    value = " ".join(name.split())
    if not value or len(value) > MAX_SHORT_NAME:
        raise PackageError(f"name {name!r} must be 1 to {MAX_SHORT_NAME} characters")
    return value


def _check_version(version: str) -> None:
    if not _VERSION.fullmatch(version):
        raise PackageError(f"version {version!r} must look like 1.0.0; raise it each time you upload again")


def _check_out(out: Path) -> Path:
    if out.is_dir():
        raise PackageError(
            f"cannot write {out}: it is a folder; give a file name, like {out / 'tandem-teams.zip'}"
        )
    if not out.parent.is_dir():
        raise PackageError(f"cannot write {out}: the folder {out.parent} does not exist")
    return out


# Files ----------------------------------------------------------------------------------------------


def _icons() -> dict[str, bytes]:
    """The bundled icons, each checked to be a PNG of the size Teams requires."""
    folder = resources.files("bot.teams").joinpath("icons")
    icons = {}
    for filename, size in ICONS.items():
        data = folder.joinpath(filename).read_bytes()
        if png_size(data) != size:
            raise PackageError(f"the bundled {filename} is not a {size[0]}x{size[1]} PNG; reinstall Tandem")
        icons[filename] = data
    return icons


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, or None when `data` is not a PNG."""
    if not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 24:
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _zip(files: dict[str, bytes]) -> bytes:
    """The files at the root of a zip, with fixed dates so that the same inputs give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, data in files.items():
            info = zipfile.ZipInfo(filename, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _write_atomically(out: Path, data: bytes) -> None:
    """`data` in a temporary file beside `out`, then renamed over it: all or nothing."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise PackageError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise PackageError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
