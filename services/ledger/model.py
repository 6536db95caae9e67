"""The ledger's state, as plain values: a person's account, their books per day, holds, entries.

- `Account` — one per person: the single open hold (one thing at a time), whatever its day.
- `DayBook` — one per person and day: allowance, charged, held (the `ledger-summaries` item).
- `Hold` — one per ticket, invite or accepted invite: held → in_session → settled, or
  released; `rejected` when it was never funded, `void` when it was closed before it was asked.
- `Entry` — one line of the append-only log; its key is the idempotency key of one change.

Every stored value carries a `version`; 0 means "not stored yet". Writers bump it and make the
write conditional on the version they read, so two changes for one person never interleave.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from services.wire.events.common import RejectReason

HoldKind = Literal["ticket", "invite", "accept"]
ActiveKind = Literal["ticket", "invite", "accept", "session"]
HoldStatus = Literal["held", "in_session", "settled", "released", "rejected", "void"]
EntryKind = Literal["hold", "start", "release", "settle"]

_UTC = ZoneInfo("UTC")
OPEN: frozenset[str] = frozenset({"held", "in_session"})


class Conflict(Exception):
    """Someone changed this person's points since the snapshot: read again and decide again."""


@dataclass(frozen=True)
class Rules:
    """The settings the arithmetic depends on."""

    daily_points: int = 15
    session_minutes: int = 15
    zone: ZoneInfo = _UTC

    def day_of(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def resets_at(self, day: date) -> datetime:
        """The next midnight after `day` in the day's time zone (as an aware datetime)."""
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)

    def fresh_book(self, user_id: str, day: date) -> DayBook:
        return DayBook(user_id=user_id, day=day, allowance=self.daily_points)


@dataclass(frozen=True)
class Account:
    user_id: str
    active_hold_id: str | None = None
    active_kind: ActiveKind | None = None
    active_day: date | None = None
    version: int = 0

    def holding(self, hold_id: str) -> bool:
        return self.active_hold_id == hold_id

    def cleared(self) -> Account:
        return replace(self, active_hold_id=None, active_kind=None, active_day=None)


@dataclass(frozen=True)
class DayBook:
    user_id: str
    day: date
    allowance: int
    charged: int = 0
    held: int = 0
    active_hold_id: str | None = None
    active_kind: ActiveKind | None = None
    version: int = 0

    @property
    def left(self) -> int:
        return self.allowance - self.charged - self.held

    def cleared(self, hold_id: str) -> DayBook:
        """Drop the active marker if it points at `hold_id` (a hold from another day may not)."""
        if self.active_hold_id != hold_id:
            return self
        return replace(self, active_hold_id=None, active_kind=None)


@dataclass(frozen=True)
class Hold:
    hold_id: str
    user_id: str
    kind: HoldKind
    day: date
    status: HoldStatus
    minutes: int = 0
    charged: int = 0
    session_id: str | None = None
    reason: RejectReason | None = None
    # The request that decided it (funded or rejected): its redelivery republishes the outcome.
    request_event_id: str | None = None
    decided_at: datetime | None = None
    # The event that last moved it (start, release, settle, or the tombstone).
    changed_by: str | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class Entry:
    """One change to a day's book. `held`/`charged` are deltas; the `*_after` fields snapshot the
    book once applied, so a redelivered input republishes exactly what it published first."""

    user_id: str
    day: date
    kind: EntryKind
    hold_id: str
    held: int
    charged: int
    event_id: str
    at: datetime
    allowance: int
    charged_after: int
    held_after: int
    session_id: str | None = None

    @property
    def key(self) -> str:
        return entry_key(self.kind, self.hold_id)

    @property
    def left_after(self) -> int:
        return self.allowance - self.charged_after - self.held_after


def entry_key(kind: EntryKind, hold_id: str) -> str:
    return f"{kind}#{hold_id}"


@dataclass(frozen=True)
class Snapshot:
    """What a decision needs: the person's account, the hold (if any) and the book it lives in
    (the hold's day, or today for a hold not yet placed)."""

    account: Account
    book: DayBook
    hold: Hold | None


@dataclass(frozen=True)
class Change:
    """New states to write together, each conditional on the version it was read at."""

    hold: Hold
    account: Account
    account_changed: bool
    book: DayBook | None = None
    entry: Entry | None = None

    def bumped(self) -> Change:
        """The same change with every written item's version moved on by one."""
        return replace(
            self,
            hold=replace(self.hold, version=self.hold.version + 1),
            account=(
                replace(self.account, version=self.account.version + 1)
                if self.account_changed
                else self.account
            ),
            book=replace(self.book, version=self.book.version + 1) if self.book else None,
        )
