"""The one settings object: read from the environment or a `.env` file, validated once at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and never shows a traceback."""


class Settings(BaseSettings):
    """Every knob Tandem has. Names are the environment variables, with the TANDEM_ prefix."""

    model_config = SettingsConfigDict(
        env_prefix="TANDEM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
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
        env_name = name if name.startswith(("SLACK_", "CONNECTIONS__")) else f"TANDEM_{name}"
        lines.append(f"{env_name}: {error['msg']}")
    return "Invalid settings:\n  " + "\n  ".join(lines)
