"""The points rules, pure: given what is stored, decide what changes. No I/O, no clock.

Balance for a day = allowance - charged - held. A hold takes min(left, session minutes) and is
the person's one open thing until it is released (cancel, decline, expiry, refusal) or settled
(session end: the started minutes used are charged, the rest goes back). Each change is one
`Entry` plus the new states of the hold, the day's book and the account.

Each decision is one of:
- `Apply` — write this change (then announce it);
- `Replay` — this very event already decided it (a redelivery): announce it again;
- `Skip` — nothing to do (duplicate from another cause, stale or out-of-place input).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from services.ledger.model import (
    Account,
    Change,
    DayBook,
    Entry,
    EntryKind,
    Hold,
    HoldKind,
    Rules,
    Snapshot,
)
from services.wire.events.common import RejectReason

_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Apply:
    change: Change


@dataclass(frozen=True)
class Replay:
    hold: Hold
    # The log entry whose points.changed to publish again (None: nothing about points).
    entry_kind: EntryKind | None


@dataclass(frozen=True)
class Skip:
    why: str


Decision = Apply | Replay | Skip


def minutes_used(started_at: datetime, ended_at: datetime, cap: int, counts: bool = True) -> int:
    """Started minutes: ceil((ended - started) / 1 min), at least 1 once a session counts,
    never more than `cap`."""
    if not counts or cap <= 0:
        return 0
    elapsed = max(timedelta(0), ended_at - started_at)
    started = -(-elapsed // _MINUTE)  # ceil on exact integer microseconds
    return min(cap, max(1, started))


def charged_span(minutes: int, ended_at: datetime) -> tuple[datetime, bool]:
    """The (start, counts) that make `minutes_used(start, ended_at, cap, counts)` come out at
    exactly `minutes` (for any cap ≥ it): how a charge the matcher already worked out —
    `session.ended`'s `minutesUsed`, the minutes both were in the room together — goes
    through the same settling as a charge from a start and an end."""
    return ended_at - minutes * _MINUTE, minutes > 0


def refusal(account: Account, book: DayBook) -> RejectReason | None:
    if account.active_hold_id is not None:
        return "in_session" if account.active_kind == "session" else "already_waiting"
    if book.left <= 0:
        return "no_points"
    return None


def place(
    snap: Snapshot,
    *,
    hold_id: str,
    user_id: str,
    kind: HoldKind,
    event_id: str,
    now: datetime,
    rules: Rules,
) -> Decision:
    """Fund a ticket, an invite or an accepted invite; `snap.book` is today's."""
    if snap.hold is not None:
        return _replay_request(snap.hold)
    book, account = snap.book, snap.account
    fresh = Hold(
        hold_id=hold_id,
        user_id=user_id,
        kind=kind,
        day=book.day,
        status="rejected",
        request_event_id=event_id,
        decided_at=now,
        changed_by=event_id,
    )
    reason = refusal(account, book)
    if reason is not None:
        # Only the decision is stored (so a redelivery repeats it); the account is checked
        # unchanged so the refusal is not based on a state another change just replaced.
        return Apply(
            Change(
                hold=replace(fresh, reason=reason), account=account, account_changed=False
            ).bumped()
        )
    minutes = min(book.left, rules.session_minutes)
    hold = replace(fresh, status="held", minutes=minutes)
    new_book = replace(book, held=book.held + minutes, active_hold_id=hold_id, active_kind=kind)
    new_account = replace(account, active_hold_id=hold_id, active_kind=kind, active_day=book.day)
    entry = _entry(new_book, "hold", hold, held=minutes, charged=0, event_id=event_id, at=now)
    return Apply(
        Change(
            hold=hold, account=new_account, account_changed=True, book=new_book, entry=entry
        ).bumped()
    )


def _replay_request(hold: Hold) -> Decision:
    if hold.request_event_id is None:
        return Skip("tombstone")  # closed before it was asked: neither hold nor fund
    # The same request again, or another one for the same hold id: the same answer, which
    # carries the ids derived from the request that decided it.
    return Replay(hold, "hold" if hold.minutes > 0 else None)


def release(
    snap: Snapshot, *, hold_id: str, user_id: str, kind: HoldKind, event_id: str, now: datetime
) -> Decision:
    """Give a hold's points back. A hold not placed yet leaves a tombstone instead."""
    hold, book, account = snap.hold, snap.book, snap.account
    if hold is None:
        tomb = Hold(
            hold_id=hold_id,
            user_id=user_id,
            kind=kind,
            day=book.day,
            status="void",
            changed_by=event_id,
        )
        return Apply(Change(hold=tomb, account=account, account_changed=False).bumped())
    if hold.status == "held":
        closed = replace(hold, status="released", changed_by=event_id)
        return Apply(_close(snap, closed, "release", charged=0, event_id=event_id, now=now))
    if hold.status == "in_session":
        return Skip("in_session")  # the session's end settles it
    if hold.changed_by == event_id and hold.status == "released":
        return Replay(hold, "release")
    return Skip(f"already_{hold.status}")


def lapse(snap: Snapshot, *, hold_id: str, event_id: str, now: datetime) -> Decision:
    """A hold from a past day that nothing closed: give it back whatever it funded. (A
    session's end that turns up later finds it released and charges nothing.)"""
    hold = snap.hold
    if hold is None:
        return Skip("unknown_hold")
    if hold.is_open:
        closed = replace(hold, status="released", changed_by=event_id)
        return Apply(_close(snap, closed, "release", charged=0, event_id=event_id, now=now))
    if hold.changed_by == event_id and hold.status == "released":
        return Replay(hold, "release")
    return Skip(f"already_{hold.status}")


def start(
    snap: Snapshot, *, hold_id: str, session_id: str, event_id: str, now: datetime
) -> Decision:
    """A held hold now funds a live session: still held, but the person is talking."""
    hold, book, account = snap.hold, snap.book, snap.account
    if hold is None:
        return Skip("unknown_hold")
    if hold.status != "held":
        same = hold.session_id == session_id and hold.changed_by == event_id
        return Replay(hold, None) if same else Skip(f"already_{hold.status}")
    live = replace(hold, status="in_session", session_id=session_id, changed_by=event_id)
    new_book = book
    if book.active_hold_id == hold_id:
        new_book = replace(book, active_kind="session")
    changed = account.holding(hold_id)
    new_account = replace(account, active_kind="session") if changed else account
    entry = _entry(new_book, "start", live, held=0, charged=0, event_id=event_id, at=now)
    return Apply(
        Change(
            hold=live, account=new_account, account_changed=changed, book=new_book, entry=entry
        ).bumped()
    )


def settle(
    snap: Snapshot,
    *,
    hold_id: str,
    session_id: str,
    started_at: datetime,
    ended_at: datetime,
    cap: int,
    counts: bool,
    event_id: str,
    now: datetime,
) -> Decision:
    """Session over: charge the started minutes used (≤ the hold, ≤ `cap`), release the rest."""
    hold = snap.hold
    if hold is None:
        return Skip("unknown_hold")
    if hold.is_open and hold.session_id not in (None, session_id):
        return Skip("other_session")  # this hold funds another session; that one settles it
    if hold.is_open:
        charge = minutes_used(started_at, ended_at, min(cap, hold.minutes), counts)
        done = replace(
            hold, status="settled", charged=charge, session_id=session_id, changed_by=event_id
        )
        return Apply(_close(snap, done, "settle", charged=charge, event_id=event_id, now=now))
    if hold.status == "settled" and hold.changed_by == event_id:
        return Replay(hold, "settle")
    return Skip(f"already_{hold.status}")


def _close(
    snap: Snapshot, hold: Hold, kind: EntryKind, *, charged: int, event_id: str, now: datetime
) -> Change:
    book, account = snap.book, snap.account
    new_book = replace(
        book.cleared(hold.hold_id), held=book.held - hold.minutes, charged=book.charged + charged
    )
    changed = account.holding(hold.hold_id)
    new_account = account.cleared() if changed else account
    entry = _entry(
        new_book, kind, hold, held=-hold.minutes, charged=charged, event_id=event_id, at=now
    )
    return Change(
        hold=hold, account=new_account, account_changed=changed, book=new_book, entry=entry
    ).bumped()


def _entry(
    after: DayBook,
    kind: EntryKind,
    hold: Hold,
    *,
    held: int,
    charged: int,
    event_id: str,
    at: datetime,
) -> Entry:
    return Entry(
        user_id=after.user_id,
        day=after.day,
        kind=kind,
        hold_id=hold.hold_id,
        held=held,
        charged=charged,
        event_id=event_id,
        at=at,
        allowance=after.allowance,
        charged_after=after.charged,
        held_after=after.held,
        session_id=hold.session_id,
    )


def fold(entries: Iterable[Entry]) -> dict[tuple[str, date], tuple[int, int]]:
    """(user, day) → (charged, held), recomputed from the log alone: the summaries must agree."""
    out: dict[tuple[str, date], tuple[int, int]] = {}
    for e in entries:
        charged, held = out.get((e.user_id, e.day), (0, 0))
        out[(e.user_id, e.day)] = (charged + e.charged, held + e.held)
    return out
