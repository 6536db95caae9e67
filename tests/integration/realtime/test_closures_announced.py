"""A closure the bus never carried is announced again: the gateway forgets a connection only
once its `connection.closed` is published (embedded AWS over HTTP).

If the gateway deleted the record first and the publish then failed, nothing would ever say
the tab closed: the matcher would keep it open, and a ticket its owner walked away from would
wait forever. Here the first publish of the closure fails; the record stays, its lease lapses
and the lease sweep announces the closure, once, with the id every copy of it carries.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from services.gateway.http.auth import Identity
from services.gateway.live.connections import ConnectionRecords
from services.gateway.live.leases import sweep_once
from services.gateway.live.presence import PresenceRecords
from services.gateway.live.ws_edge import Edge
from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.runtime.publisher import Publisher
from services.wire.events import Event
from services.wire.events.gateway import ConnectionClosed
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.bus.helpers import drain

TTL_S = 120


class _ClosuresFailOnce(Publisher):
    """The gateway's publisher, refusing the first `connection.closed` as SNS might."""

    def __init__(self, real: Publisher) -> None:
        super().__init__(real._sns, real.topic_arn, real.service)
        self.refused = 0

    async def publish(self, event: Event) -> None:
        if isinstance(event, ConnectionClosed) and not self.refused:
            self.refused += 1
            raise ConnectionError("SNS unreachable")
        await super().publish(event)


async def _owner(aws: Aws, connection_id: str) -> str | None:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table("gateway-connections"),
        Key={"connectionId": {"S": connection_id}},
        ConsistentRead=True,
    )
    return resp["Item"]["userId"]["S"] if "Item" in resp else None


async def _closures(aws: Aws) -> list[dict[str, Any]]:
    inbox = await drain(aws, aws.topology.inbox(Service.MATCHER).name, rounds=1)
    bodies = [json.loads(m["Body"]) for m in inbox]
    return [b for b in bodies if b["type"] == "connection.closed"]


async def test_a_closure_whose_publish_failed_is_announced_by_the_lease_sweep(
    stack: Stack, aws: Aws
) -> None:
    records = ConnectionRecords(aws.dynamodb, stack.prefix, TTL_S)
    presence = PresenceRecords(aws.dynamodb, stack.prefix, TTL_S)
    bus = _ClosuresFailOnce(publisher(aws, Service.GATEWAY))
    edge = Edge(records, presence, bus, verifier=None)  # type: ignore[arg-type]
    now = time.time()
    me = Identity(user_id="u-tab", email="u@example.com", name="U", expires_at=int(now) + 3600)
    try:
        await edge.connect("c-tab", me)
        with pytest.raises(ConnectionError):
            await edge.disconnect("c-tab")
        assert bus.refused == 1
        assert await _owner(aws, "c-tab") == "u-tab"  # not forgotten: still to be announced

        # The lease lapses (no pings from a closed tab); the sweep finds the record.
        assert await sweep_once(edge, now + TTL_S + 1) == 1
        assert await sweep_once(edge, now + TTL_S + 2) == 0  # once
    finally:
        await edge.close()

    assert await _owner(aws, "c-tab") is None
    closures = await _closures(aws)
    assert [(c["payload"]["connectionId"], c["payload"]["userId"]) for c in closures] == [
        ("c-tab", "u-tab")
    ]
    resp = await aws.dynamodb.get_item(
        TableName=aws.table("gateway-presence"), Key={"userId": {"S": "u-tab"}}
    )
    assert resp["Item"]["connections"] == {"N": "0"}  # counted out once
