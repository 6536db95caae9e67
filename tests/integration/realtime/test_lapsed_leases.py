"""A connection whose disconnect never came is closed when its lease lapses.

The edge that held it was killed (or API Gateway's `$disconnect` was lost): its record stays,
the person stays online and, for the matcher, connected — so a ticket they walked away from
is never cancelled. The gateway's lease sweep runs the usual disconnect for such records,
once, and leaves alone the sockets it still holds (their own heartbeat decides).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from services.gateway.live.connections import ConnectionRecords
from services.gateway.live.presence import PresenceRecords
from services.runtime.aws import Aws
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.bus.helpers import drain
from tests.integration.realtime.helpers import (
    People,
    eventually,
    gateway_settings,
    running_gateway,
)

DEAD = "DeAdEdGeS0ck3t="


async def _item(aws: Aws, table: str, key: str, value: str) -> Any:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table(table), Key={key: {"S": value}}, ConsistentRead=True
    )
    return resp.get("Item")


async def test_a_connection_left_by_a_killed_edge_is_closed_once_its_lease_lapses(
    stack: Stack, aws: Aws, people: People
) -> None:
    settings = gateway_settings(stack, people.pool, lease_sweep_s=0.3)
    alice = people.id("alice")
    records = ConnectionRecords(aws.dynamodb, settings.name_prefix, settings.connection_ttl_s)
    presence = PresenceRecords(aws.dynamodb, settings.name_prefix, settings.connection_ttl_s)
    # What a killed edge leaves: a record and a presence count, last renewed long ago.
    long_ago = time.time() - 10 * settings.connection_ttl_s
    await records.put(DEAD, alice, long_ago, token_expires_at=time.time() + 3600)
    await presence.connected(alice, "alice", long_ago)
    await drain(aws, aws.topology.inbox(Service.NOTIFIER).name, rounds=1)

    async with running_gateway(settings) as gw:
        # A live tab of bob's, whose record also looks lapsed: this process holds the socket.
        tab = await gw.tab(people.token("bob"))
        (live,) = gw.realtime.sockets
        await aws.dynamodb.update_item(
            TableName=aws.table("gateway-connections"),
            Key={"connectionId": {"S": live}},
            UpdateExpression="SET expiresAt = :past",
            ExpressionAttributeValues={":past": {"N": str(int(long_ago))}},
        )

        async def closed() -> bool:
            return await _item(aws, "gateway-connections", "connectionId", DEAD) is None

        await eventually(closed, 10)
        await asyncio.sleep(1.0)  # a few more sweeps
        assert await _item(aws, "gateway-connections", "connectionId", live) is not None
        assert live in gw.realtime.sockets
        await tab.close()

    gone = await _item(aws, "gateway-presence", "userId", alice)
    assert gone is not None
    assert gone["connections"] == {"N": "0"}
    inbox = await drain(aws, aws.topology.inbox(Service.NOTIFIER).name, rounds=1)
    closes = [
        json.loads(m["Body"])["payload"]
        for m in inbox
        if json.loads(m["Body"])["type"] == "connection.closed"
    ]
    assert {"connectionId": DEAD, "userId": alice} in [
        {k: c[k] for k in ("connectionId", "userId")} for c in closes
    ]
    # Closed once, though the sweep ran many times.
    assert [c["connectionId"] for c in closes].count(DEAD) == 1
