"""The stale-hold check reads open holds from every shard of the sparse `open` index, and
holds opened before the key was sharded (`open`): an open hold never expires, so one left
from before a deploy must still be asked about."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.ledger import codec
from services.ledger.model import Hold, HoldStatus
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item
from tests.conftest import Stack
from tests.integration.ledger.helpers import store


async def test_open_holds_are_found_in_every_shard_and_under_the_old_key(
    stack: Stack, aws: Aws
) -> None:
    holds = store(aws, stack)
    table = aws.table("ledger-holds")
    now = datetime.now(UTC)
    decided = now - timedelta(hours=1)
    by_shard: dict[str, str] = {}
    for i in range(500):
        by_shard.setdefault(codec.OPEN_SHARD.of(f"h-{i}"), f"h-{i}")
    assert len(by_shard) == codec.OPEN_SHARD.shards

    def held(hold_id: str, status: HoldStatus = "held") -> Hold:
        return Hold(hold_id, "ana", "ticket", date.today(), status, 15, decided_at=decided)

    for hold_id in by_shard.values():
        item = codec.hold_item(held(hold_id), now)
        assert item["openShard"] == codec.OPEN_SHARD.of(hold_id)
        await aws.dynamodb.put_item(TableName=table, Item=to_item(item))
    old = codec.hold_item(held("h-old"), now) | {"openShard": "open"}  # before the shards
    await aws.dynamodb.put_item(TableName=table, Item=to_item(old))
    settled = codec.hold_item(held("h-settled", "settled"), now)  # closed: not in the index
    await aws.dynamodb.put_item(TableName=table, Item=to_item(settled))
    recent = Hold("h-recent", "bo", "ticket", date.today(), "held", 15, decided_at=now)
    await aws.dynamodb.put_item(TableName=table, Item=to_item(codec.hold_item(recent, now)))

    found = {h.hold_id async for h in holds.open_holds(decided_before=now - timedelta(minutes=1))}
    assert found == {*by_shard.values(), "h-old"}
