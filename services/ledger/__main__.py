"""`python -m services.ledger`: consume the ledger inbox."""

from __future__ import annotations

import asyncio

from services.runtime import service
from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer
from services.runtime.settings import BaseServiceSettings, load
from services.wire.names import Service


def main() -> None:
    settings = load(BaseServiceSettings)

    async def consume(stop: asyncio.Event) -> None:
        async with Aws(settings) as aws:
            consumer = await inbox_consumer(aws, Service.LEDGER, {})
            await consumer.run(stop)

    service.run("ledger", settings, consume)


if __name__ == "__main__":
    main()
