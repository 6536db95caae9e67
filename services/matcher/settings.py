"""The matcher's settings (on top of the shared ones), from `PARLEY_*` variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from services.matcher.core.waiting import Relax
from services.matcher.tables.waiting_layout import Layout
from services.runtime.settings import BaseServiceSettings


class MatcherSettings(BaseServiceSettings):
    media_mode: Literal["direct", "livekit"] = "direct"
    livekit_url: str = ""
    livekit_api_key: str = ""
    livekit_api_secret: str = ""
    # LiveKit closes a room nobody has entered (or everyone left) after this long.
    room_empty_timeout_s: int = Field(120, ge=10, le=3600)
    # Both people out of the media room this long ends the session (reason "left").
    media_grace_s: int = Field(30, ge=1, le=600)
    # A session whose two people are not both connected this long after the start ends free.
    no_show_s: float = Field(45.0, ge=5, le=600)
    # Who came to a no-show and joins again within this long is first in line again.
    front_after_no_show_s: float = Field(120.0, ge=0, le=3600)
    # A waiting ticket whose person has had no open tab this long is cancelled.
    abandon_after_s: float = Field(30.0, ge=1, le=3600)
    # Direct mode: someone in a session whose last tab closed, and who has not opened one
    # again this long after, left the media room when it closed (a token refresh or a flaky
    # network reopens the socket within this).
    socket_gone_after_s: float = Field(10.0, ge=0, le=600)
    # Look for stuck state this often: sessions past their end, invites past their deadline.
    reconcile_s: float = Field(10.0, gt=0, le=3600)
    # How late a timer may be before the reconciler steps in.
    overdue_grace_s: float = Field(30.0, ge=0, le=3600)
    # A ticket whose funding or refusal has not come this long after it was requested is
    # closed (cancelled; the ledger releases a hold if it placed one): a lost answer must not
    # leave the person "looking" for good. Funding normally takes well under a second.
    requested_stale_s: float = Field(60.0, ge=1, le=3600)

    # Search widening, in seconds of waiting: one-sided pairs, then anyone.
    relax_one_sided_s: float = Field(10.0, ge=0, le=3600)
    relax_anyone_s: float = Field(30.0, ge=0, le=3600)

    # Pair whoever is left waiting this often (widened criteria, a second look a crash
    # interrupted, a rolling deploy); only tickets older than this are taken. 0: never.
    pool_sweep_s: float = Field(1.0, ge=0, le=3600)
    # Publish outbox entries a crashed or failed handler left behind, this often.
    outbox_sweep_s: float = Field(5.0, gt=0, le=600)
    history_days: int = Field(90, ge=1, le=3650)
    # How many ways the waiting set is split (`waitlist.Layout`): sized to the load, 1 to a
    # few million people a day, 4 at ten million (docs/capacity.md). `_ALSO_READ`: the other
    # count while a resize rolls out (docs/deploy.md): reads and deletes cover both.
    waiting_partitions: int = Field(1, ge=1, le=64)
    waiting_partitions_also_read: int = Field(0, ge=0, le=64)

    @property
    def waiting_layout(self) -> Layout:
        return Layout(self.waiting_partitions, self.waiting_partitions_also_read)

    @property
    def relax(self) -> Relax:
        return Relax(self.relax_one_sided_s, self.relax_anyone_s)

    @model_validator(mode="after")
    def _complete(self) -> MatcherSettings:
        if self.relax_anyone_s < self.relax_one_sided_s:
            raise ValueError("PARLEY_RELAX_ANYONE_S must be >= PARLEY_RELAX_ONE_SIDED_S")
        if self.media_mode == "livekit" and not (
            self.livekit_url and self.livekit_api_key and len(self.livekit_api_secret) >= 32
        ):
            raise ValueError(
                "media_mode=livekit needs PARLEY_LIVEKIT_URL, PARLEY_LIVEKIT_API_KEY and a "
                "PARLEY_LIVEKIT_API_SECRET of at least 32 characters"
            )
        return self
