"""The gateway's aiohttp application: the only public HTTP surface.

`create_app` opens the AWS clients for the app's lifetime, mounts every route declared in
`api.OPERATIONS` (plus the real-time routes and the SPA), and wraps them all in the
middlewares that give every answer a request id, safe headers and problem+json errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import structlog
from aiohttp import web

from services.gateway.api import OPENAPI_JSON, OPERATIONS, SETTINGS, config_body, healthz
from services.gateway.context import CTX, GatewayContext
from services.gateway.http import protocol_log
from services.gateway.http.auth import Jwks, TokenVerifier
from services.gateway.http.middleware import edge
from services.gateway.http.openapi import document
from services.gateway.http.ratelimit_store import RateLimitCounters
from services.gateway.http.shared_limits import SharedLimiter
from services.gateway.live import realtime
from services.gateway.safety.moderation import queue_age_forever
from services.gateway.settings import GatewaySettings
from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.wire.names import Service
from services.wire.page_policy import content_security_policy

# The largest body any route takes (a signalling message); each route has its own, smaller cap.
CLIENT_MAX_SIZE = 64 * 1024

__all__ = ["SETTINGS", "config_body", "create_app", "default_verifier", "healthz", "spa_routes"]

_PLACEHOLDER = """<!doctype html><meta charset="utf-8"><title>Parley</title>
<h1>Parley</h1><p>The web app has not been built yet: run <code>make dev</code>.</p>"""


def spa_routes(app: web.Application, static_dir: Path) -> None:
    """Serve the built SPA; unknown non-API paths fall back to index.html (client routing)."""
    root = static_dir.resolve()
    index = root / "index.html"

    async def spa(request: web.Request) -> web.StreamResponse:
        rel = request.match_info.get("path", "")
        candidate = (root / rel).resolve()
        if rel and candidate.is_file() and root in candidate.parents:
            hashed = "/assets/" in str(candidate)  # Vite's content-hashed files never change
            cache = "public, max-age=31536000, immutable" if hashed else "no-cache"
            return web.FileResponse(candidate, headers={"Cache-Control": cache})
        if index.is_file():
            return web.FileResponse(index, headers={"Cache-Control": "no-cache"})
        return web.Response(text=_PLACEHOLDER, content_type="text/html")

    app.router.add_get("/{path:(?!v1/|webhooks/|ws-edge/|healthz).*}", spa)


def page_csp(s: GatewaySettings) -> str:
    """The SPA's CSP: besides its own origin it connects to the WebSocket, Cognito, LiveKit."""
    connect = [s.websocket_url]
    if s.auth_mode == "local":
        connect.append(s.cognito_endpoint_url)
    else:
        connect.append(s.cognito_hosted_ui_domain)
    if s.media_mode == "livekit":
        # The SDK signals over the WebSocket and validates over HTTP(S) on the same host.
        http = s.livekit_url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)
        connect += [s.livekit_url, http]
    return content_security_policy(connect)


def default_verifier(s: GatewaySettings) -> TokenVerifier:
    return TokenVerifier(
        issuer=s.issuer, client_id=s.cognito_client_id, jwks=Jwks(s.jwks_url, ttl_s=s.jwks_ttl_s)
    )


async def _warm_keys(verifier: TokenVerifier) -> None:
    """Fetch the signing keys before the first person arrives (a miss is retried on demand)."""
    if not await verifier.jwks.warm():
        structlog.get_logger().warning("auth.keys_not_prefetched", url=verifier.jwks.url)


def create_app(settings: GatewaySettings, verifier: TokenVerifier | None = None) -> web.Application:
    front = edge(
        settings.public_url,
        log_reads=settings.log_level == "DEBUG",
        page_csp=page_csp(settings),
    )
    protocol_log.install()
    app = web.Application(client_max_size=CLIENT_MAX_SIZE, middlewares=[front])
    app[SETTINGS] = settings
    app[OPENAPI_JSON] = json.dumps(document(OPERATIONS)).encode()
    token_verifier = verifier or default_verifier(settings)
    prefetch = bool(settings.cognito_user_pool_id or settings.cognito_jwks_url)

    async def clients(app: web.Application) -> AsyncIterator[None]:
        if not settings.cognito_client_id:
            structlog.get_logger().warning("auth.not_configured", hint="PARLEY_COGNITO_CLIENT_ID")
        async with Aws(settings) as aws:
            app[CTX] = GatewayContext(
                settings=settings,
                aws=aws,
                publisher=publisher(aws, Service.GATEWAY),
                verifier=token_verifier,
                limiter=SharedLimiter(
                    RateLimitCounters(aws.dynamodb, settings.name_prefix).reserve,
                    scale=settings.rate_limit_scale,
                ),
            )
            warm = asyncio.create_task(_warm_keys(token_verifier)) if prefetch else None
            # ModerationQueueAge: how long the oldest suspension has waited for an operator.
            queue_age = asyncio.create_task(
                queue_age_forever(app[CTX].safety.records, settings.moderation_metric_s)
            )
            yield
            for task in (warm, queue_age):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await token_verifier.jwks.close()

    app.cleanup_ctx.append(clients)
    for op in OPERATIONS:
        handler = op.bind()
        if handler is not None:
            app.router.add_route(op.method, op.path, handler, name=op.operation_id)
    realtime.setup(app)
    spa_routes(app, settings.static_dir)
    return app
