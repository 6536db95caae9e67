"""The matcher's session writes as TransactWriteItems entries: the session, each person's
history row, and the pairs table (blocks, and who talked to whom today). Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.matcher.clock import epoch, iso
from services.matcher.core.rules import SessionPlan
from services.matcher.tables.items import Entry, Tables, aliases, assign, update_entry
from services.runtime.dynamo import to_item, values
from services.runtime.shards import ShardedKey

# `liveShard` while a session is live, `awaitingShard` until the two have been in the room
# together: the sparse `live` and `awaiting` indexes' keys, `live#<shard>` / `awaiting#<shard>`
# by session id (`live` / `awaiting` before they were sharded). Every write to a live session
# (a join, a mark in its room log) rewrites its entries, so one key would be one hot partition.
LIVE = ShardedKey("live#", 8, legacy=("live",))
AWAITING = ShardedKey("awaiting#", 8, legacy=("awaiting",))


# Sessions, and each person's history row.
def history_key(user_id: str, plan_start: datetime, session_id: str) -> dict[str, str]:
    return {"userId": user_id, "startedAt": f"{iso(plan_start)}#{session_id}"}


def session_start(t: Tables, plan: SessionPlan, history_days: int) -> list[Entry]:
    p = plan.participants
    item = {
        "sessionId": plan.session_id,
        "status": "live",
        "liveShard": LIVE.of(plan.session_id),
        "awaitingShard": AWAITING.of(plan.session_id),
        "participants": [
            {"userId": x.user_id, "holdId": x.hold_id, "minutes": x.minutes} for x in p
        ],
        "userIds": [x.user_id for x in p],
        "startsAt": iso(plan.starts_at),
        "endsAt": iso(plan.ends_at),
        "minutes": plan.length,
        "mediaMode": plan.media_mode,
        "room": plan.room,
        "origin": plan.origin,
        "inviteId": plan.invite_id,
        "ticketIds": list(plan.ticket_ids) or None,
        "limitedBy": list(plan.limited_by) or None,
        "expiresAt": epoch(plan.starts_at + timedelta(days=history_days)),
    }
    entries: list[Entry] = [
        {
            "Put": {
                "TableName": t.sessions,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(sessionId)",
            }
        }
    ]
    for me, other in ((p[0], p[1]), (p[1], p[0])):
        row = history_key(me.user_id, plan.starts_at, plan.session_id) | {
            "sessionId": plan.session_id,
            "partnerId": other.user_id,
            "startsAt": iso(plan.starts_at),
            "endsAt": iso(plan.ends_at),
            "origin": plan.origin,
            "expiresAt": epoch(plan.starts_at + timedelta(days=history_days)),
        }
        entries.append({"Put": {"TableName": t.history, "Item": to_item(row)}})
    return entries


def log_unchanged(size: int) -> tuple[str, dict[str, Any]]:
    """A condition that holds while the session's room log still has the `size` marks it was
    read with (marks are only ever added, so the same count is the same log)."""
    if size == 0:
        return "attribute_not_exists(roomLog)", {}
    return "size(roomLog) = :logSize", values(logSize=size)


def session_end(
    t: Tables,
    session_id: str,
    user_ids: tuple[str, ...],
    starts_at: datetime,
    ended_at: datetime,
    reason: str,
    minutes: int,
    stopped_by: str | None,
    *,
    connected_at: datetime | None = None,
    log_size: int = 0,
) -> list[Entry]:
    """The end, written only over the room log it was decided on (`log_size` marks)."""
    fields: dict[str, Any] = {"status": "ended", "endedAt": iso(ended_at), "reason": reason}
    fields |= {"minutesUsed": minutes} | ({"stoppedBy": stopped_by} if stopped_by else {})
    if connected_at is not None:
        fields["connectedAt"] = iso(connected_at)
    removes = "liveShard, awaitingShard" + ("" if connected_at else ", connectedAt")
    unchanged, log_values = log_unchanged(log_size)
    entries = [
        update_entry(
            t.sessions,
            {"sessionId": session_id},
            f"SET {assign(fields)} REMOVE {removes}",
            f"#status = :live AND {unchanged}",
            values(**fields, live="live") | log_values,
            aliases(fields),
        )
    ]
    for user in user_ids:
        entries.append(
            update_entry(
                t.history,
                history_key(user, starts_at, session_id),
                "SET endedAt = :e, minutes = :m, reason = :r",
                "attribute_exists(userId)",
                values(e=iso(ended_at), m=minutes, r=reason),
            )
        )
    return entries


# Pairs: blocks (forever) and who talked to whom today.
def pair_met(
    t: Tables, user: str, other: str, day: str, until: datetime, *, first_today: bool
) -> Entry:
    cond = "attribute_not_exists(blocked)"
    vals = values(day=day, exp=epoch(until))
    if first_today:
        cond += " AND (attribute_not_exists(metDay) OR metDay <> :day)"
    return update_entry(
        t.pairs,
        {"userId": user, "otherUserId": other},
        "SET metDay = :day, expiresAt = :exp",
        cond,
        vals,
    )


def pair_blocked(t: Tables, user: str, other: str, now: datetime, by: str) -> Entry:
    # No TTL on a block: it lasts until everyone who set it lifts it (`blockedBy`).
    return update_entry(
        t.pairs,
        {"userId": user, "otherUserId": other},
        "SET blocked = :yes, blockedAt = :now ADD blockedBy :by REMOVE expiresAt",
        None,
        values(yes=True, now=iso(now), by={by}),
    )
