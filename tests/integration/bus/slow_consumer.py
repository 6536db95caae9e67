"""A consumer process whose handler takes a while: lets a test send it SIGTERM mid-work.

Run as `python -m tests.integration.bus.slow_consumer` with PARLEY_* settings in the env.
The handler records each ticket it finished in the ledger-summaries table of the prefix.
"""

from __future__ import annotations

import asyncio
import os

from services.runtime import service
from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer
from services.runtime.consumer import Delivery
from services.runtime.logs import get_logger
from services.runtime.settings import BaseServiceSettings, load
from services.wire.events.gateway import TicketRequested
from services.wire.names import Service

HANDLER_SECONDS = float(os.environ.get("SLOW_HANDLER_S", "2"))


def main() -> None:
    settings = load(BaseServiceSettings)

    async def consume(stop: asyncio.Event) -> None:
        async with Aws(settings) as aws:

            async def slow(event: TicketRequested, delivery: Delivery) -> None:
                get_logger().info("slow.started", ticket_id=event.ticket_id)
                await asyncio.sleep(HANDLER_SECONDS)
                await aws.dynamodb.put_item(
                    TableName=aws.table("ledger-summaries"),
                    Item={"userId": {"S": event.user_id}, "day": {"S": event.ticket_id}},
                )
                get_logger().info("slow.finished", ticket_id=event.ticket_id)

            consumer = await inbox_consumer(aws, Service.LEDGER, {"ticket.requested": slow})
            await consumer.run(stop)

    service.run("slow-consumer", settings, consume)


if __name__ == "__main__":
    main()
