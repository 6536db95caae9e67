"""`python -m services.gateway`: serve the public API."""

from __future__ import annotations

import asyncio

from services.gateway.service import run
from services.gateway.settings import GatewaySettings
from services.runtime import service
from services.runtime.settings import load


def main() -> None:
    settings = load(GatewaySettings)

    async def serve(stop: asyncio.Event) -> None:
        await run(settings, stop)

    service.run("gateway", settings, serve)


if __name__ == "__main__":
    main()
