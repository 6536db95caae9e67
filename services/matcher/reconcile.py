"""Nothing waits on a message that may never come: the matcher's reconciler.

Timers end sessions and expire invites. A timer can be lost (dead-lettered, a queue purged,
a process killed between a commit and its outbox), and then a session would stay live forever
and lock both people out. Every `reconcile_s` each instance looks, through two small sparse
indexes, for what is overdue by more than `overdue_grace_s` and finishes it the way the timer
would have. Decisions re-read the item strongly and go through the same conditional writes
as the timers, so instances, timers and repeats never finish anything twice. Each repair is
logged and counted (`Repairs`, runbook: "Repairs").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from typing import Any

from services.matcher import invites
from services.matcher.clock import iso
from services.matcher.context import Matcher, component_log
from services.matcher.front import places
from services.matcher.invite_items import OPEN
from services.matcher.session_items import AWAITING, LIVE
from services.matcher.sessions import end_session
from services.matcher.ttl import refresh_waiting
from services.runtime.dynamo import TransactionConflict, from_item, values
from services.runtime.logs import metric, repair
from services.wire.events.base import derive_id

log = component_log("reconcile")


async def reconcile(m: Matcher) -> int:
    """One pass; returns how many things it repaired."""
    await _count_live(m)
    repaired = await _end_overdue_sessions(m) + await _expire_overdue_invites(m)
    await _end_no_shows(m)
    await refresh_waiting(m)
    return repaired


async def _count_live(m: Matcher) -> None:
    """The on-call dashboard's "live sessions" (from the sparse index: a count, no items)."""
    kwargs: dict[str, Any] = {
        "TableName": m.tables.sessions,
        "IndexName": "live",
        "KeyConditionExpression": "liveShard = :s",
        "ExpressionAttributeValues": values(s=LIVE),
        "Select": "COUNT",
    }
    count = 0
    while True:
        resp = await m.store.db.query(**kwargs)
        count += resp.get("Count", 0)
        if "LastEvaluatedKey" not in resp:
            break
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    metric("LiveSessions", count, "Count")


_INDEXES = {
    "live": ("liveShard", "sessionId"),
    "awaiting": ("awaitingShard", "sessionId"),
    "open": ("openShard", "inviteId"),
}


async def _overdue(
    m: Matcher, table: str, index: str, shard: str, when: str, after_s: float | None = None
) -> AsyncIterator[str]:
    """Keys of the items in a sparse index whose time is before now - `after_s` (by default
    the grace a late timer gets)."""
    after_s = m.settings.overdue_grace_s if after_s is None else after_s
    cutoff = iso(m.now() - timedelta(seconds=after_s))
    hash_attr, key_attr = _INDEXES[index]
    kwargs: dict[str, Any] = {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": f"{hash_attr} = :s AND {when} < :cutoff",
        "ExpressionAttributeValues": values(s=shard, cutoff=cutoff),
    }
    while True:
        resp = await m.store.db.query(**kwargs)
        for item in resp.get("Items", []):
            yield str(from_item(item)[key_attr])
        if "LastEvaluatedKey" not in resp:
            return
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


async def _end_overdue_sessions(m: Matcher) -> int:
    repaired = 0
    async for session_id in _overdue(m, m.tables.sessions, "live", LIVE, "endsAt"):
        marker = derive_id("reconcile.session_end", session_id)
        if await end_session(m, session_id, "time_up", marker):
            repaired += 1
            repair("session_overdue", session_id=session_id)
            log.warning("session.overdue_ended", session_id=session_id)
    return repaired


async def _end_no_shows(m: Matcher) -> None:
    """A session the two have not both connected to `no_show_s` after its start ends free:
    the one who came can look for someone else at once. (Not a repair: this is how a no-show
    ends, found through the `awaiting` index rather than a timer per session.)"""
    sessions = m.tables.sessions
    after = m.settings.no_show_s
    async for session_id in _overdue(m, sessions, "awaiting", AWAITING, "startsAt", after):
        s = await m.store.session(session_id)
        if s is None or s.status != "live" or s.connected_at is not None:
            continue  # the index lags a little behind the table
        marker = derive_id("reconcile.no_show", session_id)
        # Whoever came gets their place in the queue back, in the same write as the end.
        if await end_session(m, session_id, "cancelled", marker, extra=partial(places, m)):
            metric("NoShows", 1, session_id=session_id, joined=sorted(s.in_room))
            log.info("session.no_show", session_id=session_id, joined=sorted(s.in_room))


async def _expire_overdue_invites(m: Matcher) -> int:
    repaired = 0
    async for invite_id in _overdue(m, m.tables.invites, "open", OPEN, "expiresAtIso"):
        invite = await m.store.invite(invite_id)
        if invite is None or invite.status != "pending":
            continue  # the index lags a little behind the table
        marker = derive_id("reconcile.invite_expiry", invite_id)
        try:
            if await invites.close(m, invite, "expired", marker, "expired"):
                repaired += 1
                repair("invite_overdue", invite_id=invite_id)
                log.warning("invite.overdue_expired", invite_id=invite_id)
        except TransactionConflict:
            continue  # answered meanwhile
    return repaired
