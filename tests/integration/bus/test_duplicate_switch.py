"""The chaos run's duplicate switch: every message reaches its handler twice, once deleted."""

from __future__ import annotations

import asyncio

from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer, publisher
from services.runtime.consumer import Delivery
from services.wire.events.gateway import TicketRequested
from services.wire.names import Service
from tests.integration.bus.helpers import eventually, queue_depth


async def test_duplicate_switch_hands_each_message_to_its_handler_twice(aws: Aws) -> None:
    calls: list[tuple[str, int]] = []

    async def handle(event: TicketRequested, delivery: Delivery) -> None:
        calls.append((event.ticket_id, delivery.receive_count))

    consumer = await inbox_consumer(
        aws, Service.LEDGER, {"ticket.requested": handle}, duplicate_delivery=True
    )
    task = asyncio.create_task(consumer.run())
    pub = publisher(aws, Service.GATEWAY)
    await pub.publish(TicketRequested(ticket_id="t-1", user_id="u1"))
    await pub.publish(TicketRequested(ticket_id="t-2", user_id="u2"))
    await eventually(lambda: len(calls) >= 4, 20)
    consumer.stop()
    await asyncio.wait_for(task, 20)

    assert sorted(calls) == [("t-1", 1), ("t-1", 2), ("t-2", 1), ("t-2", 2)]
    assert consumer.handled == 2
    assert await queue_depth(aws, aws.topology.inbox(Service.LEDGER).name) == 0
