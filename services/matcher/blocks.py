"""Blocks and reports: either one keeps the pair apart, both ways, from the next pairing on."""

from __future__ import annotations

from services.matcher.context import Matcher, component_log
from services.matcher.session_items import pair_blocked
from services.runtime.dynamo import transact
from services.runtime.logs import metric
from services.wire.events.gateway import UserBlocked, UserReported

log = component_log("blocks")


async def block(m: Matcher, user: str, other: str, why: str) -> None:
    if user == other:
        return
    now = m.now()
    # Setting a flag is idempotent: a repeat writes the same rows.
    await transact(
        m.store.db,
        [pair_blocked(m.tables, user, other, now), pair_blocked(m.tables, other, user, now)],
    )
    metric("PairsBlocked", 1, why=why)
    log.info("pair.blocked", user_id=user, other_user_id=other, why=why)


async def on_blocked(m: Matcher, event: UserBlocked) -> None:
    await block(m, event.user_id, event.blocked_user_id, "blocked")


async def on_reported(m: Matcher, event: UserReported) -> None:
    await block(m, event.user_id, event.reported_user_id, f"reported:{event.reason}")
