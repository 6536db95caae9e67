"""A consumer process that dies (as if SIGKILLed) the moment it starts one poisoned message.

Run as `python -m tests.integration.bus.crashing_consumer` with PARLEY_* settings in the env.
It consumes the ledger inbox with a short visibility timeout (what a crashed process held
comes back within seconds), records every other ticket it handles in the ledger-summaries
table of the prefix (with the receive count it came with), and on the ticket named
`poison` writes `crashing.poison` to stdout and exits with status 137, giving nothing back.
"""

from __future__ import annotations

import asyncio
import os
import sys

from services.runtime import service
from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer
from services.runtime.consumer import Delivery
from services.runtime.settings import BaseServiceSettings, load
from services.wire.events.gateway import TicketRequested
from services.wire.names import Service

VISIBILITY_S = 2


def main() -> None:
    settings = load(BaseServiceSettings)

    async def consume(stop: asyncio.Event) -> None:
        async with Aws(settings) as aws:

            async def handle(event: TicketRequested, delivery: Delivery) -> None:
                if event.ticket_id == "poison":
                    sys.stdout.write("crashing.poison\n")
                    sys.stdout.flush()
                    os._exit(137)
                await aws.dynamodb.put_item(
                    TableName=aws.table("ledger-summaries"),
                    Item={
                        "userId": {"S": event.user_id},
                        "day": {"S": event.ticket_id},
                        "receiveCount": {"N": str(delivery.receive_count)},
                    },
                )

            consumer = await inbox_consumer(
                aws,
                Service.LEDGER,
                {"ticket.requested": handle},
                visibility_timeout_s=VISIBILITY_S,
            )
            await consumer.run(stop)

    service.run("crashing-consumer", settings, consume)


if __name__ == "__main__":
    main()
