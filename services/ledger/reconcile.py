"""Nothing waits on a message that may never come: the ledger's hold reconciler.

A hold is closed by the event that ends what it funds (`ticket.cancelled`, an invite's
close, `invite.accept_refused`, `session.ended`). If that event is lost, the person keeps an
open hold and every new Join, invite or accept is refused. Every `hold_check_s` each
instance reads the open holds older than `hold_stale_s` from a sparse index and:

- releases outright a hold from a past day, once the day has been over for `hold_stale_s`
  (longer than any session that began before midnight can run): nobody is charged for it;
- asks the matcher about any other (`hold.stale`): it owns tickets, invites and sessions and
  answers with the final event it already has, which the ledger's handlers apply as they
  would have the first time. While the thing is still going, it answers nothing.

Decisions re-read the hold strongly and commit conditionally, so instances and repeats never
release anything twice. Each repair is logged and counted (`Repairs`, runbook: "Repairs").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from services.ledger.bookkeeping import Bookkeeper
from services.ledger.handlers import points_changed
from services.ledger.model import Hold
from services.ledger.store import DynamoStore
from services.runtime.logs import get_logger, metric, repair
from services.wire.events import Event, derive_id, new_id
from services.wire.events.base import utcnow
from services.wire.events.ledger import HoldStale

Publish = Callable[[Sequence[Event]], Awaitable[None]]


class HoldReconciler:
    def __init__(
        self,
        keeper: Bookkeeper,
        store: DynamoStore,
        publish: Publish,
        stale_after_s: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._keeper = keeper
        self._store = store
        self._publish = publish
        self._stale_after = timedelta(seconds=stale_after_s)
        self._clock = clock

    async def run_once(self) -> int:
        """One pass; returns how many holds it released or asked about."""
        now = self._clock()
        rules = self._keeper.rules
        done = 0
        async for hold in self._store.open_holds(decided_before=now - self._stale_after):
            over_since = rules.resets_at(hold.day)
            if now - over_since >= self._stale_after:
                done += await self._lapse(hold)
            else:
                await self._ask(hold)
                done += 1
        return done

    async def _lapse(self, hold: Hold) -> int:
        event_id = derive_id("ledger.hold_lapsed", hold.hold_id)
        out = await self._keeper.lapse(
            hold_id=hold.hold_id, user_id=hold.user_id, event_id=event_id
        )
        if out.entry is None:
            return 0  # closed meanwhile (the index lags behind the table)
        await self._publish([points_changed(out.entry, self._keeper.rules)])
        if out.replayed:
            return 0
        repair("hold_past_day", hold_id=hold.hold_id, user_id=hold.user_id, hold_kind=hold.kind)
        get_logger(hold_id=hold.hold_id, user_id=hold.user_id).warning(
            "ledger.hold_lapsed", day=hold.day.isoformat(), kind=hold.kind, status=hold.status
        )
        return 1

    async def _ask(self, hold: Hold) -> None:
        # A fresh id per ask: the matcher answers each (a lost answer is asked for again).
        ask = HoldStale(
            id=new_id(),
            hold_id=hold.hold_id,
            user_id=hold.user_id,
            kind=hold.kind,
            session_id=hold.session_id,
        )
        await self._publish([ask])
        metric("StaleHolds", 1, hold_id=hold.hold_id, kind=hold.kind, status=hold.status)
        get_logger(hold_id=hold.hold_id, user_id=hold.user_id).warning(
            "ledger.hold_stale_asked", kind=hold.kind, status=hold.status
        )
