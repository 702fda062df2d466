"""manifest.yml against the code: every event handled is subscribed, every Web API method is covered."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
SLACK_CODE = sorted((ROOT / "bot" / "slack").glob("*.py"))

# The scopes Slack documents for each Web API method the code may call.
METHOD_SCOPES = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "conversations.open": {"im:write"},
    # slack_sdk's files_upload_v2: files.getUploadURLExternal and files.completeUploadExternal.
    "files.uploadV2": {"files:write"},
    # `people import`: a shared file's download address, when its event does not carry it (the download
    # itself, of url_private_download with the bot token, needs the same scope).
    "files.info": {"files:read"},
    # DMs (a person's messages), and the rooms a workshop posts in: channels, private channels, group DMs.
    "conversations.history": {"im:history", "channels:history", "groups:history", "mpim:history"},
    "conversations.replies": {"channels:history", "groups:history", "mpim:history"},
    "conversations.members": {"channels:read", "groups:read"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "users.lookupByEmail": {"users:read.email"},
    "views.publish": set(),
    "views.open": set(),
    "auth.test": set(),
}
EVENT_SCOPES = {"message.im": "im:history", "app_mention": "app_mentions:read"}


def manifest() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SLACK_CODE)


def handled_events() -> set[str]:
    events = set(re.findall(r'bolt\.event\("([a-z_]+)"\)', source()))
    if "message" in events:  # the message listener only answers direct messages (channel_type im)
        events = (events - {"message"}) | {"message.im"}
    return events


def to_method(python_name: str) -> str:
    family, _, rest = python_name.partition("_")
    head, *tail = rest.split("_")
    return f"{family}.{head}{''.join(part.capitalize() for part in tail)}"


def test_every_handled_event_is_subscribed() -> None:
    subscribed = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert handled_events() == {
        "message.im",
        "app_mention",
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert handled_events() <= subscribed


def test_every_called_method_is_covered_by_a_scope() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    methods = {to_method(name) for name in re.findall(r"client\.([a-z]+_[a-zA-Z0-9_]+)\(", source())}
    assert methods, "the Slack code calls the Web API"
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {unknown}"
    for method in methods:
        assert METHOD_SCOPES[method] <= scopes, f"{method} needs {METHOD_SCOPES[method] - scopes}"
    for event in handled_events():
        if event in EVENT_SCOPES:
            assert EVENT_SCOPES[event] in scopes


def test_only_needed_scopes_each_with_a_reason() -> None:
    needed = set().union(
        *(METHOD_SCOPES[to_method(n)] for n in re.findall(r"client\.([a-z]+_[a-zA-Z0-9_]+)\(", source()))
    )
    needed |= {EVENT_SCOPES[e] for e in handled_events() if e in EVENT_SCOPES} | {"commands"}
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed
    lines = (ROOT / "manifest.yml").read_text(encoding="utf-8").splitlines()
    scope_lines = [line for line in lines if re.match(r"\s+- [a-z_.]+:[a-z_.]+", line)]
    assert scope_lines and all("#" in line for line in scope_lines), "each scope says why it is there"


def test_app_home_messages_tab_and_command_and_socket_setting() -> None:
    data = manifest()
    home = data["features"]["app_home"]
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is False
    assert home["home_tab_enabled"] is True
    [command] = data["features"]["slash_commands"]
    assert command["command"] == "/tandem" and command["usage_hint"]
    assert data["features"]["bot_user"]["display_name"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert "socket_mode_enabled" in data["settings"]
