"""Sparse index keys that would take one value are spread over shards by the item's id.

Each writer's key is checked on the items it really writes (pure entry builders), so a key
that drifted back to one value shows here, not only as a hot partition in production.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.ledger import codec
from services.ledger.model import Hold
from services.matcher.core.rules import SessionPlan
from services.matcher.tables.invite_items import invite_opened
from services.matcher.tables.items import Tables, person_to, ticket_requested
from services.matcher.tables.records import Person
from services.matcher.tables.session_items import session_start
from services.runtime.dynamo import from_item
from services.runtime.shards import ShardedKey, shard_of
from services.wire.events.common import Participant, Profile

T = Tables.for_prefix("t")
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
IDS = [f"id-{i:03d}" for i in range(200)]


def _item(entry: dict[str, Any]) -> dict[str, Any]:
    body = entry.get("Put") or entry["Update"]
    if "Item" in body:
        return from_item(body["Item"])
    return from_item(body["ExpressionAttributeValues"])


def _live(session_id: str) -> dict[str, Any]:
    plan = SessionPlan(
        session_id=session_id,
        participants=(
            Participant(user_id="ana", hold_id="h-ana", minutes=15),
            Participant(user_id="bo", hold_id="h-bo", minutes=15),
        ),
        starts_at=NOW,
        ends_at=NOW + timedelta(minutes=15),
        media_mode="direct",
        origin="match",
    )
    return _item(session_start(T, plan, history_days=90)[0])


def _hold(hold_id: str) -> dict[str, Any]:
    held = Hold(hold_id, "ana", "ticket", date(2026, 12, 7), "held", minutes=15, decided_at=NOW)
    return codec.hold_item(held, NOW)


WRITERS = {
    "ledger-holds.open": (_hold, "openShard", "open#", 8),
    "matcher-sessions.live": (_live, "liveShard", "live#", 8),
    "matcher-sessions.awaiting": (_live, "awaitingShard", "awaiting#", 8),
    "matcher-invites.open": (
        lambda i: _item(invite_opened(T, i, "ana", "bo", Profile(name="Ana"), 15, NOW, NOW)),
        "openShard",
        "open#",
        8,
    ),
    "matcher-tickets.requested": (
        lambda i: _item(ticket_requested(T, i, "ana", (), (), "any", NOW)),
        "requestedShard",
        "requested#",
        8,
    ),
    "matcher-people.busy": (
        lambda i: _item(person_to(T, Person(i), "waiting", NOW, ticket_id="t")),
        ":busyState",
        "waiting#",
        4,
    ),
}


@pytest.mark.parametrize("index", sorted(WRITERS))
def test_each_sparse_index_is_written_over_all_its_shards_by_the_items_id(index: str) -> None:
    build, attr, prefix, shards = WRITERS[index]
    keys = {i: build(i)[attr] for i in IDS}
    assert set(keys.values()) == {f"{prefix}{n}" for n in range(shards)}
    # Stable: the same item is always written under the same key.
    assert all(build(i)[attr] == key for i, key in list(keys.items())[:20])


def test_a_shard_is_the_same_everywhere_and_readers_also_read_the_old_values() -> None:
    key = ShardedKey("live#", 8, legacy=("live", "live#3"))
    assert key.of("s-1") == f"live#{shard_of('s-1', 8)}" == key.of("s-1")
    assert key.all_keys() == (*(f"live#{n}" for n in range(8)), "live")
    # Connection leases: "0".."15", the old single value "0" among them.
    assert ShardedKey("", 16).all_keys()[0] == "0"
    # Spread: no shard takes much more than its share of many ids.
    counts = [0] * 8
    for i in range(8000):
        counts[shard_of(f"hold-{i}", 8)] += 1
    assert max(counts) < 1.1 * 1000
