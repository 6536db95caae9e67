"""`python -m services.gateway`: serve the public API."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from services.runtime import service
from services.runtime.logs import get_logger
from services.runtime.settings import load


def main() -> None:
    settings = load(GatewaySettings)

    async def serve(stop: asyncio.Event) -> None:
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.http_host, settings.http_port)
            await site.start()
        except OSError as exc:
            get_logger().error("gateway.port_busy", port=settings.http_port, error=str(exc))
            await runner.cleanup()
            port = settings.http_port
            raise SystemExit(f"parley gateway: cannot listen on port {port}: {exc}") from None
        get_logger().info("gateway.listening", host=settings.http_host, port=settings.http_port)
        await stop.wait()
        await runner.cleanup()

    service.run("gateway", settings, serve)


if __name__ == "__main__":
    main()
