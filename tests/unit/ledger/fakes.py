"""An in-memory store with DynamoDB's conditional-write semantics, a clock and a bus to read.

The store yields to the event loop between reading and between checking, so handlers run side
by side really interleave and lose races the way they would against DynamoDB.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from services.ledger.bookkeeping import Bookkeeper
from services.ledger.handlers import LedgerHandlers
from services.ledger.model import (
    Account,
    Change,
    Conflict,
    DayBook,
    Entry,
    EntryKind,
    Hold,
    Rules,
    Snapshot,
    entry_key,
)
from services.runtime.consumer import Delivery
from services.wire.events import REGISTRY, Event

T = TypeVar("T")


class MemoryStore:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.accounts: dict[str, Account] = {}
        self.books: dict[tuple[str, date], DayBook] = {}
        self.holds: dict[str, Hold] = {}
        self.log: dict[tuple[str, date, str], Entry] = {}
        self.commits = 0
        self.snapshots = 0  # reads of an account, hold and book
        self.crash_after_commit = 0  # commit, then fail this many times (a crash before publish)

    async def snapshot(self, user_id: str, hold_id: str, today: date) -> Snapshot:
        self.snapshots += 1
        account = self.accounts.get(user_id, Account(user_id))
        await asyncio.sleep(0)
        hold = self.holds.get(hold_id)
        await asyncio.sleep(0)
        day = hold.day if hold else today
        book = self.books.get((user_id, day)) or self.rules.fresh_book(user_id, day)
        return Snapshot(account=account, book=book, hold=hold)

    async def commit(self, change: Change, now: datetime) -> None:
        await asyncio.sleep(0)
        hold, account, book, entry = change.hold, change.account, change.book, change.entry
        expected_account = account.version - 1 if change.account_changed else account.version
        ok = (
            _version(self.holds.get(hold.hold_id)) == hold.version - 1
            and _version(self.accounts.get(account.user_id)) == expected_account
            and (
                book is None
                or _version(self.books.get((book.user_id, book.day))) == book.version - 1
            )
            and (entry is None or (entry.user_id, entry.day, entry.key) not in self.log)
        )
        if not ok:
            raise Conflict("version moved")
        self.holds[hold.hold_id] = hold
        if change.account_changed:
            self.accounts[account.user_id] = account
        if book is not None:
            self.books[(book.user_id, book.day)] = book
        if entry is not None:
            self.log[(entry.user_id, entry.day, entry.key)] = entry
        self.commits += 1
        if self.crash_after_commit:
            self.crash_after_commit -= 1
            raise RuntimeError("process died after commit")

    async def entry(self, user_id: str, day: date, kind: EntryKind, hold_id: str) -> Entry | None:
        return self.log.get((user_id, day, entry_key(kind, hold_id)))

    # -- views for assertions ----------------------------------------------------------------

    def book(self, user_id: str, day: date) -> DayBook:
        return self.books.get((user_id, day)) or self.rules.fresh_book(user_id, day)

    def entries(self) -> list[Entry]:
        return list(self.log.values())

    def state(self) -> dict[str, Any]:
        """Everything that matters, without timestamps: for comparing two runs."""
        return {
            "books": {
                k: (b.allowance, b.charged, b.held, b.active_hold_id, b.active_kind)
                for k, b in self.books.items()
            },
            "accounts": {
                k: (a.active_hold_id, a.active_kind, a.active_day) for k, a in self.accounts.items()
            },
            "holds": {
                k: (h.status, h.minutes, h.charged, h.day, h.reason, h.session_id)
                for k, h in self.holds.items()
            },
            "log": sorted((e.user_id, e.day, e.key, e.held, e.charged) for e in self.log.values()),
        }


def _version(item: Account | DayBook | Hold | None) -> int:
    return item.version if item is not None else 0


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2031, 3, 4, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class Bus:
    """Collects what the ledger publishes; checks each event passes the wire's validation."""

    events: list[Event] = field(default_factory=list)
    fail_next: int = 0

    async def publish(self, events: Sequence[Event]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("SNS unavailable")
        for e in events:
            REGISTRY.parse(e.to_wire())
        self.events.extend(events)

    def of(self, type_: str) -> list[Any]:
        return [e for e in self.events if type_ == e.TYPE]


@dataclass
class World:
    store: MemoryStore
    clock: Clock
    bus: Bus
    handlers: LedgerHandlers

    async def deliver(self, event: Event) -> None:
        handler = self.handlers.routes()[event.TYPE]
        await handler(event, Delivery(event.id, event.group(), 1, 0))


def world(
    daily_points: int = 15,
    session_minutes: int = 15,
    zone: str = "UTC",
    beside: World | None = None,
) -> World:
    """A ledger over a fresh store; `beside`: a second ledger task sharing that one's store,
    clock and bus (with its own memory of recent books)."""
    from zoneinfo import ZoneInfo

    if beside is not None:
        keeper = Bookkeeper(beside.store, beside.store.rules, clock=beside.clock)
        return replace(beside, handlers=LedgerHandlers(keeper, beside.bus.publish))
    rules = Rules(daily_points=daily_points, session_minutes=session_minutes, zone=ZoneInfo(zone))
    store, clock, bus = MemoryStore(rules), Clock(), Bus()
    keeper = Bookkeeper(store, rules, clock=clock)
    return World(store, clock, bus, LedgerHandlers(keeper, bus.publish))


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a private loop (hypothesis examples are plain functions)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()
