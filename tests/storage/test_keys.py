"""Person keys: each platform's format, made and read back in one module."""

from __future__ import annotations

from storage import keys
from storage.keys import PersonKey


def test_each_platform_makes_its_person_keys_here() -> None:
    assert keys.slack_person("T1", "U2") == "slack:T1:U2"
    assert keys.teams_person("tenant-guid", "aad-object-id") == "teams:tenant-guid:aad-object-id"
    assert keys.console_person("Ann") == "console:ann", "console names are case-insensitive"
    assert keys.person_key("mattermost", "team", "user") == "mattermost:team:user"


def test_person_keys_read_back_into_platform_workspace_and_local_id() -> None:
    assert keys.parse_person_key("slack:T1:U2") == PersonKey("slack", "T1", "U2")
    assert keys.parse_person_key("teams:tenant:aad") == PersonKey("teams", "tenant", "aad")
    assert keys.parse_person_key("console:ann") == PersonKey("console", "", "ann")
    assert keys.local_id("slack:T1:U2") == "U2"
    assert keys.local_id("console:ann") == "ann"


def test_every_key_of_a_workspace_starts_with_its_prefix() -> None:
    prefix = keys.workspace_prefix("slack", "T1")
    assert keys.slack_person("T1", "U2").startswith(prefix)
    assert not keys.slack_person("T10", "U2").startswith(prefix)
