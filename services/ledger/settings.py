"""The ledger's settings (on top of the shared ones: daily points, session minutes, day zone)."""

from __future__ import annotations

from pydantic import Field

from services.runtime.settings import BaseServiceSettings


class LedgerSettings(BaseServiceSettings):
    # How long a received message stays hidden; a crashed ledger's messages come back after it.
    # The consumer's heartbeat extends it for slow handlers.
    inbox_visibility_s: int = Field(30, ge=2, le=900)
    # Read-decide-commit rounds for one change before the message is left for a retry.
    conflict_attempts: int = Field(12, ge=1, le=100)
    # The hold reconciler: how often it looks, and how long a hold may stay open before it
    # asks the matcher about it (longer than a session, plus grace), whatever its day.
    hold_check_s: float = Field(60.0, gt=0, le=3600)
    hold_stale_s: float = Field(1200.0, ge=1, le=86400)
