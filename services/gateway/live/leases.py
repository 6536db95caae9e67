"""Connections whose lease lapsed are disconnected, as their disconnect would have.

A connection's record carries a lease that pings renew (`connection_ttl_s`). When a
disconnect never comes — the local edge was killed with its sockets, API Gateway's
`$disconnect` was lost — the person stays "connected" for the matcher (whose abandon rule
then never cancels their waiting ticket) and online in presence. Every `lease_sweep_s` each
gateway task looks for lapsed leases and runs the usual disconnect: `connection.closed` is
published, the record goes, presence counts one connection fewer. The record's delete
decides which task counts it, so with many tasks each lapsed connection closes once.

This is also how a closure the matcher missed is announced again: the disconnect publishes
before it deletes, so a record outlives every closure that did not make it onto the bus (a
publish that failed, a task killed between the two) and the sweep retries it once its lease
has lapsed. One connection failing to close never holds back the others.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Collection
from typing import Protocol

from services.runtime.logs import get_logger, repair


class Disconnects(Protocol):
    async def lapsed(self, now: float, limit: int = 100) -> list[str]: ...


class Edge(Protocol):
    @property
    def connections(self) -> Disconnects: ...

    async def disconnect(self, connection_id: str) -> str | None: ...


async def sweep_once(edge: Edge, now: float, held: Collection[str] = ()) -> int:
    """Disconnect every lapsed connection but those this process still holds open (their
    socket's own heartbeat decides); how many this call closed."""
    closed = 0
    for connection_id in await edge.connections.lapsed(now):
        if connection_id in held:
            continue
        try:
            user_id = await edge.disconnect(connection_id)
        except Exception:
            # Its record stays: the next sweep tries again.
            get_logger(component="leases").warning(
                "leases.disconnect_failed", connection_id=connection_id, exc_info=True
            )
            continue
        if user_id is not None:
            closed += 1
    if closed:
        repair("connection_lapsed", closed)
    return closed


async def sweep_forever(
    edge: Edge,
    period_s: float,
    held: Callable[[], Collection[str]] = tuple,
    clock: Callable[[], float] = time.time,
) -> None:
    log = get_logger(component="leases")
    while True:
        # Tasks wake a little apart, so they rarely reach for the same records at once.
        await asyncio.sleep(period_s * random.uniform(0.8, 1.2))
        try:
            await sweep_once(edge, clock(), held())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("leases.sweep_failed")
