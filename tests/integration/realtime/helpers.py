"""Browser tabs, a running gateway and a running notifier, for the real-time tests."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from services.devstack.cognito import UserPool, sign_in
from services.gateway.app import create_app
from services.gateway.http.auth import TokenVerifier
from services.gateway.live.local_sockets import REALTIME, Realtime
from services.gateway.settings import GatewaySettings
from services.notifier.handlers import Notifier
from services.notifier.service import run as run_notifier
from services.notifier.settings import NotifierSettings
from tests.conftest import Stack


class People:
    """Demo people signed in against the embedded Cognito: ID tokens and user ids (`sub`)."""

    def __init__(self, pool: UserPool) -> None:
        self.pool = pool
        self._tokens: dict[str, str] = {}

    def token(self, name: str) -> str:
        if name not in self._tokens:
            self._tokens[name] = sign_in(self.pool, name)["IdToken"]
        return self._tokens[name]

    def id(self, name: str) -> str:
        payload = self.token(name).split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["sub"])


@dataclass
class Gateway:
    server: TestServer
    http: aiohttp.ClientSession
    settings: GatewaySettings

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def realtime(self) -> Realtime:
        app: web.Application = self.server.app
        return app[REALTIME]

    async def tab(self, token: str) -> Tab:
        """A browser tab, once the edge has run its connect (record, presence, event)."""
        before = set(self.realtime.sockets)
        for attempt in range(5):
            try:
                ws = await self.http.ws_connect(f"{self.url}/v1/ws", params={"token": token})
                break
            except aiohttp.WSServerHandshakeError as exc:
                # 503 + Retry-After: the signing keys could not be fetched just now (a busy
                # machine); a browser tries again, and so does this tab.
                if exc.status != 503 or attempt == 4:
                    raise
                await asyncio.sleep(1.0)
        tab = Tab(ws).start()

        def recorded() -> bool:
            fresh = [s for c, s in self.realtime.sockets.items() if c not in before]
            return bool(fresh) and all(s.recorded for s in fresh)

        await eventually(recorded)
        return tab


def gateway_settings(stack: Stack, pool: UserPool, **overrides: Any) -> GatewaySettings:
    settings = stack.settings(
        GatewaySettings,
        cognito_user_pool_id=pool.pool_id,
        cognito_client_id=pool.client_id,
        cognito_issuer=pool.issuer,
        cognito_jwks_url=pool.jwks_url,
        cognito_endpoint_url=pool.endpoint_url,
        **overrides,
    )
    assert isinstance(settings, GatewaySettings)
    return settings


@asynccontextmanager
async def running_gateway(
    settings: GatewaySettings, verifier: TokenVerifier | None = None
) -> AsyncIterator[Gateway]:
    server = TestServer(create_app(settings, verifier), host="127.0.0.1")
    await server.start_server()
    http = aiohttp.ClientSession()
    try:
        yield Gateway(server, http, settings)
    finally:
        # The server first: it says goodbye to the tabs still open (close code 1001).
        await server.close()
        await http.close()


@asynccontextmanager
async def running_notifier(settings: NotifierSettings) -> AsyncIterator[Notifier]:
    stop = asyncio.Event()
    wired: asyncio.Future[Notifier] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_notifier(settings, stop, started=wired.set_result))
    try:
        ready: list[asyncio.Future[Any]] = [task, wired]
        await asyncio.wait(ready, timeout=20, return_when="FIRST_COMPLETED")
        if task.done():
            task.result()  # raises what went wrong
        yield wired.result()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def notifier_settings(stack: Stack, endpoint: str, **overrides: Any) -> NotifierSettings:
    settings = stack.settings(NotifierSettings, connections_endpoint_url=endpoint, **overrides)
    assert isinstance(settings, NotifierSettings)
    return settings


@dataclass
class Tab:
    """One browser tab's socket: everything it receives, in order."""

    ws: aiohttp.ClientWebSocketResponse
    received: list[dict[str, Any]] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    def start(self) -> Tab:
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                self.frames.append(msg.data)
                self.received.append(json.loads(msg.data))

    def types(self) -> list[str]:
        return [m["type"] for m in self.received if m["type"] != "pong"]

    async def wait_for(self, count: int, timeout_s: float = 15.0) -> list[dict[str, Any]]:
        await eventually(lambda: len(self.types()) >= count, timeout_s)
        return [m for m in self.received if m["type"] != "pong"]

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message))

    async def close(self) -> None:
        await self.ws.close()
        if self._reader:
            await self._reader

    async def closed(self, timeout_s: float = 10.0) -> int | None:
        """Wait until the server closes the socket; its close code."""
        if self._reader:
            await asyncio.wait_for(self._reader, timeout_s)
        return self.ws.close_code


async def eventually(check: Callable[[], Any], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await asyncio.sleep(0.02)


@dataclass
class ConnectionsApi:
    """Stands in for API Gateway's `@connections` API: records what the gateway asks of it."""

    calls: list[tuple[str, str, bytes]] = field(default_factory=list)
    server: TestServer | None = None

    async def start(self) -> ConnectionsApi:
        async def record(request: web.Request) -> web.Response:
            self.calls.append(
                (request.method, request.match_info["connection_id"], await request.read())
            )
            return web.Response(status=200 if request.method == "POST" else 204)

        app = web.Application()
        app.router.add_route("*", "/@connections/{connection_id}", record)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")
