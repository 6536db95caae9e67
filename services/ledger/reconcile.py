"""Nothing waits on a message that may never come: the ledger's hold reconciler.

A hold is closed by the event that ends what it funds (`ticket.cancelled`, an invite's
close, `invite.accept_refused`, `session.ended`). If that event is lost, the person keeps an
open hold and every new Join, invite or accept is refused. Every `hold_check_s` each
instance reads the open holds older than `hold_stale_s` from a sparse index and asks the
matcher about each (`hold.stale`): it owns tickets, invites and sessions and answers with the
final event it already has, which the ledger's handlers apply as they would have the first
time. While the thing is still going, it answers nothing, and the hold stays.

A hold belongs to the day it was placed, and so does everything it funds (docs/api.md, "The
day"): a ticket that waits across midnight, a session that ends after it. So a hold from a
past day is asked about like any other and is never released while what it funds is going —
a session's end that comes after midnight settles it on its own day, and today's balance is
untouched by it. The ledger never guesses that something is over: only the matcher knows.

Asking changes nothing here, so instances and repeats are harmless; the answers go through
the handlers' conditional writes. Each ask is logged and counted (`StaleHolds`); the
matcher counts what its answers repaired (`Repairs{Repair=hold_stale}`, runbook: "Repairs").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from services.ledger.bookkeeping import Bookkeeper
from services.ledger.model import Hold
from services.ledger.store import DynamoStore
from services.runtime.logs import get_logger, metric
from services.wire.events import Event, new_id
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
        """One pass; returns how many holds it asked about."""
        now = self._clock()
        asked = 0
        async for hold in self._store.open_holds(decided_before=now - self._stale_after):
            await self._ask(hold, past_day=now >= self._keeper.rules.resets_at(hold.day))
            asked += 1
        return asked

    async def _ask(self, hold: Hold, *, past_day: bool) -> None:
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
            "ledger.hold_stale_asked",
            kind=hold.kind,
            status=hold.status,
            day=hold.day.isoformat(),
            past_day=past_day,
        )
