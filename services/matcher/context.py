"""Everything a matcher handler needs, and the one way it changes state: `commit`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from services.matcher.clock import Clock, day_of, next_midnight
from services.matcher.items import Entry, Tables
from services.matcher.outbox import Action, Outbox
from services.matcher.pairing import Pools
from services.matcher.settings import MatcherSettings
from services.matcher.store import Store
from services.runtime.idempotency import Idempotency
from services.runtime.logs import metric
from services.runtime.publisher import TimerScheduler
from services.wire.events.base import derive_id
from services.wire.events.common import MediaMode

MAX_ATTEMPTS = 6  # optimistic retries when another handler changed what we read


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
    pools: Pools
    clock: Clock

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
        """Write `items`, the outbox entry for `actions` and the marker for input `marker` in
        one transaction, then carry the actions out.

        False if `marker` was handled before (its outbox, if still there, is flushed now).
        A failed condition of one of `items` raises TransactionConflict, whose `reasons` line
        up with `items`.
        """
        now = self.clock.now()
        key = outbox_key(marker)
        entries: list[dict[str, Any]] = list(items)
        if actions:
            entries.append(self.outbox.entry(key, actions, now))
        done = await self.idem.transact(marker, entries)
        if actions or not done:
            await self._flush(key)
        return done

    async def flush_for(self, marker: str) -> None:
        """A repeat of an input already handled: finish whatever its first run left undone."""
        await self._flush(outbox_key(marker))

    async def _flush(self, key: str) -> None:
        # The change is committed; its effects belong to the outbox now. If they cannot go
        # out yet (LiveKit or SNS failing), the sweep retries them: the input is done.
        try:
            await self.outbox.flush(key)
        except Exception:
            component_log("outbox").exception("outbox.flush_deferred", key=key)
            metric("OutboxFlushDeferred", 1)


def outbox_key(marker: str) -> str:
    return derive_id("outbox", marker)
