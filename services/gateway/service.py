"""The gateway as a reusable entry: serve until `stop` is set, then drain and close.

Used by `python -m services.gateway` and by tests (as a task, or as a subprocess).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.gateway.app import create_app
from services.gateway.http.auth import TokenVerifier
from services.gateway.settings import GatewaySettings
from services.runtime.logs import get_logger


class PortBusy(SystemExit):
    """The HTTP port is taken: a clear message and a non-zero exit, not a traceback."""


async def run(
    settings: GatewaySettings,
    stop: asyncio.Event,
    *,
    verifier: TokenVerifier | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    log = get_logger()
    runner = web.AppRunner(create_app(settings, verifier), access_log=None)
    await runner.setup()
    ports = [settings.http_port] + ([settings.edge_port] if settings.edge_port else [])
    for port in ports:  # the edge port answers API Gateway's /ws-edge/* (ws_edge.py)
        try:
            site = web.TCPSite(
                runner,
                settings.http_host,
                port,
                shutdown_timeout=settings.http_shutdown_timeout_s,
            )
            await site.start()
        except OSError as exc:
            log.error("gateway.port_busy", port=port, error=str(exc))
            await runner.cleanup()
            raise PortBusy(f"parley gateway: cannot listen on port {port}: {exc}") from None
    log.info("gateway.listening", host=settings.http_host, ports=ports)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        # Stops accepting, lets in-flight requests finish (up to the timeout), closes clients.
        await runner.cleanup()
        log.info("gateway.stopped")
