"""Slack's settings, under Slack's own environment names (`SLACK_…`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, model_validator

from bot.channel import ChannelSettings


class SlackSettings(ChannelSettings):
    """A bot token turns Slack on; a signing secret serves it over HTTP, an app-level token over Socket
    Mode."""

    switch: ClassVar[str] = "SLACK_BOT_TOKEN"

    bot_token: SecretStr | None = Field(
        None,
        validation_alias="SLACK_BOT_TOKEN",
        description="Bot token (xoxb-…); turns the Slack channel on.",
    )
    signing_secret: SecretStr | None = Field(
        None,
        validation_alias="SLACK_SIGNING_SECRET",
        description="Signing secret, to verify Slack's requests.",
    )
    app_token: SecretStr | None = Field(
        None, validation_alias="SLACK_APP_TOKEN", description="App-level token (xapp-…): use Socket Mode."
    )
    api_url: str = Field(
        "https://slack.com/api/", validation_alias="SLACK_API_URL", description="Slack Web API base URL."
    )

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None

    @property
    def socket_mode(self) -> bool:
        return self.enabled and self.app_token is not None

    @model_validator(mode="after")
    def _check(self) -> SlackSettings:
        """Complete Slack settings or none: each missing or malformed one is named."""
        token, secret, app = self.bot_token, self.signing_secret, self.app_token
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
        if not self.api_url.startswith(("http://", "https://")):
            raise ValueError("SLACK_API_URL must be an http(s) URL, like https://slack.com/api/")
        if not self.api_url.endswith("/"):
            self.api_url += "/"
        return self
