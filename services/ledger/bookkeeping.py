"""The unit of work around the pure rules: read, decide, commit; on a conflict, all again.

Messages about one person arrive in several FIFO groups (their own, an invite's, a session's),
so two of them may be handled at once. Every change is conditional on the versions it read;
the loser of a race reads again and decides again on the new state.

Only a real conflict — another change committed first — goes round again, after a growing,
jittered pause (`CONTENTION`): throttled and crossed transactions are retried inside the
store's commit (`dynamo.transact`) and never cost a round. Still conflicting when its rounds or
its time are spent, the change raises TooContended, which is transient: the message comes back
later, it is not parked for it.

Placing a hold decides first from the account and book this process last wrote
(`recent.RecentBooks`) when it has them, saving the read on the way to a match; the commit's
conditions catch a remembered state that has moved on, and the next attempt reads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from services.ledger import points
from services.ledger.model import (
    Change,
    Conflict,
    Entry,
    EntryKind,
    Hold,
    HoldKind,
    Rules,
    Snapshot,
)
from services.ledger.recent import RecentBooks
from services.runtime.logs import get_logger, metric
from services.runtime.retry import CALL_BUDGET_S, Backoff, Contended
from services.wire.events.base import utcnow


class Store(Protocol):
    async def snapshot(self, user_id: str, hold_id: str, today: date) -> Snapshot: ...

    async def commit(self, change: Change, now: datetime) -> None: ...

    async def entry(
        self, user_id: str, day: date, kind: EntryKind, hold_id: str
    ) -> Entry | None: ...


class TooContended(Contended):
    """Still conflicting after every attempt: let the message come back later (transient)."""


# Pauses between rounds that lost a race: up to 20 ms, 40 ms, ... 1 s, at most CALL_BUDGET_S in
# all — twelve rounds take ~3 s on average, not the ~1 s that let a busy person's change give up.
CONTENTION = Backoff(base_s=0.02, cap_s=1.0, budget_s=CALL_BUDGET_S)


@dataclass(frozen=True)
class Outcome:
    """What a handled input leaves to announce.

    `hold` is the hold as this input decided it (or as it was decided before, on a
    redelivery); `entry` is the change to the person's balance to announce, if any.
    """

    hold: Hold | None = None
    entry: Entry | None = None
    skipped: str | None = None
    replayed: bool = False


Decide = Callable[[Snapshot, datetime], points.Decision]


class Bookkeeper:
    def __init__(
        self,
        store: Store,
        rules: Rules,
        clock: Callable[[], datetime] = utcnow,
        attempts: int = 12,
        recent: RecentBooks | None = None,
        backoff: Backoff = CONTENTION,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.rules = rules
        self._clock = clock
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self.recent = recent if recent is not None else RecentBooks()
        self.conflicts = 0
        self.reads_saved = 0

    async def place(self, *, hold_id: str, user_id: str, kind: HoldKind, event_id: str) -> Outcome:
        def decide(snap: Snapshot, now: datetime) -> points.Decision:
            return points.place(
                snap,
                hold_id=hold_id,
                user_id=user_id,
                kind=kind,
                event_id=event_id,
                now=now,
                rules=self.rules,
            )

        return await self._run(user_id, hold_id, decide, new_hold=True)

    async def release(
        self, *, hold_id: str, user_id: str, kind: HoldKind, event_id: str
    ) -> Outcome:
        def decide(snap: Snapshot, now: datetime) -> points.Decision:
            return points.release(
                snap, hold_id=hold_id, user_id=user_id, kind=kind, event_id=event_id, now=now
            )

        return await self._run(user_id, hold_id, decide)

    async def lapse(self, *, hold_id: str, user_id: str, event_id: str) -> Outcome:
        def decide(snap: Snapshot, now: datetime) -> points.Decision:
            return points.lapse(snap, hold_id=hold_id, event_id=event_id, now=now)

        return await self._run(user_id, hold_id, decide)

    async def start(self, *, hold_id: str, user_id: str, session_id: str, event_id: str) -> Outcome:
        def decide(snap: Snapshot, now: datetime) -> points.Decision:
            return points.start(
                snap, hold_id=hold_id, session_id=session_id, event_id=event_id, now=now
            )

        return await self._run(user_id, hold_id, decide)

    async def settle(
        self,
        *,
        hold_id: str,
        user_id: str,
        session_id: str,
        started_at: datetime,
        ended_at: datetime,
        cap: int,
        counts: bool,
        event_id: str,
    ) -> Outcome:
        def decide(snap: Snapshot, now: datetime) -> points.Decision:
            return points.settle(
                snap,
                hold_id=hold_id,
                session_id=session_id,
                started_at=started_at,
                ended_at=ended_at,
                cap=cap,
                counts=counts,
                event_id=event_id,
                now=now,
            )

        return await self._run(user_id, hold_id, decide)

    async def _run(
        self, user_id: str, hold_id: str, decide: Decide, *, new_hold: bool = False
    ) -> Outcome:
        log = get_logger(user_id=user_id, hold_id=hold_id)
        started, lost = time.monotonic(), 0
        for attempt in range(self._attempts):
            now = self._clock()
            today = self.rules.day_of(now)
            # First try of a new hold: from the remembered state, if there is one.
            snap = self.recent.new_hold(user_id, today) if new_hold and not attempt else None
            remembered = snap is not None
            if snap is None:
                snap = await self.store.snapshot(user_id, hold_id, today)
                self.recent.remember(snap.account, snap.book)
            if snap.hold is not None and snap.hold.user_id != user_id:
                log.error("ledger.hold_of_someone_else", owner=snap.hold.user_id)
                return Outcome(skipped="hold_of_someone_else")
            decision = decide(snap, now)
            if isinstance(decision, points.Skip):
                return Outcome(hold=snap.hold, skipped=decision.why)
            if isinstance(decision, points.Replay):
                return await self._replay(decision)
            change = decision.change
            if remembered and change.book is None:
                # A refusal is checked against the account only: decide it from the table.
                continue
            try:
                await self.store.commit(change, now)
            except Conflict:
                self.recent.forget(user_id)
                if remembered:
                    continue  # the remembered state had moved on: read it, no contention
                self.conflicts += 1
                lost += 1
                # Jittered, growing pause so the racers do not collide again in lockstep.
                pause = self._backoff.delay(lost, time.monotonic() - started)
                if pause is None or attempt + 1 == self._attempts:
                    break
                await self._sleep(pause)
                continue
            self.reads_saved += remembered
            self.recent.remember(change.account, change.book or snap.book)
            return Outcome(hold=change.hold, entry=change.entry)
        metric("LedgerContention", 1, user_id=user_id, hold_id=hold_id)
        raise TooContended(
            f"{user_id}/{hold_id}: still conflicting after {lost} lost races "
            f"in {time.monotonic() - started:.1f} s"
        )

    async def _replay(self, decision: points.Replay) -> Outcome:
        hold, entry = decision.hold, None
        if decision.entry_kind is not None:
            entry = await self.store.entry(
                hold.user_id, hold.day, decision.entry_kind, hold.hold_id
            )
        return Outcome(hold=hold, entry=entry, replayed=True)
