"""Sockets expire with their tokens.

A WebSocket is authenticated once, when it opens; without this it would keep receiving a
person's messages long after their ID token expired (or after they signed out). The edge
watches each connection's token expiry: when it passes, the server pushes
`{"type": "auth.expired", "expiredAt"}` and closes the socket. The SPA, which refreshes its
tokens ahead of expiry, then reconnects at once with the fresh one.

- Locally the gateway holds the socket: the close carries code 4001.
- In AWS API Gateway holds it: the gateway posts the message and calls `DeleteConnection`
  on the `@connections` API (no close code of ours reaches the browser; the message does),
  and API Gateway's `$disconnect` then runs the usual disconnect.

`ExpiryTimers` is the in-memory schedule (one timer per connection this process opened); the
connection record's `tokenExpiresAt` lets any process catch an expired connection on its
next ping when the one that opened it has gone.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from botocore.exceptions import ClientError

from services.gateway.live.connections import iso

EXPIRED_TYPE = "auth.expired"
CLOSE_TOKEN_EXPIRED = 4001


def expired_message(expires_at: float) -> dict[str, Any]:
    return {"type": EXPIRED_TYPE, "expiredAt": iso(expires_at)}


class SocketCloser(Protocol):
    async def __call__(
        self,
        connection_id: str,
        message: dict[str, Any],
        code: int = CLOSE_TOKEN_EXPIRED,
        reason: str = "token expired",
    ) -> None:
        """Push `message` to the connection, then close it (quietly if it is already gone).
        `code` and `reason` reach the browser where the gateway holds the socket itself."""


class ExpiryTimers:
    """Calls `on_expiry(connection_id, expires_at)` when a connection's token expires (unless
    forgotten first)."""

    def __init__(self, on_expiry: Callable[[str, float], Coroutine[Any, Any, None]]) -> None:
        self._on_expiry = on_expiry
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._timers)

    def watch(self, connection_id: str, expires_at: float) -> None:
        self.forget(connection_id)
        delay = max(0.0, expires_at - time.time())
        loop = asyncio.get_running_loop()
        self._timers[connection_id] = loop.call_later(delay, self._fire, connection_id, expires_at)

    def forget(self, connection_id: str) -> None:
        timer = self._timers.pop(connection_id, None)
        if timer is not None:
            timer.cancel()

    def _fire(self, connection_id: str, expires_at: float) -> None:
        self._timers.pop(connection_id, None)
        task = asyncio.get_running_loop().create_task(self._on_expiry(connection_id, expires_at))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def close(self) -> None:
        """Cancel every timer and wait (briefly) for expiries under way."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._running:
            await asyncio.wait(set(self._running), timeout=5.0)


class ApiGatewayCloser:
    """Expires connections held by API Gateway, through its `@connections` API."""

    def __init__(self, client: Any) -> None:
        self._api = client  # an aioboto3 `apigatewaymanagementapi` client

    async def __call__(
        self,
        connection_id: str,
        message: dict[str, Any],
        code: int = CLOSE_TOKEN_EXPIRED,
        reason: str = "token expired",
    ) -> None:
        # API Gateway closes with its own code: the message is what tells the browser why.
        try:
            await self._api.post_to_connection(
                ConnectionId=connection_id, Data=json.dumps(message).encode()
            )
            await self._api.delete_connection(ConnectionId=connection_id)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "GoneException":
                raise
