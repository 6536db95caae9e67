"""The sockets the gateway's local WebSocket edge holds, shared by the browser's side
(`realtime`) and the notifier's side (`connections_api`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from services.gateway.context import GatewayContext
from services.gateway.live.ws_edge import Edge

# How long a post waits for a socket whose connect has run but whose upgrade is not answered.
UPGRADE_WAIT_S = 5.0


@dataclass
class LocalSocket:
    ws: web.WebSocketResponse
    user_id: str
    source_ip: str
    user_agent: str
    connected_at: float = field(default_factory=time.time)
    last_active_at: float = field(default_factory=time.time)
    recorded: bool = False  # the connect has run: record, presence, connection.opened
    # Set once the upgrade is answered: a post that comes before waits for it.
    upgraded: asyncio.Event = field(default_factory=asyncio.Event)

    async def ready(self) -> bool:
        """Whether the socket is open for posts; connected but its upgrade not yet answered
        (a moment), it waits for the answer rather than lose the post."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.upgraded.wait(), UPGRADE_WAIT_S)
        return self.upgraded.is_set() and not self.ws.closed


@dataclass
class Realtime:
    """What the real-time routes share in one gateway process."""

    edge: Edge | None = None
    sockets: dict[str, LocalSocket] = field(default_factory=dict)
    handlers: set[asyncio.Task[Any]] = field(default_factory=set)
    closing: set[asyncio.Future[Any]] = field(default_factory=set)  # disconnects under way

    def edge_for(self, c: GatewayContext) -> Edge:
        if self.edge is None:
            self.edge = Edge.from_context(c)
        return self.edge


REALTIME = web.AppKey("realtime", Realtime)
