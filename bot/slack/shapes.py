"""The shapes of Slack's signed requests, checked before any listener runs.

A request with a valid signature comes from someone holding the signing secret, or a workspace member's
own payload replayed, but its fields can still be of any type: an event without a channel, a numeric
`action_id`, state values that are not objects. Listeners read these fields without defending every
access, so a payload that does not fit gets 400 here, with one log line, instead of a traceback later.
Only the fields Tandem reads are described; anything else passes through untouched.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _File(_Shape):
    """A file shared in a message (`people import` reads one in the DM)."""

    id: str | None = None
    name: str | None = None
    title: str | None = None
    mimetype: str | None = None
    size: int | None = None
    url_private: str | None = None
    url_private_download: str | None = None


class _Event(_Shape):
    type: str
    user: str | None = None
    channel: str | None = None
    text: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    channel_type: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    tab: str | None = None
    files: list[_File] | None = None

    @model_validator(mode="after")
    def _needs(self) -> _Event:
        """Messages and mentions are answered in their channel; App Home is published for its user."""
        if self.type in ("message", "app_mention") and self.channel is None:
            raise ValueError(f"a {self.type} event without a channel")
        if self.type == "app_home_opened" and self.user is None:
            raise ValueError("an app_home_opened event without a user")
        return self


class _Envelope(_Shape):
    type: str
    team_id: str | None = None
    event_id: str | None = None
    event: _Event | None = None
    challenge: str | None = None

    @model_validator(mode="after")
    def _needs_event(self) -> _Envelope:
        if self.type == "event_callback" and self.event is None:
            raise ValueError("an event_callback without an event")
        return self


class _User(_Shape):
    id: str
    team_id: str | None = None


class _Named(_Shape):
    id: str | None = None


class _Option(_Shape):
    value: str


class _Action(_Shape):
    action_id: str
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None
    selected_time: str | None = None
    selected_date: str | None = None


class _State(_Shape):
    values: dict[str, dict[str, dict[str, Any]]] = {}


class _View(_Shape):
    type: str
    callback_id: str | None = None
    private_metadata: str | None = None
    state: _State | None = None


class _Container(_Shape):
    is_ephemeral: bool | None = None


class _Message(_Shape):
    thread_ts: str | None = None


class _Interaction(_Shape):
    type: str
    user: _User
    team: _Named | None = None
    trigger_id: str | None = None
    channel: _Named | None = None
    container: _Container | None = None
    message: _Message | None = None
    state: _State | None = None
    view: _View | None = None
    actions: list[_Action] | None = None

    @model_validator(mode="after")
    def _needs(self) -> _Interaction:
        if self.type == "block_actions" and self.actions is None:
            raise ValueError("block_actions without actions")
        if self.type in ("view_submission", "view_closed") and self.view is None:
            raise ValueError(f"{self.type} without a view")
        return self


class _Command(_Shape):
    command: str
    user_id: str
    team_id: str
    text: str = ""
    trigger_id: str | None = None
    user_name: str | None = None


def problem(body: str, content_type: str) -> str | None:
    """What is wrong with a signed body (for one log line), or None when it has the shape Tandem reads."""
    try:
        if content_type.startswith("application/json"):
            _Envelope.model_validate(json.loads(body))
            return None
        form = {key: values[0] for key, values in parse_qs(body, strict_parsing=bool(body)).items()}
        if "payload" in form:
            _Interaction.model_validate(json.loads(form["payload"]))
        else:
            _Command.model_validate(form)
        return None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{where}: {first['msg']}"
    except (ValueError, UnicodeDecodeError):
        return "not JSON or a form"
