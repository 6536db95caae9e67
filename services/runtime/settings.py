"""Settings from `PARLEY_*` environment variables, validated once at start.

Each service extends `BaseServiceSettings`; `load(cls)` turns a bad value into one clear line
on stderr and exit code 2 instead of a traceback.
"""

from __future__ import annotations

import sys
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

S = TypeVar("S", bound="BaseServiceSettings")


class BaseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARLEY_", extra="ignore", frozen=True)

    name_prefix: str = Field("parley-dev", pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    aws_region: str = Field("us-east-1", pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    aws_account_id: str = Field("123456789012", pattern=r"^\d{12}$")
    # Set locally to the embedded AWS (moto server); unset in AWS.
    aws_endpoint_url: str | None = None
    # Locally, DynamoDB may run as an embedded AWS process of its own (its own core and lock).
    aws_dynamodb_endpoint_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    # Consumer loop.
    poll_wait_s: int = Field(10, ge=0, le=20)
    consumer_concurrency: int = Field(16, ge=1, le=256)
    shutdown_timeout_s: float = Field(20.0, gt=0, le=120)
    # Chaos runs only: hand every message to its handler twice, as SQS may redeliver one
    # after a visibility timeout (a second publish would be deduplicated away).
    duplicate_delivery: bool = False

    # Points and time, shared by the services that reason about them.
    daily_points: int = Field(15, ge=1, le=600)
    session_minutes: int = Field(15, ge=1, le=120)
    invite_timeout_s: int = Field(60, ge=5, le=3600)
    day_timezone: str = "UTC"

    @field_validator("day_timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.day_timezone)


def load(cls: type[S]) -> S:
    """Build settings from the environment or exit with a message naming each bad variable."""
    try:
        return cls()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            lines.append(f"  PARLEY_{field.upper()}: {err['msg']} (got {err.get('input')!r})")
        sys.stderr.write("parley: invalid settings:\n" + "\n".join(lines) + "\n")
        raise SystemExit(2) from None
