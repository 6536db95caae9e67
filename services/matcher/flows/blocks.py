"""Blocks and reports: either one keeps the pair apart, both ways, from the next pairing on,
until everyone who set it lifts it (a block of mine never lifts yours)."""

from __future__ import annotations

from typing import Any

from services.matcher.context import Matcher, component_log
from services.matcher.tables.session_items import pair_blocked
from services.runtime.dynamo import is_condition_failure, to_item, transact, values
from services.runtime.logs import metric
from services.wire.events.gateway import UserBlocked, UserReported, UserUnblocked

log = component_log("blocks")


async def block(m: Matcher, user: str, other: str, why: str) -> None:
    if user == other:
        return
    now = m.now()
    # Setting a flag is idempotent: a repeat writes the same rows.
    await transact(
        m.store.db,
        [
            pair_blocked(m.tables, user, other, now, by=user),
            pair_blocked(m.tables, other, user, now, by=user),
        ],
    )
    metric("PairsBlocked", 1, why=why)
    log.info("pair.blocked", user_id=user, other_user_id=other, why=why)


async def on_blocked(m: Matcher, event: UserBlocked) -> None:
    await block(m, event.user_id, event.blocked_user_id, "blocked")


async def on_reported(m: Matcher, event: UserReported) -> None:
    await block(m, event.user_id, event.reported_user_id, f"reported:{event.reason}")


async def on_unblocked(m: Matcher, event: UserUnblocked) -> None:
    """Lift `user_id`'s block on both rows; the pair is free again once nobody blocks."""
    user, other = event.user_id, event.unblocked_user_id
    for me, them in ((user, other), (other, user)):
        key = to_item({"userId": me, "otherUserId": them})
        if not await _update_if(m, key, "DELETE blockedBy :by", "attribute_exists(userId)", user):
            continue  # no row: nothing was blocked
        # Cleared only when nobody else's block remains (a DELETE that empties a set removes it).
        await _update_if(
            m, key, "REMOVE blocked, blockedAt", "attribute_not_exists(blockedBy)", None
        )
    log.info("pair.unblocked", user_id=user, other_user_id=other)


async def _update_if(
    m: Matcher, key: dict[str, Any], update: str, condition: str, by: str | None
) -> bool:
    kwargs: dict[str, Any] = {"ExpressionAttributeValues": values(by={by})} if by else {}
    try:
        await m.store.db.update_item(
            TableName=m.tables.pairs,
            Key=key,
            UpdateExpression=update,
            ConditionExpression=condition,
            **kwargs,
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True
