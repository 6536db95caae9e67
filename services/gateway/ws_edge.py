"""The WebSocket edge: what happens when a browser connects, pings or goes away.

Two doors lead here and both run the same `Edge` code:
- in AWS, API Gateway's WebSocket API holds the sockets and calls `POST /ws-edge/connect`,
  `/ws-edge/disconnect` and `/ws-edge/message` (header `X-Connection-Id`, the token in the
  query on connect), each carrying the shared `X-Parley-Edge-Secret`;
- on this machine, the gateway's local edge (`realtime.py`) holds the sockets itself.

Connect: verify the ID token (the same verifier as every REST route), record the connection,
count it in the person's presence, and publish `connection.opened` so the notifier learns of
it. Disconnect undoes all three, announcing the closure first (see `Edge.disconnect`). When
the token expires the socket is told and closed (`socket_expiry.py`). A `{"type": "ping"}`
frame renews both leases and is answered with `{"type": "pong"}`; other frames are ignored.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import time
from collections import OrderedDict
from typing import Any

from aiohttp import web

from services.gateway.auth import AuthError, Identity, KeysUnavailable, TokenVerifier
from services.gateway.connections import ConnectionRecords
from services.gateway.context import GatewayContext
from services.gateway.erasure import ErasedMarkers
from services.gateway.presence import PresenceRecords
from services.gateway.problems import Problem
from services.gateway.socket_expiry import ExpiryTimers, SocketCloser, expired_message
from services.runtime.logs import Unit, get_logger, log_with_metrics
from services.runtime.publisher import Publisher
from services.wire.events.base import derive_id
from services.wire.events.gateway import ConnectionClosed, ConnectionOpened

EDGE_HEADER = "X-Parley-Edge-Secret"
CONNECTION_HEADER = "X-Connection-Id"
PONG: dict[str, Any] = {"type": "pong"}
MAX_FRAME_CHARS = 4096
# Pings renew the leases in DynamoDB at most this often per connection (a ping storm is free).
REFRESH_EVERY_S = 10.0
_CONNECTION_ID = re.compile(r"^[A-Za-z0-9+/=_-]{1,128}$")


class Edge:
    def __init__(
        self,
        connections: ConnectionRecords,
        presence: PresenceRecords,
        publisher: Publisher,
        verifier: TokenVerifier,
        *,
        max_tracked: int = 100_000,
    ) -> None:
        self.connections = connections
        self.presence = presence
        self._publisher = publisher
        self._verifier = verifier
        self._refreshed: OrderedDict[str, float] = OrderedDict()
        self._max_tracked = max_tracked
        self.refresh_every_s = REFRESH_EVERY_S
        # Who closes a socket whose token expired: the local edge, or API Gateway's API.
        self.closer: SocketCloser | None = None
        self.expiries = ExpiryTimers(self.expire)
        # Deleted accounts, whose remaining tokens open no socket.
        self.erased: ErasedMarkers | None = None
        self._log = get_logger(component="edge")

    @classmethod
    def from_context(cls, c: GatewayContext) -> Edge:
        s = c.settings
        edge = cls(
            ConnectionRecords(c.aws.dynamodb, s.name_prefix, s.connection_ttl_s),
            PresenceRecords(c.aws.dynamodb, s.name_prefix, s.connection_ttl_s),
            c.publisher,
            c.verifier,
        )
        edge.erased = c.erased
        return edge

    async def identify(self, token: str | None) -> Identity:
        """The person behind a connect's token; a 401 (or 503) problem otherwise."""
        if not token:
            raise Problem(401, "unauthorized", "sign in first: no token")
        try:
            me = await self._verifier.verify(token)
        except KeysUnavailable:
            raise Problem(
                503, "unavailable", "sign-in cannot be checked right now", {"Retry-After": "5"}
            ) from None
        except AuthError as exc:
            raise Problem(401, "unauthorized", exc.detail) from None
        if me.expires_at <= time.time():
            # Within the verifier's clock leeway, but a socket would expire at once: a browser
            # still holding it would reconnect in a loop instead of refreshing first.
            raise Problem(401, "unauthorized", "token expired")
        if self.erased is not None and await self.erased.erased(me.user_id):
            raise Problem(401, "account-deleted", "this account was deleted")
        return me

    async def connect(self, connection_id: str, me: Identity) -> None:
        now = time.time()
        await asyncio.gather(
            self.connections.put(connection_id, me.user_id, now, me.expires_at),
            self.presence.connected(me.user_id, me.name, now),
        )
        await self._publisher.publish(
            ConnectionOpened(
                id=derive_id(ConnectionOpened.TYPE, connection_id),
                connection_id=connection_id,
                user_id=me.user_id,
            )
        )
        self._refreshed[connection_id] = now
        self._forget_oldest()
        self.expiries.watch(connection_id, me.expires_at)
        log_with_metrics(
            self._log,
            "edge.connected",
            {"ConnectionsOpened": (1, "Count")},
            connection_id=connection_id,
            user_id=me.user_id,
        )

    async def disconnect(self, connection_id: str) -> str | None:
        """Undo a connect (once); whose connection it was, or None if it was unknown.

        The closure is on the bus before the record goes: a record is what the lease sweep
        finds, so if the publish fails the record stays, its lease lapses and the sweep runs
        this again. The matcher never keeps a tab open that the gateway has forgotten. Two
        tasks closing one connection at once both publish (one id: one event for everyone);
        the delete decides which of them counts it in presence.
        """
        self._refreshed.pop(connection_id, None)
        self.expiries.forget(connection_id)
        user_id = await self.connections.owner(connection_id)
        if user_id is None:
            return None
        await self._publisher.publish(
            ConnectionClosed(
                id=derive_id(ConnectionClosed.TYPE, connection_id),
                connection_id=connection_id,
                user_id=user_id,
            )
        )
        if await self.connections.delete(connection_id) is None:
            return None  # another task closed it meanwhile
        await self.presence.disconnected(user_id, time.time())
        log_with_metrics(
            self._log,
            "edge.disconnected",
            {"ConnectionsClosed": (1, "Count")},
            connection_id=connection_id,
            user_id=user_id,
        )
        return user_id

    async def frame(self, connection_id: str, text: str) -> dict[str, Any] | None:
        """A frame from the browser; the answer to send back, if any."""
        if len(text) > MAX_FRAME_CHARS:
            return None
        try:
            message = json.loads(text)
        except ValueError:
            return None
        if not isinstance(message, dict) or message.get("type") != "ping":
            return None
        now = time.time()
        if now - self._refreshed.get(connection_id, float("-inf")) >= self.refresh_every_s:
            self._refreshed[connection_id] = now
            self._refreshed.move_to_end(connection_id)
            self._forget_oldest()
            try:
                lease = await self.connections.refresh(connection_id, now)
            except Exception:
                # The lease has time to spare and the next ping tries again: keep the socket.
                self._log.warning("edge.refresh_failed", connection_id=connection_id, exc_info=True)
                return PONG
            if lease is not None:
                user_id, token_expires_at = lease
                if token_expires_at is not None and token_expires_at <= now:
                    # Opened through another process that is gone (its timer with it).
                    await self.expire(connection_id, token_expires_at)
                    return None
                try:
                    await self.presence.refreshed(user_id, now)
                except Exception:
                    self._log.warning(
                        "edge.refresh_failed", connection_id=connection_id, exc_info=True
                    )
        return PONG

    async def expire(self, connection_id: str, expires_at: float) -> None:
        """The token this socket opened with has expired: tell the browser, close, disconnect."""
        log = self._log.bind(connection_id=connection_id)
        if self.closer is not None:
            try:
                await self.closer(connection_id, expired_message(expires_at))
            except Exception:
                log.warning("edge.expire_close_failed", exc_info=True)
        user_id: str | None = None
        try:
            user_id = await self.disconnect(connection_id)
        except Exception:
            # The record's lease runs out by itself; the notifier drops the id on its next 410.
            log.error("edge.expire_disconnect_failed", exc_info=True)
        metrics: dict[str, tuple[float, Unit]] = {"SocketsExpired": (1, "Count")}
        log_with_metrics(log, "edge.token_expired", metrics, user_id=user_id)

    async def close(self) -> None:
        """Stop the expiry timers (on shutdown)."""
        await self.expiries.close()

    def _forget_oldest(self) -> None:
        while len(self._refreshed) > self._max_tracked:
            self._refreshed.popitem(last=False)


# ---- API Gateway's integration: POST /ws-edge/{connect,disconnect,message} ------------------


def _local_port(request: web.Request) -> int | None:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if isinstance(sockname, tuple) and len(sockname) >= 2 else None


def _from_the_edge(request: web.Request, c: GatewayContext) -> bool:
    """Came the way only API Gateway can: the edge port, or (without one) the shared secret."""
    s = c.settings
    if s.edge_port:
        return _local_port(request) == s.edge_port
    given = request.headers.get(EDGE_HEADER, "")
    return bool(s.edge_secret) and hmac.compare_digest(given.encode(), s.edge_secret.encode())


def _edge_call(request: web.Request, c: GatewayContext) -> str:
    """The connection id of a genuine call from API Gateway (403 for anyone else)."""
    if not _from_the_edge(request, c):
        raise Problem(403, "forbidden", "only the WebSocket edge may call this")
    connection_id = request.headers.get(CONNECTION_HEADER, "")
    if not _CONNECTION_ID.match(connection_id):
        raise Problem(400, "bad-request", f"{CONNECTION_HEADER} is missing or malformed")
    return connection_id


async def edge_connect(request: web.Request, edge: Edge, c: GatewayContext) -> web.Response:
    connection_id = _edge_call(request, c)
    me = await edge.identify(request.query.get("token"))
    await edge.connect(connection_id, me)
    return web.json_response({})


async def edge_disconnect(request: web.Request, edge: Edge, c: GatewayContext) -> web.Response:
    await edge.disconnect(_edge_call(request, c))
    return web.json_response({})


async def edge_message(request: web.Request, edge: Edge, c: GatewayContext) -> web.Response:
    connection_id = _edge_call(request, c)
    answer = await edge.frame(connection_id, await request.text())
    # API Gateway's route response sends this body back to the browser.
    return web.json_response(answer) if answer else web.Response(status=204)
