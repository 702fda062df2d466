"""The one settings object: read from the environment or a `.env` file, validated once at start-up."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Annotated, NamedTuple

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([smh]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


class PersonRate(NamedTuple):
    """At most `count` uses of one kind (questions to a mentor, pushes, channels looked up) per person in
    any `window`; a count of 0 means no limit."""

    count: int
    window: dt.timedelta

    def __str__(self) -> str:
        return f"{self.count}/{int(self.window.total_seconds() // 60)}m" if self.count else "off"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and never shows a traceback."""


class Settings(BaseSettings):
    """Every knob Tandem has. Names are the environment variables, with the TANDEM_ prefix."""

    model_config = SettingsConfigDict(
        env_prefix="TANDEM_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    lessons: Annotated[list[Path], NoDecode] = Field(
        default_factory=list, description="Extra lesson directories, separated by ':' or ','."
    )
    database_url: str = Field("sqlite:///tandem.db", description="SQLAlchemy URL of the database.")
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated user ids of the first admins."
    )
    default_lang: str = Field("en", pattern="^(en|fr)$", description="Language of new people: en or fr.")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$", description="Logging level.")
    default_tz: str = Field("Europe/Paris", description="Time zone of new cohorts and of people without one.")
    tick_seconds: float = Field(20.0, ge=1, le=3600, description="Seconds between two drip ticks.")
    send_concurrency: int = Field(50, ge=1, le=1000, description="Messages in flight at once.")
    global_rate: float = Field(
        20.0, ge=0, description="Messages per second across all conversations (0: no global limit)."
    )
    conversation_interval: float = Field(1.0, ge=0, description="Seconds between two messages to one person.")
    send_timeout: float = Field(
        10.0, gt=0, le=120, description="Seconds a chat API may take to answer one message."
    )
    database_pool_size: int = Field(
        10, ge=1, le=200, description="PostgreSQL connections per process; more work waits its turn."
    )
    person_rate: Annotated[PersonRate, NoDecode] = Field(
        PersonRate(10, dt.timedelta(minutes=10)),
        description="Per person: questions to a mentor, pushes, channels enrolled, e.g. 10/10m (off: none).",
    )
    now: dt.datetime | None = Field(
        None, description="Pretend it is this moment (ISO date-time); the clock runs on from it."
    )

    host: str = Field("0.0.0.0", description="Address the HTTP server listens on (Slack, Teams, /healthz).")
    port: int = Field(3000, ge=1, le=65535, description="Port of the HTTP server.")

    slack_bot_token: SecretStr | None = Field(
        None,
        validation_alias="SLACK_BOT_TOKEN",
        description="Bot token (xoxb-…); turns the Slack channel on.",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias="SLACK_SIGNING_SECRET",
        description="Signing secret, to verify Slack's requests.",
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias="SLACK_APP_TOKEN", description="App-level token (xapp-…): use Socket Mode."
    )
    slack_api_url: str = Field(
        "https://slack.com/api/", validation_alias="SLACK_API_URL", description="Slack Web API base URL."
    )

    teams_client_id: str | None = Field(
        None,
        validation_alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID",
        description="Entra app (client) id of the Teams bot; turns Teams on with JWT verification.",
    )
    teams_client_secret: SecretStr | None = Field(
        None,
        validation_alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET",
        description="Client secret of that Entra app.",
    )
    teams_tenant_id: str | None = Field(
        None,
        validation_alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID",
        description="Entra tenant id of that app (single-tenant bots).",
    )
    teams_allow_anonymous: bool = Field(
        False,
        description="Serve /api/messages without credentials, on 127.0.0.1 only: for local testing.",
    )

    @property
    def teams_enabled(self) -> bool:
        return self.teams_client_id is not None or self.teams_allow_anonymous

    @property
    def teams_anonymous(self) -> bool:
        """No Entra credentials, anonymous explicitly allowed: local testing only."""
        return self.teams_client_id is None and self.teams_allow_anonymous

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def slack_socket_mode(self) -> bool:
        return self.slack_enabled and self.slack_app_token is not None

    @model_validator(mode="after")
    def _check_slack(self) -> Settings:
        """Complete Slack settings or none: each missing or malformed one is named."""
        token, secret, app = self.slack_bot_token, self.slack_signing_secret, self.slack_app_token
        if token is None and (secret is not None or app is not None):
            raise ValueError(
                "SLACK_BOT_TOKEN is missing: it is needed with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN"
            )
        if token is not None and not token.get_secret_value().startswith("xoxb-"):
            raise ValueError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        if app is not None and not app.get_secret_value().startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        if token is not None and app is None and secret is None:
            raise ValueError(
                "SLACK_SIGNING_SECRET is missing: it is needed to receive Slack's requests over HTTP"
            )
        if not self.slack_api_url.startswith(("http://", "https://")):
            raise ValueError("SLACK_API_URL must be an http(s) URL, like https://slack.com/api/")
        if not self.slack_api_url.endswith("/"):
            self.slack_api_url += "/"
        return self

    @model_validator(mode="after")
    def _check_teams(self) -> Settings:
        """Entra credentials come as a pair; a GUID-shaped app id catches pasted names and URLs."""
        prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
        if self.teams_client_secret is not None and self.teams_client_id is None:
            raise ValueError(f"{prefix}CLIENTID is missing: it is needed with {prefix}CLIENTSECRET")
        if self.teams_client_id is not None:
            if not _GUID.fullmatch(self.teams_client_id.strip()):
                raise ValueError(
                    f"{prefix}CLIENTID must be the app's GUID, like 00000000-0000-0000-0000-000000000000"
                )
            if self.teams_client_secret is None:
                raise ValueError(f"{prefix}CLIENTSECRET is missing: it is needed with {prefix}CLIENTID")
        if self.teams_tenant_id is not None and not _GUID.fullmatch(self.teams_tenant_id.strip()):
            raise ValueError(f"{prefix}TENANTID must be the tenant's GUID")
        return self

    @field_validator("lessons", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for chunk in value.split(os.pathsep) for p in chunk.split(",")]
            return [Path(p) for p in parts if p]
        return value

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        from storage.db import DatabaseURLError, parse_url

        try:
            parse_url(value)
        except DatabaseURLError as exc:
            raise ValueError(str(exc).removeprefix("TANDEM_DATABASE_URL: ")) from None
        return value

    @field_validator("default_tz")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        from scheduler.timing import TimingError, parse_zone

        try:
            return parse_zone(value).key
        except TimingError:
            raise ValueError(f"unknown time zone {value!r}; use a name like Europe/Paris") from None

    @field_validator("person_rate", mode="before")
    @classmethod
    def _parse_rate(cls, value: object) -> object:
        """`10/10m`, `30/1h`, `5/300s`; `off` or `0` for no limit."""
        if not isinstance(value, str):
            return value
        if value.strip().lower() in ("off", "0", "none"):
            return PersonRate(0, dt.timedelta(minutes=10))
        match = _RATE.match(value.lower())
        if match is None or int(match[2]) == 0:
            raise ValueError(f"{value!r} is not a rate; write it like 10/10m (10 in 10 minutes), or off")
        return PersonRate(int(match[1]), dt.timedelta(seconds=int(match[2]) * _UNITS[match[3]]))

    @field_validator("now")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        """A moment without an offset is read as UTC."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and `.env`, or a SettingsError that names the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per bad setting, named as the environment variable a person would set."""
    lines = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"] if isinstance(part, str)).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        if not name:
            lines.append(message)
            continue
        env_name = name if name.startswith(("SLACK_", "CONNECTIONS__")) else f"TANDEM_{name}"
        lines.append(f"{env_name}: {message}")
    return "Invalid settings:\n  " + "\n  ".join(lines)
