"""Connection leases are written at most once a minute and spread over shards; the sweep
still finds every lapsed one, in any shard and under the one key records had before.

Every renewal moves a record within the `byLease` index (its sort key is `expiresAt`), so a
renewal on every ping from every socket all on one key was the hottest partition of the
system. Pings now renew a lease only once it is a minute old, whichever gateway task takes
them, and `leaseShard` is one of sixteen values.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from services.gateway.live.connections import LEASE, LEASE_SHARDS, ConnectionRecords
from services.gateway.live.presence_sizing import PING_S
from services.gateway.settings import GatewaySettings
from services.runtime.aws import Aws
from tests.conftest import Stack
from tests.integration.realtime.helpers import (
    People,
    eventually,
    gateway_settings,
    running_gateway,
)

TTL_S = GatewaySettings.model_fields["connection_ttl_s"].default


async def _item(aws: Aws, connection_id: str) -> Any:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table("gateway-connections"),
        Key={"connectionId": {"S": connection_id}},
        ConsistentRead=True,
    )
    return resp.get("Item")


async def test_a_ping_storm_through_two_tasks_writes_the_lease_at_most_once_a_minute(
    stack: Stack, aws: Aws
) -> None:
    one = ConnectionRecords(aws.dynamodb, stack.prefix, TTL_S)
    two = ConnectionRecords(aws.dynamodb, stack.prefix, TTL_S)  # another gateway task
    start = float(int(time.time()))
    await one.put("storm", "ana", start, token_expires_at=start + 3600)

    written: list[int] = []
    for second in range(0, 181, 2):  # a ping every 2 s for 3 minutes, alternating tasks
        records = one if second % 4 else two
        assert await records.refresh("storm", start + second) == ("ana", start + 3600)
        expires = int((await _item(aws, "storm"))["expiresAt"]["N"])
        if expires != (written[-1] if written else int(start) + TTL_S):
            written.append(expires)
    # Renewed at 60, 120 and 180 s: three writes, not ninety.
    assert written == [int(start) + s + TTL_S for s in (60, 120, 180)]
    # A record that is gone is still reported gone.
    assert await two.refresh("no-such-connection", start) is None


async def test_a_socket_pinging_as_the_spa_does_never_lapses_and_a_silent_one_lapses_in_its_lease(
    stack: Stack, aws: Aws
) -> None:
    records = ConnectionRecords(aws.dynamodb, stack.prefix, TTL_S)
    start = float(int(time.time()))
    await records.put("alive", "bo", start, token_expires_at=start + 7200)
    last_ping = start
    for n in range(1, 25):  # ten minutes of pings, one of them lost
        if n == 7:
            continue
        last_ping = start + n * PING_S
        lease = int((await _item(aws, "alive"))["expiresAt"]["N"])
        assert lease > last_ping, "the lease lapsed between a renewal and the next ping"
        await records.refresh("alive", last_ping)
        # Even if the next ping is lost, the one after it finds the lease alive.
        assert int((await _item(aws, "alive"))["expiresAt"]["N"]) > last_ping + 2 * PING_S
        assert "alive" not in await records.lapsed(last_ping + PING_S)
    # The socket dies without a word: its lease lapses at most `TTL_S` after its last ping.
    assert "alive" in await records.lapsed(last_ping + TTL_S + 1)


async def test_lapsed_leases_in_every_shard_and_under_the_old_key_are_swept(
    stack: Stack, aws: Aws, people: People
) -> None:
    settings = gateway_settings(stack, people.pool, lease_sweep_s=0.3)
    records = ConnectionRecords(aws.dynamodb, settings.name_prefix, settings.connection_ttl_s)
    long_ago = time.time() - 10 * settings.connection_ttl_s
    # One lapsed lease in each shard (the first id of many that lands there).
    by_shard = {LEASE.of(c): c for c in reversed([f"Lapsed{i:03d}" for i in range(200)])}
    assert len(by_shard) == LEASE_SHARDS
    ids = list(by_shard.values())
    for connection_id in ids:
        await records.put(connection_id, people.id("alice"), long_ago, time.time() + 3600)
        assert (await _item(aws, connection_id))["leaseShard"]["S"] == LEASE.of(connection_id)
    # A record written before the leases were sharded: the one key "0", whatever its id.
    old = next(c for c in (f"Old{i}" for i in range(100)) if LEASE.of(c) != "0")
    await records.put(old, people.id("alice"), long_ago, time.time() + 3600)
    await aws.dynamodb.update_item(
        TableName=aws.table("gateway-connections"),
        Key={"connectionId": {"S": old}},
        UpdateExpression="SET leaseShard = :zero",
        ExpressionAttributeValues={":zero": {"S": "0"}},
    )
    fresh = "StillAlive"
    await records.put(fresh, people.id("bob"), time.time(), time.time() + 3600)

    async with running_gateway(settings):

        async def all_swept() -> bool:
            left = await asyncio.gather(*(_item(aws, c) for c in [*ids, old]))
            return all(item is None for item in left)

        await eventually(all_swept, 30)
    assert await _item(aws, fresh) is not None
