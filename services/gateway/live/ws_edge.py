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
Both doors apply the same limits (`edge_limits.py`): frames per connection (rate and size),
sockets and connects per person.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from services.gateway.context import GatewayContext
from services.gateway.http.auth import AuthError, Identity, KeysUnavailable, TokenVerifier
from services.gateway.http.edge_limits import (
    CLOSE_POLICY,
    EdgeLimits,
    FrameGate,
    Reason,
    SocketCounts,
    limited_message,
)
from services.gateway.http.problems import Problem
from services.gateway.http.ratelimit import retry_after_header
from services.gateway.http.shared_limits import SharedLimiter
from services.gateway.live.connections import ConnectionRecords
from services.gateway.live.presence import PresenceRecords
from services.gateway.live.socket_expiry import ExpiryTimers, SocketCloser, expired_message
from services.gateway.people.erasure import ErasedMarkers
from services.gateway.safety.gate import SafetyGate
from services.runtime.logs import Unit, emf, get_logger, log_with_metrics
from services.runtime.publisher import Publisher
from services.wire.events.base import derive_id
from services.wire.events.gateway import ConnectionClosed, ConnectionOpened

EDGE_HEADER = "X-Parley-Edge-Secret"
CONNECTION_HEADER = "X-Connection-Id"
PONG: dict[str, Any] = {"type": "pong"}
# Pings renew the leases in DynamoDB at most this often per connection (a ping storm is free).
REFRESH_EVERY_S = 10.0
_CONNECTION_ID = re.compile(r"^[A-Za-z0-9+/=_-]{1,128}$")


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class Edge:
    def __init__(
        self,
        connections: ConnectionRecords,
        presence: PresenceRecords,
        publisher: Publisher,
        verifier: TokenVerifier,
        *,
        max_tracked: int = 100_000,
        limits: EdgeLimits | None = None,
        limiter: SharedLimiter | None = None,
        sockets: SocketCounts | None = None,
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
        # Banned people open no socket either (safety.py).
        self.safety: SafetyGate | None = None
        self.limits = limits or EdgeLimits()
        self.frames = FrameGate(self.limits, max_tracked=max_tracked)
        self._limiter = limiter  # the shared `connect` rule; None: no connect limit
        self._sockets = sockets  # counts a person's sockets; None: no cap
        # The local edge is one process holding every socket: it counts a person's sockets
        # itself, exactly, and a killed edge's leftover records (their sockets died with it)
        # never lock anyone out while their leases run down. Behind API Gateway the records
        # are the only common view, and they stay true when a gateway task dies.
        self.holds_sockets = False
        self._held: dict[str, set[str]] = {}  # person → connections open through this edge
        self._holder: dict[str, str] = {}  # and back
        self._limited: OrderedDict[str, None] = OrderedDict()  # being closed for a limit
        self._turns: dict[str, _Turn] = {}
        self._log = get_logger(component="edge")

    @classmethod
    def from_context(cls, c: GatewayContext) -> Edge:
        s = c.settings
        edge = cls(
            ConnectionRecords(c.aws.dynamodb, s.name_prefix, s.connection_ttl_s),
            PresenceRecords(c.aws.dynamodb, s.name_prefix, s.connection_ttl_s),
            c.publisher,
            c.verifier,
            limits=EdgeLimits(
                frames_per_s=s.ws_frames_per_s,
                frame_burst=s.ws_frame_burst,
                max_frame_chars=s.ws_max_frame_chars,
                sockets_per_person=s.ws_sockets_per_person,
            ),
            limiter=c.limiter,
            sockets=SocketCounts(c.aws.dynamodb, s.name_prefix),
        )
        edge.erased = c.erased
        edge.safety = c.safety
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
        if self.safety is not None:
            await self.safety.admit(me, "openWebSocket", datetime.now(UTC))
        return me

    async def open(self, connection_id: str, me: Identity) -> None:
        """Admit a new connection and connect it; a problem (429 `rate-limited`, 409
        `too-many-sockets`) when the person is past a limit, and nothing is recorded."""
        async with self._one_at_a_time(me.user_id):
            await self._admit(me)
            await self.connect(connection_id, me)

    async def _admit(self, me: Identity) -> None:
        if self._limiter is not None:
            wait = await self._limiter.take("connect", me.user_id)
            if wait > 0:
                self._refused(me.user_id, "too_many_connects")
                raise Problem(
                    429,
                    "rate-limited",
                    "too many connections opened: try again later",
                    {"Retry-After": retry_after_header(wait)},
                )
        if self._sockets is not None:
            cap = self.limits.sockets_per_person
            if self.holds_sockets:
                held = len(self._held.get(me.user_id, ()))
            else:
                held = await self._sockets.open_for(me.user_id, time.time(), cap)
            if held >= cap:
                self._refused(me.user_id, "too_many_sockets")
                raise Problem(
                    409,
                    "too-many-sockets",
                    f"at most {cap} connections per person are open at once: close another tab",
                )

    def _refused(self, user_id: str, reason: str) -> None:
        self._log.warning(
            "edge.connect_refused",
            **emf({"EdgeLimited": (1, "Count")}, reason=reason),
            user_id=user_id,
        )

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, user_id: str) -> AsyncIterator[None]:
        """A person's connects through this task run one after another, so two tabs opening at
        once cannot both take the last place. Across tasks the count is read from an index
        that lags by a moment: a burst of connects may pass the cap by a few, and the connect
        rule bounds the burst."""
        turn = self._turns.setdefault(user_id, _Turn())
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[user_id]

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
        if self.holds_sockets:
            self._held.setdefault(me.user_id, set()).add(connection_id)
            self._holder[connection_id] = me.user_id
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
        self.frames.forget(connection_id)
        self._unhold(connection_id)
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

    async def admit_frame(self, connection_id: str, size: int, user_id: str | None = None) -> bool:
        """Whether a frame of `size` may be handled; a connection past its frame limits is
        closed (once) and nothing more from it is handled."""
        if connection_id in self._limited:
            return False
        breach = self.frames.check(connection_id, size)
        if breach is None:
            return True
        await self.limit(connection_id, breach, user_id)
        return False

    async def frame(
        self, connection_id: str, text: str, user_id: str | None = None
    ) -> dict[str, Any] | None:
        """A frame from the browser; the answer to send back, if any."""
        if not await self.admit_frame(connection_id, len(text), user_id):
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

    async def limit(self, connection_id: str, reason: Reason, user_id: str | None = None) -> None:
        """Close a connection that broke a frame limit (once per connection), logged and
        counted (`EdgeLimited`): 1008 locally, `DeleteConnection` behind API Gateway."""
        if connection_id in self._limited:
            return
        self._limited[connection_id] = None
        while len(self._limited) > self._max_tracked:
            self._limited.popitem(last=False)
        self.frames.forget(connection_id)
        if user_id is None:
            # Behind API Gateway a frame names only its connection: say whose it was.
            with contextlib.suppress(Exception):
                user_id = await self.connections.owner(connection_id)
        log = self._log.bind(connection_id=connection_id, user_id=user_id)
        log.warning("edge.limited", **emf({"EdgeLimited": (1, "Count")}, reason=reason))
        if self.closer is None:
            # Its frames go unanswered; API Gateway's idle timeout or the lease ends it.
            log.warning("edge.limited_not_closed", hint="PARLEY_CONNECTIONS_ENDPOINT_URL")
            return
        try:
            await self.closer(
                connection_id, limited_message(reason), CLOSE_POLICY, reason.replace("_", " ")
            )
        except Exception:
            log.warning("edge.limit_close_failed", exc_info=True)

    async def expire(self, connection_id: str, expires_at: float) -> None:
        """The token this socket opened with has expired: tell the browser, close, disconnect."""
        log = self._log.bind(connection_id=connection_id)
        self._unhold(connection_id)  # its tab reconnects at once: not refused for this one
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

    def _unhold(self, connection_id: str) -> None:
        user_id = self._holder.pop(connection_id, None)
        held = self._held.get(user_id or "")
        if held is not None:
            held.discard(connection_id)
            if not held:
                del self._held[user_id or ""]

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
    # A refusal (409/429) makes API Gateway refuse the upgrade: no socket, no $disconnect.
    await edge.open(connection_id, me)
    return web.json_response({})


async def edge_disconnect(request: web.Request, edge: Edge, c: GatewayContext) -> web.Response:
    await edge.disconnect(_edge_call(request, c))
    return web.json_response({})


async def edge_message(request: web.Request, edge: Edge, c: GatewayContext) -> web.Response:
    connection_id = _edge_call(request, c)
    # A frame past the limits is answered 204 and its connection deleted (`Edge.limit`).
    answer = await edge.frame(connection_id, await request.text())
    # API Gateway's route response sends this body back to the browser.
    return web.json_response(answer) if answer else web.Response(status=204)
