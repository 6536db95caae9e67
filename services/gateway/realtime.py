"""Real-time routes: the local WebSocket edge, the API Gateway integration, presence."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Mount the real-time routes on the gateway's app."""
