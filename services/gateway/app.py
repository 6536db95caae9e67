"""The gateway's aiohttp application: the only public HTTP surface."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.gateway.settings import GatewaySettings

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


def spa_routes(app: web.Application, static_dir: Any) -> None:
    """Serve the built SPA; unknown non-API paths fall back to index.html (client routing)."""
    index = static_dir / "index.html"

    async def spa(request: web.Request) -> web.StreamResponse:
        rel = request.match_info.get("path", "")
        candidate = (static_dir / rel).resolve()
        if rel and candidate.is_file() and static_dir.resolve() in candidate.parents:
            return web.FileResponse(candidate)
        if index.is_file():
            return web.FileResponse(index, headers={"Cache-Control": "no-cache"})
        return web.Response(text=_PLACEHOLDER, content_type="text/html")

    app.router.add_get("/{path:(?!v1/|webhooks/|ws-edge/|healthz).*}", spa)


def create_app(settings: GatewaySettings) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/v1/config", config)
    spa_routes(app, settings.static_dir)
    return app
