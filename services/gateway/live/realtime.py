"""Real-time routes: presence, API Gateway's integration, and the local WebSocket edge.

In AWS an API Gateway WebSocket API holds the browsers' sockets; the notifier posts to them
through its `@connections` API. On this machine the gateway plays that part itself, so the
notifier's code is the same in both places and only its endpoint setting differs:
- `GET /v1/ws?token=<ID token>` accepts a socket after the token verifies (401 problem+json
  before the upgrade otherwise) and runs the same connect/disconnect code as API Gateway's
  `$connect`/`$disconnect` (the upgrade is answered once the connect has run, as API
  Gateway answers it once `$connect` has), with the same limits (`edge_limits.py`): a
  connect refused for a limit is upgraded and closed at once with a close code a browser
  can read (4409, 4429), and every frame the socket sends (pings included, control frames
  too) is counted;
- `POST|GET|DELETE /@connections/{id}` (`connections_api.py`) answers in the wire format of boto3's
  `apigatewaymanagementapi` client (a 410 `GoneException` for a connection that is not open),
  only to callers on this machine (loopback).
The local edge serves while no `PARLEY_EDGE_SECRET` is set, i.e. while API Gateway is not the
edge.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import functools
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aioboto3
from aiohttp import WebSocketError, WSCloseCode, WSMsgType, web

from services.gateway import api
from services.gateway.context import CTX, GatewayContext
from services.gateway.http.auth import Identity
from services.gateway.http.edge_limits import CLOSE_CODES
from services.gateway.http.problems import Problem
from services.gateway.live import leases
from services.gateway.live.connections_api import (
    delete_connection,
    get_connection,
    post_to_connection,
)
from services.gateway.live.local_sockets import REALTIME, LocalSocket, Realtime
from services.gateway.live.presence import list_presence
from services.gateway.live.socket_expiry import CLOSE_TOKEN_EXPIRED, ApiGatewayCloser
from services.gateway.live.ws_edge import Edge, edge_connect, edge_disconnect, edge_message
from services.runtime.logs import get_logger

# A character takes at most 4 bytes: a frame past this is past the character cap too, and is
# refused unread (aiohttp closes with 1009) instead of read whole into memory.
_BYTES_PER_CHAR = 4
_CLOSE_WAIT_S = 5.0


def _parts(request: web.Request) -> tuple[Realtime, Edge, GatewayContext]:
    rt, c = request.app[REALTIME], request.app[CTX]
    return rt, rt.edge_for(c), c


def new_connection_id() -> str:
    # Shaped like API Gateway's (base64, 16 characters, often ending in "="), URL-safe.
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


# ---- the local edge: the browser's side ----------------------------------------------------


async def websocket(request: web.Request) -> web.StreamResponse:
    rt, edge, c = _parts(request)
    if c.settings.behind_api_gateway:
        raise Problem(404, "not-found", "WebSockets are served by API Gateway here")
    me = await edge.identify(request.query.get("token"))
    ws = web.WebSocketResponse(
        heartbeat=c.settings.ws_heartbeat_s,
        max_msg_size=_BYTES_PER_CHAR * edge.limits.max_frame_chars,
        autoping=False,  # control-frame pings count against the frame limit too
    )
    if not ws.can_prepare(request).ok:
        raise Problem(400, "bad-request", "expected a WebSocket upgrade")
    connection_id = new_connection_id()
    log = get_logger(component="local_edge", connection_id=connection_id, user_id=me.user_id)
    task = asyncio.current_task()
    if task is not None:
        rt.handlers.add(task)
    # Open for posts before `connection.opened` is published: the notifier may post at once
    # (a post waits for the upgrade below).
    sock = LocalSocket(ws, me.user_id, request.remote or "", request.headers.get("User-Agent", ""))
    rt.sockets[connection_id] = sock
    try:
        # As API Gateway does: the browser's upgrade is answered only once `$connect` has run,
        # so a socket the browser sees open is already counted in presence.
        refusal = await _connect(edge, connection_id, me, log)
        await ws.prepare(request)
        sock.upgraded.set()
        if refusal is not None:
            # Past a limit: a close code the browser can read (a refused upgrade has none).
            await ws.close(code=refusal[0], message=refusal[1])
            return ws
        sock.recorded = True
        async for msg in ws:
            sock.last_active_at = time.time()
            await _received(edge, ws, connection_id, sock.user_id, msg)
    finally:
        rt.sockets.pop(connection_id, None)
        if task is not None:
            rt.handlers.discard(task)
        # Its own task: aiohttp may cancel this handler while the server stops, and the
        # disconnect must still happen (`_going_away` waits for it).
        closing = asyncio.ensure_future(edge.disconnect(connection_id))
        rt.closing.add(closing)
        closing.add_done_callback(lambda t: _closed(rt, t, log))
        await asyncio.shield(closing)
    return ws


async def _connect(
    edge: Edge, connection_id: str, me: Identity, log: Any
) -> tuple[int, bytes] | None:
    """Run the connect; the close code and reason to answer with when it was refused."""
    try:
        await edge.open(connection_id, me)
    except Problem as refused:
        code = CLOSE_CODES.get(refused.code, int(WSCloseCode.TRY_AGAIN_LATER))
        return code, refused.code.encode()
    except Exception:
        log.exception("local_edge.connect_failed")
        return int(WSCloseCode.TRY_AGAIN_LATER), b"try again"
    return None


async def _received(
    edge: Edge, ws: web.WebSocketResponse, connection_id: str, user_id: str, msg: Any
) -> None:
    """One frame from the browser: answered, ignored, or the end of a socket past its limits."""
    if msg.type is WSMsgType.TEXT:
        answer = await edge.frame(connection_id, msg.data, user_id)
        if answer is not None:
            await ws.send_json(answer)
    elif msg.type is WSMsgType.PING:
        if await edge.admit_frame(connection_id, len(msg.data), user_id):
            await ws.pong(msg.data)
    elif msg.type in (WSMsgType.BINARY, WSMsgType.PONG):
        await edge.admit_frame(connection_id, len(msg.data), user_id)  # counted, not read
    elif _too_big(msg):
        # aiohttp has closed it (1009) without reading the frame: counted all the same.
        await edge.limit(connection_id, "too_large", user_id)


def _too_big(msg: Any) -> bool:
    error = msg.data if msg.type is WSMsgType.ERROR else None
    return isinstance(error, WebSocketError) and error.code == WSCloseCode.MESSAGE_TOO_BIG


def _closed(rt: Realtime, closing: asyncio.Future[Any], log: Any) -> None:
    rt.closing.discard(closing)
    if not closing.cancelled() and closing.exception() is not None:
        # The record's lease runs out by itself; the notifier drops the id on its next 410.
        log.error("local_edge.disconnect_failed", exc_info=closing.exception())


async def _going_away(app: web.Application) -> None:
    """On shutdown: close every local socket and let each run its disconnect."""
    rt = app[REALTIME]
    for sock in list(rt.sockets.values()):
        with contextlib.suppress(Exception):
            await sock.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
    if rt.handlers:
        await asyncio.wait(set(rt.handlers), timeout=_CLOSE_WAIT_S)
    if rt.closing:
        await asyncio.wait(set(rt.closing), timeout=_CLOSE_WAIT_S)


# ---- sockets whose token expired -------------------------------------------------------------


async def _close_local(
    rt: Realtime,
    connection_id: str,
    message: dict[str, Any],
    code: int = CLOSE_TOKEN_EXPIRED,
    reason: str = "token expired",
) -> None:
    sock = rt.sockets.get(connection_id)
    if sock is None or not await sock.ready():
        return
    with contextlib.suppress(ConnectionError, RuntimeError):
        await sock.ws.send_json(message)
    # The socket's own handler then runs the disconnect (the edge runs it too: only once counts).
    await sock.ws.close(code=code, message=reason.encode()[:123])


async def _socket_expiry(app: web.Application) -> AsyncIterator[None]:
    """Give the edge its way to close expired sockets for the app's lifetime, and sweep
    connections whose lease lapsed (leases.py)."""
    rt, c = app[REALTIME], app[CTX]
    edge, s = rt.edge_for(c), c.settings
    async with contextlib.AsyncExitStack() as stack:
        if not s.behind_api_gateway:
            edge.closer = functools.partial(_close_local, rt)
            edge.holds_sockets = True  # one process holds them all: it counts them itself
        elif s.connections_endpoint_url:
            session = aioboto3.Session(region_name=s.aws_region)
            api = await stack.enter_async_context(
                session.client("apigatewaymanagementapi", endpoint_url=s.connections_endpoint_url)
            )
            edge.closer = ApiGatewayCloser(api)
        else:
            get_logger().warning(
                "edge.no_connections_endpoint",
                hint="PARLEY_CONNECTIONS_ENDPOINT_URL: expired sockets are forgotten, not closed",
            )
        c.socket_closer = edge.closer  # a deleted account's sockets close the same way
        sweeper = asyncio.create_task(
            leases.sweep_forever(edge, s.lease_sweep_s, held=lambda: rt.sockets.keys())
        )
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        await edge.close()


# ---- mounting --------------------------------------------------------------------------------

EdgeRoute = Callable[[web.Request, Edge, GatewayContext], Awaitable[web.Response]]


def _with_edge(route: EdgeRoute) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        _, edge, c = _parts(request)
        return await route(request, edge, c)

    return handle


def setup(app: web.Application) -> None:
    """Mount the real-time routes on the gateway's app."""
    app[REALTIME] = Realtime()
    app.on_shutdown.append(_going_away)
    app.cleanup_ctx.append(_socket_expiry)
    presence = dataclasses.replace(api.PRESENCE, handler=list_presence).bind()
    if presence is None:
        raise RuntimeError("the presence operation has no handler")
    app.router.add_get(api.PRESENCE.path, presence, name=api.PRESENCE.operation_id)
    app.router.add_get("/v1/ws", websocket, name="openWebSocket")
    app.router.add_post("/ws-edge/connect", _with_edge(edge_connect))
    app.router.add_post("/ws-edge/disconnect", _with_edge(edge_disconnect))
    app.router.add_post("/ws-edge/message", _with_edge(edge_message))
    conn = "/@connections/{connection_id}"
    app.router.add_post(conn, post_to_connection)
    app.router.add_get(conn, get_connection)
    app.router.add_delete(conn, delete_connection)
