"""Everything a matcher handler needs, and the one way it changes state: `commit`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog

from services.matcher.clock import Clock, day_of, next_midnight
from services.matcher.core.waiting import Relax
from services.matcher.settings import MatcherSettings
from services.matcher.tables.items import Entry, Tables
from services.matcher.tables.outbox import Action, Outbox
from services.matcher.tables.store import Store
from services.matcher.tables.waitlist import Waitlist
from services.runtime.idempotency import Idempotency
from services.runtime.logs import metric
from services.runtime.publisher import TimerScheduler
from services.wire.events.base import derive_id
from services.wire.events.common import MediaMode

if TYPE_CHECKING:
    from services.matcher.repair.sweep_lease import SweepLease

# Read-decide-commit rounds when another handler changed what we read. Only real conflicts
# count: throttled and crossed transactions are retried inside `dynamo.transact`.
MAX_ATTEMPTS = 8
FLUSH_GRACE_S = 2.0  # an outbox entry younger than this is still being carried out


def component_log(component: str) -> Any:
    """A module's logger. Lazy: it binds on first use, after the process set logging up
    (a logger bound at import time would keep structlog's defaults)."""
    return structlog.get_logger(component=component)


@dataclass
class Matcher:
    settings: MatcherSettings
    store: Store
    tables: Tables
    idem: Idempotency
    outbox: Outbox
    timers: TimerScheduler
    waitlist: Waitlist
    clock: Clock
    # Whether this instance sweeps (`sweep_lease.lease_of` makes it on first use).
    sweep_lease: SweepLease | None = field(default=None, repr=False)

    @property
    def relax(self) -> Relax:
        return self.settings.relax

    @property
    def media_mode(self) -> MediaMode:
        return self.settings.media_mode

    def now(self) -> datetime:
        """Now, to the millisecond: what the tables hold and the events say is the same."""
        now = self.clock.now()
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def today(self, now: datetime) -> str:
        return day_of(now, self.settings.zone)

    def end_of_day(self, now: datetime) -> datetime:
        return next_midnight(now, self.settings.zone)

    async def commit(
        self, marker: str, items: Sequence[Entry], actions: Sequence[Action] = ()
    ) -> bool:
        """Write `items`, the outbox entries for `actions` and the marker for input `marker` in
        one transaction, then carry the actions out.

        False if `marker` was handled before (its outbox, if still there, is flushed now).
        A failed condition of one of `items` raises TransactionConflict, whose `reasons` line
        up with `items`.

        Room calls (LiveKit) get an outbox entry of their own, carried out last: an SFU that
        is down never holds back an announcement or a timer, and retrying a room call does
        not repeat the events.
        """
        now = self.clock.now()
        key = outbox_key(marker)
        stages = [
            (key, [a for a in actions if not a.kind.startswith("room.")]),
            (room_key(marker), [a for a in actions if a.kind.startswith("room.")]),
        ]
        stages = [(k, acts) for k, acts in stages if acts]
        entries: list[dict[str, Any]] = list(items)
        entries += [self.outbox.entry(k, acts, now) for k, acts in stages]
        done = await self.idem.transact(marker, entries)
        if not done:
            await self.flush_for(marker)
            return False
        for k, acts in stages:
            await self._carry_out(k, acts)
        return True

    async def flush_for(self, marker: str) -> None:
        """A repeat of an input already handled: finish whatever its first run left undone
        (unless that run may still be at it: two copies of one message, or two instances
        committing one pair, arrive together)."""
        for key in (outbox_key(marker), room_key(marker)):
            await self._flush(key, FLUSH_GRACE_S)

    async def _carry_out(self, key: str, actions: Sequence[Action]) -> None:
        # From memory: the entry was just written, re-reading it would cost a round trip.
        try:
            await self.outbox.carry_out(key, actions)
        except Exception:
            component_log("outbox").exception("outbox.flush_deferred", key=key)
            metric("OutboxFlushDeferred", 1)

    async def _flush(self, key: str, older_than_s: float) -> None:
        # The change is committed; its effects belong to the outbox now. If they cannot go
        # out yet (LiveKit or SNS failing), the sweep retries them: the input is done.
        try:
            await self.outbox.flush(key, older_than_s)
        except Exception:
            component_log("outbox").exception("outbox.flush_deferred", key=key)
            metric("OutboxFlushDeferred", 1)


def outbox_key(marker: str) -> str:
    return derive_id("outbox", marker)


def room_key(marker: str) -> str:
    return derive_id("outbox.rooms", marker)
