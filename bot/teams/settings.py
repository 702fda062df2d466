"""Teams' settings: the Agents SDK's own environment names for the Entra credentials
(`CONNECTIONS__SERVICE_CONNECTION__SETTINGS__…`), beside `TANDEM_TEAMS_ALLOW_ANONYMOUS`."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field, SecretStr, model_validator

from bot.channel import ChannelSettings

SDK_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class TeamsSettings(ChannelSettings):
    """Entra credentials turn Teams on with JWT verification; without them, anonymous mode is for local
    testing only."""

    switch: ClassVar[str] = f"{SDK_PREFIX}CLIENTID"

    client_id: str | None = Field(
        None,
        validation_alias=f"{SDK_PREFIX}CLIENTID",
        description="Entra app (client) id of the Teams bot; turns Teams on with JWT verification.",
    )
    client_secret: SecretStr | None = Field(
        None, validation_alias=f"{SDK_PREFIX}CLIENTSECRET", description="Client secret of that Entra app."
    )
    tenant_id: str | None = Field(
        None,
        validation_alias=f"{SDK_PREFIX}TENANTID",
        description="Entra tenant id of that app (single-tenant bots).",
    )
    allow_anonymous: bool = Field(
        False,
        validation_alias="TANDEM_TEAMS_ALLOW_ANONYMOUS",
        description="Serve /api/messages without credentials, on 127.0.0.1 only: for local testing.",
    )

    @property
    def enabled(self) -> bool:
        return self.client_id is not None or self.allow_anonymous

    @property
    def anonymous(self) -> bool:
        """No Entra credentials, anonymous explicitly allowed: local testing only."""
        return self.client_id is None and self.allow_anonymous

    @property
    def loopback_only(self) -> bool:
        return self.anonymous

    @model_validator(mode="after")
    def _check(self) -> TeamsSettings:
        """Entra credentials come as a pair; a GUID-shaped app id catches pasted names and URLs."""
        prefix = SDK_PREFIX
        if self.client_secret is not None and self.client_id is None:
            raise ValueError(f"{prefix}CLIENTID is missing: it is needed with {prefix}CLIENTSECRET")
        if self.client_id is not None:
            if not _GUID.fullmatch(self.client_id.strip()):
                raise ValueError(
                    f"{prefix}CLIENTID must be the app's GUID, like 00000000-0000-0000-0000-000000000000"
                )
            if self.client_secret is None:
                raise ValueError(f"{prefix}CLIENTSECRET is missing: it is needed with {prefix}CLIENTID")
        if self.tenant_id is not None and not _GUID.fullmatch(self.tenant_id.strip()):
            raise ValueError(f"{prefix}TENANTID must be the tenant's GUID")
        return self
