"""The one settings object: read from the environment or a `.env` file, validated once at start-up."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.channel import ChannelSettings
from bot.slack.settings import SlackSettings
from bot.teams.settings import TeamsSettings
from lessons.model import LANGS
from storage.defaults import DEFAULT_TZ

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([smh]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


class PersonRate(NamedTuple):
    """At most `limit` uses of one kind (questions to a mentor, pushes, channels looked up) per person in
    any `window`; a limit of 0 means none."""

    limit: int
    window: dt.timedelta

    def __str__(self) -> str:
        return f"{self.limit}/{int(self.window.total_seconds() // 60)}m" if self.limit else "off"


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
    default_lang: str = Field(
        "en", pattern=f"^({'|'.join(LANGS)})$", description=f"Language of new people: {' or '.join(LANGS)}."
    )
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$", description="Logging level.")
    default_tz: str = Field(
        DEFAULT_TZ, description="Time zone of new cohorts, and of people without one and in no cohort."
    )
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
    semantic: str = Field(
        "use",
        pattern="^(use|off)$",
        description="Answers' semantic second opinion: use (multilingual USE, bundled) or off (words only).",
    )

    host: str = Field("0.0.0.0", description="Address the HTTP server listens on (Slack, Teams, /healthz).")
    port: int = Field(3000, ge=1, le=65535, description="Port of the HTTP server.")
    public_url: str | None = Field(
        None,
        description="Tandem's public https address (https://tandem.example.org), for one-time download "
        "links (Teams' my-data).",
    )
    trust_proxy: bool = Field(
        False,
        description="Trust X-Forwarded-Proto from a reverse proxy in front of Tandem: the dashboard's cookie "
        "is then Secure when the proxy says the request came over https. Leave false without a proxy.",
    )

    slack: SlackSettings = Field(default_factory=SlackSettings, description="The Slack channel.")
    teams: TeamsSettings = Field(default_factory=TeamsSettings, description="The Microsoft Teams channel.")

    @property
    def channels(self) -> dict[str, ChannelSettings]:
        """Each chat platform's settings sub-model, by field name."""
        found = {name: getattr(self, name) for name in type(self).model_fields}
        return {name: value for name, value in found.items() if isinstance(value, ChannelSettings)}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The usual sources (arguments, environment, `.env`, secrets), with each channel's settings read
        under its own environment names between the arguments and the rest."""
        channels = _ChannelSource(settings_cls, (env_settings, dotenv_settings))
        return init_settings, channels, env_settings, dotenv_settings, file_secret_settings

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

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        """An https address with a host and nothing after its path (http for this machine only), kept
        without its trailing slash; empty means none."""
        from urllib.parse import urlsplit

        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        local = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError(f"{value!r} must be an https address, like https://tandem.example.org")
        if not parts.hostname or parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(f"{value!r} must be a plain address, like https://tandem.example.org")
        return value.strip().rstrip("/")

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


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and `.env`, or a SettingsError that names the bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


SETTING_PREFIXES = ("TANDEM_", "SLACK_")
"""The prefixes of the variables Tandem reads itself: any other variable under them is a mistake."""
OTHER_VARIABLES = frozenset(
    {"TANDEM_TEST_DATABASE_URL", "TANDEM_BENCH_DATABASE_URL", "TANDEM_CACHE_DIR", "TANDEM_REQUIRE_BROWSER"}
)
"""Variables under those prefixes that are no setting but are read all the same (by the test suite and its
browser tests, the benchmarks, and lessons/semantic.py for where embeddings are cached)."""


def setting_names() -> set[str]:
    """Every environment variable a setting is read from: `TANDEM_` and a field's name, or a channel's
    own names (`SLACK_BOT_TOKEN`, `TANDEM_TEAMS_ALLOW_ANONYMOUS`, the Agents SDK's)."""
    prefix = str(Settings.model_config.get("env_prefix") or "")
    names: set[str] = set()
    for field_name, info in Settings.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, ChannelSettings):
            names.update(
                field.validation_alias.upper()
                for field in model.model_fields.values()
                if isinstance(field.validation_alias, str)
            )
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


def unknown_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> list[str]:
    """One warning line per `TANDEM_…` or `SLACK_…` variable (in the environment or `.env`) that is no
    setting, naming the closest real one: a typo (`TANDEM_PROT`) is otherwise silently ignored. Lines name
    variables only, never their values, which may be secrets."""
    from dotenv import dotenv_values

    environ = os.environ if environ is None else environ
    env_file = Path(str(Settings.model_config.get("env_file") or ".env")) if env_file is None else env_file
    found = {name.upper(): "the environment" for name in environ}
    if env_file.is_file():
        for name in dotenv_values(env_file):
            found.setdefault(name.upper(), str(env_file))
    known = setting_names()
    lines = []
    for name, where in sorted(found.items()):
        if not name.startswith(SETTING_PREFIXES) or name in known or name in OTHER_VARIABLES:
            continue
        close = closest_setting(name, known)
        hint = f"; did you mean {close}?" if close else "; the README lists the settings"
        lines.append(f"{name} (in {where}) is not a Tandem setting and is ignored{hint}")
    return lines


def closest_setting(name: str, known: set[str]) -> str | None:
    """The real setting `name` was most likely meant to be, compared without the prefixes every name
    shares (else any `TANDEM_…` looks close to any other); None when nothing is close."""

    def bare(variable: str) -> str:
        return next((variable.removeprefix(p) for p in SETTING_PREFIXES if variable.startswith(p)), variable)

    by_bare = {bare(variable): variable for variable in sorted(known)}
    close = difflib.get_close_matches(bare(name), list(by_bare), n=1, cutoff=0.65)
    return by_bare[close[0]] if close else None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per bad setting, named as the environment variable a person would set."""
    lines = []
    for error in exc.errors():
        name = env_name(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{name}: {message}" if name else message)
    return "Invalid settings:\n  " + "\n  ".join(lines)


def env_name(loc: tuple[int | str, ...]) -> str | None:
    """The environment variable behind an error's location: the field's alias when it has one (the
    channels' own names), else `TANDEM_` and its name; None for an error about a channel's settings as
    a whole, whose message names its variables itself."""
    model: type[BaseModel] = Settings
    prefix = str(Settings.model_config.get("env_prefix") or "")
    name: str | None = None
    for part in (part for part in loc if isinstance(part, str)):
        found = _field(model, part)
        if found is None:
            return name
        field_name, info = found
        alias = info.validation_alias
        name = alias if isinstance(alias, str) else f"{prefix}{field_name}".upper()
        annotation = info.annotation
        if not (isinstance(annotation, type) and issubclass(annotation, ChannelSettings)):
            return name
        model, prefix, name = annotation, "", None
    return name


def _field(model: type[BaseModel], part: str) -> tuple[str, FieldInfo] | None:
    """A model's field named `part`, or whose alias is `part`."""
    for field_name, info in model.model_fields.items():
        if part in (field_name, info.validation_alias):
            return field_name, info
    return None


class _ChannelSource(PydanticBaseSettingsSource):
    """Each channel's settings (the fields of `Settings` that are `ChannelSettings`), read under their own
    environment names from the environment, then from `.env`. Values go by field name, so that
    arguments given to `Settings` win over them."""

    def __init__(self, settings_cls: type[BaseSettings], sources: tuple[PydanticBaseSettingsSource, ...]):
        super().__init__(settings_cls)
        self.sources = [source for source in sources if isinstance(source, EnvSettingsSource)]

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[object, str, bool]:
        return None, field_name, False  # everything is read in __call__

    def __call__(self) -> dict[str, object]:
        found: dict[str, object] = {}
        for name, info in self.settings_cls.model_fields.items():
            model = info.annotation
            if not (isinstance(model, type) and issubclass(model, ChannelSettings)):
                continue
            values = {
                field_name: value
                for field_name, field in model.model_fields.items()
                if isinstance(field.validation_alias, str)
                and (value := self._lookup(field.validation_alias)) is not None
            }
            if values:
                found[name] = values
        return found

    def _lookup(self, variable: str) -> str | None:
        """The variable's value from the first source that has it (names in any case, like the rest)."""
        for source in self.sources:
            for key in (variable.lower(), variable):
                value = source.env_vars.get(key)
                if value is not None:
                    return value
        return None
