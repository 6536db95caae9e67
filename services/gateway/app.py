"""The gateway's aiohttp application: the only public HTTP surface.

`create_app` opens the AWS clients for the app's lifetime and mounts each area's routes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from services.gateway import realtime
from services.gateway.auth import Jwks, TokenVerifier
from services.gateway.context import CTX, GatewayContext
from services.gateway.settings import GatewaySettings
from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.wire.names import Service

SETTINGS = web.AppKey("settings", GatewaySettings)


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def config_body(s: GatewaySettings) -> dict[str, Any]:
    auth: dict[str, Any] = {
        "mode": s.auth_mode,
        "region": s.aws_region,
        "userPoolId": s.cognito_user_pool_id,
        "clientId": s.cognito_client_id,
    }
    if s.auth_mode == "local":
        auth["endpoint"] = s.cognito_endpoint_url
    else:
        auth["hostedUiDomain"] = s.cognito_hosted_ui_domain
        auth["redirectUri"] = s.public_url
    return {
        "auth": auth,
        "media": {"mode": s.media_mode},
        "websocketUrl": s.websocket_url,
        "limits": {
            "dailyPoints": s.daily_points,
            "sessionMinutes": s.session_minutes,
            "inviteTimeoutS": s.invite_timeout_s,
        },
    }


async def config(request: web.Request) -> web.Response:
    return web.json_response(config_body(request.app[SETTINGS]))


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


def default_verifier(s: GatewaySettings) -> TokenVerifier:
    return TokenVerifier(issuer=s.issuer, client_id=s.cognito_client_id, jwks=Jwks(s.jwks_url))


def create_app(settings: GatewaySettings, verifier: TokenVerifier | None = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS] = settings

    async def clients(app: web.Application) -> AsyncIterator[None]:
        async with Aws(settings) as aws:
            app[CTX] = GatewayContext(
                settings=settings,
                aws=aws,
                publisher=publisher(aws, Service.GATEWAY),
                verifier=verifier or default_verifier(settings),
            )
            yield

    app.cleanup_ctx.append(clients)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/v1/config", config)
    realtime.setup(app)
    spa_routes(app, settings.static_dir)
    return app
