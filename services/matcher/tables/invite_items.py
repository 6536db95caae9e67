"""The matcher's invite writes as TransactWriteItems entries:
pending → accepted | declined | expired | cancelled (and invites that never opened). Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.matcher.clock import epoch, iso
from services.matcher.tables.items import Entry, Tables, aliases, assign, update_entry
from services.runtime.dynamo import to_item, values
from services.runtime.shards import ShardedKey
from services.wire.events.common import Profile

# `openShard` while an invite is pending: the sparse `open` index's keys, `open#<shard>` by
# invite id (`open` before they were sharded).
OPEN = ShardedKey("open#", 8, legacy=("open",))


# Invites: pending → accepted | declined | expired | cancelled.
def invite_opened(
    t: Tables,
    invite_id: str,
    from_user: str,
    to_user: str,
    profile: Profile,
    minutes: int,
    deadline: datetime,
    now: datetime,
) -> Entry:
    item = {
        "inviteId": invite_id,
        "fromUserId": from_user,
        "toUserId": to_user,
        "status": "pending",
        "openShard": OPEN.of(invite_id),
        "fromProfile": profile.model_dump(mode="json"),
        "minutes": minutes,
        "expiresAtIso": iso(deadline),
        "createdAt": iso(now),
        "expiresAt": epoch(deadline + timedelta(days=1)),
    }
    return {
        "Put": {
            "TableName": t.invites,
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(inviteId)",
        }
    }


def invite_recorded(
    t: Tables,
    invite_id: str,
    from_user: str,
    to_user: str,
    status: str,
    reason: str,
    now: datetime,
) -> Entry:
    """An invite that never opened (refused, or withdrawn before the ledger funded it)."""
    item = {
        "inviteId": invite_id,
        "fromUserId": from_user,
        "toUserId": to_user or None,
        "status": status,
        "reason": reason,
        "createdAt": iso(now),
        "expiresAt": epoch(now + timedelta(days=1)),
    }
    return {
        "Put": {
            "TableName": t.invites,
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(inviteId)",
        }
    }


def invite_closed(
    t: Tables,
    invite_id: str,
    was: str,
    status: str,
    now: datetime,
    *,
    reason: str | None = None,
    session_id: str | None = None,
    to_user: str | None = None,
) -> Entry:
    fields: dict[str, Any] = {"status": status, "closedAt": iso(now)}
    fields |= {"reason": reason} if reason else {}
    fields |= {"sessionId": session_id} if session_id else {}
    fields |= {"toUserId": to_user} if to_user else {}
    return update_entry(
        t.invites,
        {"inviteId": invite_id},
        f"SET {assign(fields)} REMOVE openShard",
        "#status = :was",
        values(**fields, was=was),
        aliases(fields),
    )
