"""Configuration: the models of the TOML file of profiles, and what the command line overrides.

Precedence: flags beat environment beats file. Where each part lives:
`tui.core.paths` (where the file is), `tui.core.config_read` (reading and checking it),
`tui.core.config_messages` (which line a problem is on), `tui.core.config_write` (writing it
0600, the template), `tui.core.resolve` (file + environment + flags into one profile).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from tui.core.errors import ConfigError
from tui.core.exchange import EXCHANGE_NAMES
from tui.core.urls import check_base_url

APP_NAME = "ordertui"
REGIONS = ("kr", "sg", "id", "th")
EXCHANGES = EXCHANGE_NAMES

ENV_UPBIT_ACCESS = "UPBIT_OPEN_API_ACCESS_KEY"
ENV_UPBIT_SECRET = "UPBIT_OPEN_API_SECRET_KEY"
ENV_UPBIT_URL = "UPBIT_OPEN_API_SERVER_URL"
ENV_B2_TOKEN = "B2TRADER_TOKEN"
ENV_B2_ACCOUNT = "B2TRADER_ACCOUNT_ID"
ENV_B2_URL = "B2TRADER_BASE_URL"


def mask(secret: str | None) -> str:
    """`ab12…ef`: enough to tell keys apart, never enough to use one."""
    if not secret:
        return "(not set)"
    if len(secret) <= 8:
        return "…"
    return f"{secret[:4]}…{secret[-2:]}"


class Profile(BaseModel):
    """One `[profiles.NAME]` table."""

    model_config = ConfigDict(extra="forbid")

    exchange: Literal["upbit", "b2trader"] = "upbit"
    region: Literal["kr", "sg", "id", "th"] | None = None
    base_url: str | None = None
    account_id: str | None = None
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    token: SecretStr | None = None
    jwt_algorithm: Literal["HS512", "HS256"] = "HS512"
    rps: int | None = Field(default=None, ge=1, le=100)
    # Profiles (and ordertui processes) with the same pocket share one rate budget; without
    # it, those with the same access key do. Upbit Korea counts limits per pocket.
    pocket: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_base_url(value)
        except ConfigError as exc:
            raise ValueError(exc.message) from None

    @property
    def has_credentials(self) -> bool:
        return bool(self.access_key or self.secret_key or self.token)


class UiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme: str | None = None


class JournalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_mb: float = Field(default=100.0, gt=0)
    keep_runs: int = Field(default=500, ge=1)


class AppConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_profile: str | None = None
    profiles: dict[str, Profile] = {}
    ui: UiConfig = UiConfig()
    journal: JournalConfig = JournalConfig()

    # where it was read from (not part of the file)
    path: Path | None = Field(default=None, exclude=True)


@dataclass(slots=True)
class Overrides:
    """What the command line says (None = not given)."""

    profile: str | None = None
    exchange: str | None = None
    region: str | None = None
    base_url: str | None = None
    account_id: str | None = None
    demo: bool = False
