"""The Teams app package: its manifest, its icons, its checks, and `tandem teams-package`."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.core.commands import build_router
from bot.core.router import Role
from bot.teams import package
from bot.teams.package import PackageError, build_package
from tests.support.cli import tandem

APP_ID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
ENDPOINT = "https://tandem.example.org/api/messages"


def build(tmp_path: Path, **overrides: Any) -> Path:
    arguments: dict[str, Any] = {"app_id": APP_ID, "endpoint": ENDPOINT, "out": tmp_path / "teams.zip"}
    arguments.update(overrides)
    return build_package(**arguments)


def manifest_of(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def png_header(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) read from the IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def rgba_pixels(data: bytes) -> list[tuple[int, int, int, int]]:
    """The pixels of an 8-bit RGBA PNG whose rows are stored unfiltered."""
    width, height, _, _ = png_header(data)
    position, compressed = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        if kind == b"IDAT":
            compressed += data[position + 8 : position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(compressed)
    stride = width * 4 + 1
    assert all(raw[row * stride] == 0 for row in range(height))
    rows = [raw[row * stride + 1 : (row + 1) * stride] for row in range(height)]
    return [tuple(row[i : i + 4]) for row in rows for i in range(0, len(row), 4)]  # type: ignore[misc]


# The package -----------------------------------------------------------------------------------------


def test_zip_holds_exactly_the_manifest_and_two_icons(tmp_path: Path) -> None:
    path = build(tmp_path)
    assert path == tmp_path / "teams.zip"
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert archive.testzip() is None
    assert list(tmp_path.iterdir()) == [path]


def test_manifest_has_every_required_field(tmp_path: Path) -> None:
    manifest = manifest_of(build(tmp_path, version="1.2.3"))
    assert manifest["$schema"].endswith("/teams/v1.17/MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == "1.17"
    assert manifest["version"] == "1.2.3"
    assert manifest["id"] == APP_ID
    developer = manifest["developer"]
    assert developer["name"] == "Tandem"
    for url in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert developer[url] == "https://tandem.example.org/"
    assert manifest["name"]["short"] == "Tandem" and len(manifest["name"]["full"]) <= 100
    assert 0 < len(manifest["description"]["short"]) <= 80
    assert "mentor" in manifest["description"]["full"] and len(manifest["description"]["full"]) <= 4000
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["accentColor"].startswith("#") and len(manifest["accentColor"]) == 7
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"], (
        "a workshop may be posted in a channel or group"
    )
    assert bot["supportsFiles"] is True and bot["isNotificationOnly"] is False
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    assert manifest["validDomains"] == ["tandem.example.org"]


def test_commands_are_real_commands_within_teams_limits(tmp_path: Path) -> None:
    [bot] = manifest_of(build(tmp_path))["bots"]
    [command_list] = bot["commandLists"]
    assert command_list["scopes"] == ["personal"], "the menu only where the commands answer one person"
    commands = command_list["commands"]
    assert 0 < len(commands) <= 10
    everyone = {spec.names[0] for spec in build_router().commands if spec.role == Role.EVERYONE}
    for command in commands:
        assert command["title"] in everyone
        assert 0 < len(command["title"]) <= 32 and 0 < len(command["description"]) <= 128
    titles = [command["title"] for command in commands]
    assert len(set(titles)) == len(titles)
    assert {"help", "next", "pause", "mentor", "my-data", "forget-me"} <= set(titles)


def test_icons_are_pngs_of_the_required_sizes(tmp_path: Path) -> None:
    with zipfile.ZipFile(build(tmp_path)) as archive:
        color, outline = archive.read("color.png"), archive.read("outline.png")
    assert png_header(color)[:2] == (192, 192)
    assert png_header(outline) == (32, 32, 8, 6)
    pixels = rgba_pixels(outline)
    assert all(pixel[:3] == (255, 255, 255) for pixel in pixels if pixel[3])
    assert any(pixel[3] == 0 for pixel in pixels) and any(pixel[3] == 255 for pixel in pixels)
    assert package.png_size(color) == (192, 192) and package.png_size(b"GIF89a") is None


def test_port_goes_in_the_web_addresses_not_the_domain(tmp_path: Path) -> None:
    manifest = manifest_of(build(tmp_path, endpoint="https://Bot.Example.org:8443/tandem/api/messages"))
    assert manifest["developer"]["websiteUrl"] == "https://bot.example.org:8443/"
    assert manifest["validDomains"] == ["bot.example.org"]


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    first = build(tmp_path, out=tmp_path / "a.zip").read_bytes()
    assert build(tmp_path, out=tmp_path / "b.zip").read_bytes() == first


# Checks ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"app_id": "not-a-guid"}, "is not a GUID"),
        ({"app_id": "0a1b2c3d4e5f6789abcdef0123456789"}, "is not a GUID"),
        ({"endpoint": "http://tandem.example.org/api/messages"}, "Teams only calls bots over HTTPS"),
        ({"endpoint": "http://localhost:3978/api/messages"}, "must use https"),
        ({"endpoint": "tandem.example.org/api/messages"}, "must use https"),
        ({"endpoint": "https://tandem.example.org/"}, "must end with /api/messages"),
        ({"endpoint": "https://tandem.example.org/api/messages?x=1"}, "must end with /api/messages"),
        ({"endpoint": "https:///api/messages"}, "no usable host"),
        ({"endpoint": "https://user:pw@tandem.example.org/api/messages"}, "no usable host"),
        ({"endpoint": "https://[::1/api/messages"}, "is not a URL"),
        ({"name": ""}, "1 to 30 characters"),
        ({"name": "x" * 31}, "1 to 30 characters"),
        ({"version": "1.0"}, "like 1.0.0"),
    ],
)
def test_bad_inputs_are_refused_and_nothing_is_written(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(PackageError, match=message.replace("?", r"\?")):
        build(tmp_path, **overrides)
    assert list(tmp_path.iterdir()) == []


def test_package_error_is_a_value_error() -> None:
    assert issubclass(PackageError, ValueError)


def test_out_must_be_a_file_in_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="does not exist"):
        build(tmp_path, out=tmp_path / "missing" / "teams.zip")
    with pytest.raises(PackageError, match="it is a folder"):
        build(tmp_path, out=tmp_path)


def test_a_failed_write_leaves_the_previous_package_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "teams.zip"
    out.write_bytes(b"previous")

    def refuse(source: str, target: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(package.os, "replace", refuse)
    with pytest.raises(PackageError, match="Permission denied"):
        build(tmp_path, out=out)
    assert out.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [out]


# The command -----------------------------------------------------------------------------------------


def test_cli_writes_the_package_and_says_what_next(tmp_path: Path) -> None:
    out = tmp_path / "tandem-teams.zip"
    result = tandem(
        tmp_path / "t.db", "teams-package", "--app-id", APP_ID, "--endpoint", ENDPOINT, "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    assert "Apps > Manage your apps > Upload an app" in result.stdout
    assert manifest_of(out)["id"] == APP_ID


def test_cli_refuses_bad_input_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    result = tandem(
        tmp_path / "t.db", "teams-package", "--app-id", "nope", "--endpoint", ENDPOINT, "--out", str(out)
    )
    assert result.returncode == 2
    assert "is not a GUID" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == "" and not out.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--app-id", APP_ID, "--endpoint", "http://tandem.example.org/api/messages"], "HTTPS"),
        (["--app-id", APP_ID, "--endpoint", "https://tandem.example.org/messages"], "/api/messages"),
        (["--app-id", APP_ID, "--endpoint", ENDPOINT, "--out", "/nonexistent-dir/x.zip"], "does not exist"),
        (["--app-id", APP_ID, "--endpoint", ENDPOINT, "--version", "2"], "like 1.0.0"),
    ],
)
def test_cli_exits_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    extra = [] if "--out" in arguments else ["--out", str(tmp_path / "x.zip")]
    assert main(["teams-package", *arguments, *extra]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []
