"""Ledger values ↔ DynamoDB items (attribute names are the read-model contract's)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from services.ledger.model import (
    Account,
    ActiveKind,
    DayBook,
    Entry,
    EntryKind,
    Hold,
    HoldKind,
    HoldStatus,
)
from services.runtime.shards import ShardedKey
from services.wire.events.common import RejectReason

# Summaries outlive their day so recent days can still be shown.
SUMMARY_TTL = timedelta(days=90)
# Closed holds are kept long enough to absorb any redelivery (inbox retention is 4 days).
CLOSED_HOLD_TTL = timedelta(days=30)
# `openShard` while a hold is open: the sparse `open` index's keys, `open#<shard>` by hold id
# (`open` before they were sharded: an open hold never expires, so that key is still read).
OPEN_SHARD = ShardedKey("open#", 8, legacy=("open",))


def user_day(user_id: str, day: date) -> str:
    return f"{user_id}#{day.isoformat()}"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def epoch(at: datetime) -> int:
    return int(at.timestamp())


# -- items ↔ values ------------------------------------------------------------------------


def account_item(a: Account, now: datetime) -> dict[str, Any]:
    return {
        "userId": a.user_id,
        "activeHoldId": a.active_hold_id,
        "activeKind": a.active_kind,
        "activeDay": a.active_day.isoformat() if a.active_day else None,
        "version": a.version,
        "updatedAt": iso(now),
    }


def account(d: dict[str, Any]) -> Account:
    return Account(
        user_id=d["userId"],
        active_hold_id=d.get("activeHoldId"),
        active_kind=cast("ActiveKind | None", d.get("activeKind")),
        active_day=date.fromisoformat(d["activeDay"]) if d.get("activeDay") else None,
        version=int(d["version"]),
    )


def book_item(b: DayBook, now: datetime) -> dict[str, Any]:
    expires = datetime.combine(b.day, datetime.min.time(), tzinfo=UTC) + SUMMARY_TTL
    return {
        "userId": b.user_id,
        "day": b.day.isoformat(),
        "allowance": b.allowance,
        "charged": b.charged,
        "held": b.held,
        "activeHoldId": b.active_hold_id,
        "activeKind": b.active_kind,
        "version": b.version,
        "updatedAt": iso(now),
        "expiresAt": epoch(expires),
    }


def book(d: dict[str, Any]) -> DayBook:
    return DayBook(
        user_id=d["userId"],
        day=date.fromisoformat(d["day"]),
        allowance=int(d["allowance"]),
        charged=int(d["charged"]),
        held=int(d["held"]),
        active_hold_id=d.get("activeHoldId"),
        active_kind=cast("ActiveKind | None", d.get("activeKind")),
        version=int(d.get("version", 0)),
    )


def hold_item(h: Hold, now: datetime) -> dict[str, Any]:
    return {
        "holdId": h.hold_id,
        "userId": h.user_id,
        "kind": h.kind,
        "day": h.day.isoformat(),
        "status": h.status,
        "minutes": h.minutes,
        "charged": h.charged,
        "sessionId": h.session_id,
        "reason": h.reason,
        "requestEventId": h.request_event_id,
        "decidedAt": iso(h.decided_at) if h.decided_at else None,
        "changedBy": h.changed_by,
        "version": h.version,
        "updatedAt": iso(now),
        # Open holds never expire; closed ones only serve redeliveries.
        "expiresAt": None if h.is_open else epoch(now + CLOSED_HOLD_TTL),
        "openShard": OPEN_SHARD.of(h.hold_id) if h.is_open else None,
    }


def hold(d: dict[str, Any]) -> Hold:
    return Hold(
        hold_id=d["holdId"],
        user_id=d["userId"],
        kind=cast("HoldKind", d["kind"]),
        day=date.fromisoformat(d["day"]),
        status=cast("HoldStatus", d["status"]),
        minutes=int(d.get("minutes", 0)),
        charged=int(d.get("charged", 0)),
        session_id=d.get("sessionId"),
        reason=cast("RejectReason | None", d.get("reason")),
        request_event_id=d.get("requestEventId"),
        decided_at=parse_iso(d["decidedAt"]) if d.get("decidedAt") else None,
        changed_by=d.get("changedBy"),
        version=int(d["version"]),
    )


def entry_item(e: Entry) -> dict[str, Any]:
    return {
        "userDay": user_day(e.user_id, e.day),
        "entryKey": e.key,
        "userId": e.user_id,
        "day": e.day.isoformat(),
        "kind": e.kind,
        "holdId": e.hold_id,
        "held": e.held,
        "charged": e.charged,
        "eventId": e.event_id,
        "at": iso(e.at),
        "allowance": e.allowance,
        "chargedAfter": e.charged_after,
        "heldAfter": e.held_after,
        "sessionId": e.session_id,
    }


def entry(d: dict[str, Any]) -> Entry:
    return Entry(
        user_id=d["userId"],
        day=date.fromisoformat(d["day"]),
        kind=cast("EntryKind", d["kind"]),
        hold_id=d["holdId"],
        held=int(d["held"]),
        charged=int(d["charged"]),
        event_id=d["eventId"],
        at=parse_iso(d["at"]),
        allowance=int(d["allowance"]),
        charged_after=int(d["chargedAfter"]),
        held_after=int(d["heldAfter"]),
        session_id=d.get("sessionId"),
    )
