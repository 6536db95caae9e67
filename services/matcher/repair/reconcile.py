"""Nothing waits on a message that may never come: the matcher's reconciler.

Timers end sessions and expire invites. A timer can be lost (dead-lettered, a queue purged,
a process killed between a commit and its outbox), and then a session would stay live forever
and lock both people out. Every `reconcile_s` each instance looks, through two small sparse
indexes, for what is overdue by more than `overdue_grace_s` and finishes it the way the timer
would have: an invite at once, a session by asking its own message group (session_checks.py),
as its timers do. Decisions re-read the item strongly and go through the same conditional
writes as the timers, so instances, timers and repeats never finish anything twice. Each
repair is logged and counted (`Repairs`, runbook: "Repairs").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta

from services.matcher.clock import iso
from services.matcher.context import Matcher, component_log
from services.matcher.flows import invites, session_checks
from services.matcher.flows.stale_requests import close_unanswered
from services.matcher.repair.strays import repair_strays
from services.matcher.repair.sweep_lease import lease_of
from services.matcher.repair.ttl import refresh_waiting
from services.matcher.tables.invite_items import OPEN
from services.matcher.tables.session_items import AWAITING, LIVE
from services.runtime.dynamo import TransactionConflict, from_item, values
from services.runtime.logs import metric, repair
from services.runtime.shards import count_shards, query_shards
from services.wire.events.base import derive_id

log = component_log("reconcile")


async def reconcile(m: Matcher) -> int:
    """One pass; returns how many things it repaired. A stage or an item that fails is logged
    and counted (`ReconcileFailures{Stage=…}`), and the pass goes on with the rest:
    one poisoned item never keeps every other one from being finished."""
    await _stage(m, "live_count", _count_live(m))
    repaired = await _stage(m, "sessions", _end_overdue_sessions(m))
    repaired += await _stage(m, "invites", _expire_overdue_invites(m))
    await _stage(m, "no_shows", _end_no_shows(m))
    if m.settings.pool_sweep_s <= 0 or lease_of(m).holds():
        # The whole waiting set is read by the sweeping instance only (sweep_lease).
        await _stage(m, "waiting", refresh_waiting(m))
    repaired += await _stage(m, "unanswered", close_unanswered(m))
    repaired += await _stage(m, "strays", repair_strays(m))
    return repaired


async def _stage(m: Matcher, stage: str, work: Awaitable[int | None]) -> int:
    try:
        return await work or 0
    except Exception:
        _failed(stage)
        return 0


def _failed(stage: str, **ids: str) -> None:
    """The exception being handled, logged and counted; the caller carries on."""
    log.exception("reconcile.failed", stage=stage, **ids)
    metric("ReconcileFailures", 1, "Count", dims=("Stage",), Stage=stage, **ids)


async def _count_live(m: Matcher) -> None:
    """The on-call dashboard's "live sessions" (from the sparse index: a count, no items)."""
    count = await count_shards(
        m.store.db,
        LIVE,
        {
            "TableName": m.tables.sessions,
            "IndexName": "live",
            "KeyConditionExpression": "liveShard = :shard",
        },
    )
    metric("LiveSessions", count, "Count")


_INDEXES = {
    "live": ("liveShard", "sessionId", LIVE),
    "awaiting": ("awaitingShard", "sessionId", AWAITING),
    "open": ("openShard", "inviteId", OPEN),
}


async def _overdue(
    m: Matcher, table: str, index: str, when: str, after_s: float | None = None
) -> AsyncIterator[str]:
    """Keys of the items in a sparse index whose time is before now - `after_s` (by default
    the grace a late timer gets): every shard of the index, one round of queries."""
    after_s = m.settings.overdue_grace_s if after_s is None else after_s
    cutoff = iso(m.now() - timedelta(seconds=after_s))
    hash_attr, key_attr, key = _INDEXES[index]
    items = await query_shards(
        m.store.db,
        key,
        {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": f"{hash_attr} = :shard AND {when} < :cutoff",
            "ExpressionAttributeValues": values(cutoff=cutoff),
        },
    )
    for item in items:
        yield str(from_item(item)[key_attr])


async def _end_overdue_sessions(m: Matcher) -> int:
    """Sessions still live past `endsAt` and the timer's grace: their end timer was lost, or
    their group is held back. Each is asked to end in its own group (session_checks.py), which
    counts the repair once it ends; returns how many were asked."""
    asked = 0
    async for session_id in _overdue(m, m.tables.sessions, "live", "endsAt"):
        try:
            asked += await session_checks.ask_if_overdue(m, session_id)
        except Exception:
            _failed("sessions", session_id=session_id)
    return asked


async def _end_no_shows(m: Matcher) -> None:
    """A session the two have not been in together `no_show_s` after its start ends free at
    that moment: the one who came can look for someone else at once. (Not a repair: this is
    how a no-show ends, found through the `awaiting` index rather than a timer per session.)
    The sweep does not end it: joins the gateway accepted may still be queued in the session's
    group, so it asks there (session_checks.py), and the end is decided behind them, on the
    room log they make — and written only over that log."""
    async for session_id in _overdue(
        m, m.tables.sessions, "awaiting", "startsAt", m.settings.no_show_s
    ):
        try:
            await session_checks.ask_if_no_show(m, session_id)
        except Exception:
            _failed("no_shows", session_id=session_id)


async def _expire_overdue_invites(m: Matcher) -> int:
    repaired = 0
    async for invite_id in _overdue(m, m.tables.invites, "open", "expiresAtIso"):
        try:
            repaired += await _expire_invite(m, invite_id)
        except Exception:
            _failed("invites", invite_id=invite_id)
    return repaired


async def _expire_invite(m: Matcher, invite_id: str) -> int:
    invite = await m.store.invite(invite_id)
    if invite is None or invite.status != "pending":
        return 0  # the index lags a little behind the table
    marker = derive_id("reconcile.invite_expiry", invite_id)
    try:
        if not await invites.close(m, invite, "expired", marker, "expired"):
            return 0
    except TransactionConflict:
        return 0  # answered meanwhile
    repair("invite_overdue", invite_id=invite_id)
    log.warning("invite.overdue_expired", invite_id=invite_id)
    return 1
