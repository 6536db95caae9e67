"""The whole public surface in one list: `app.py` serves it, `openapi.py` describes it."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from services.gateway.http.spec import Operation
from services.gateway.live.webhooks import livekit_webhook
from services.gateway.models import (
    AuthConfig,
    Config,
    Health,
    Limits,
    MediaConfig,
    Presence,
)
from services.gateway.routes import admin as routes_admin
from services.gateway.routes import invites as routes_invites
from services.gateway.routes import me as routes_me
from services.gateway.routes import partners as routes_partners
from services.gateway.routes import privacy as routes_privacy
from services.gateway.routes import queue as routes_queue
from services.gateway.routes import safety as routes_safety
from services.gateway.routes import sessions as routes_sessions
from services.gateway.routes import topics as routes_topics
from services.gateway.routes import words as routes_words
from services.gateway.safety.gate import NOT_WHILE_SUSPENDED
from services.gateway.settings import GatewaySettings

SETTINGS = web.AppKey("settings", GatewaySettings)
OPENAPI_JSON = web.AppKey("openapi_json", bytes)

PUSHED = (
    "ticket.waiting, ticket.rejected, ticket.cancelled, session.started, session.ended, "
    "session.topic, "
    "invite.received, invite.pending, invite.accepted, invite.declined, invite.expired, "
    "invite.cancelled, invite.rejected, invite.accept_failed, signal, points.changed, "
    "auth.expired, account.deleted, account.banned"
)


def config_body(s: GatewaySettings) -> Config:
    local = s.auth_mode == "local"
    return Config(
        auth=AuthConfig(
            mode=s.auth_mode,
            region=s.aws_region,
            user_pool_id=s.cognito_user_pool_id,
            client_id=s.cognito_client_id,
            endpoint=s.cognito_endpoint_url if local else None,
            hosted_ui_domain=None if local else s.cognito_hosted_ui_domain,
            redirect_uri=None if local else s.public_url or None,
        ),
        media=MediaConfig(mode=s.media_mode),
        websocket_url=s.websocket_url,
        limits=Limits(
            daily_points=s.daily_points,
            session_minutes=s.session_minutes,
            invite_timeout_s=s.invite_timeout_s,
        ),
    )


def _json(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json")


async def healthz(_: web.Request) -> web.Response:
    return _json(b'{"status":"ok"}')


async def config(request: web.Request) -> web.Response:
    return _json(config_body(request.app[SETTINGS]).model_dump_json().encode())


async def openapi_json(request: web.Request) -> web.Response:
    return _json(request.app[OPENAPI_JSON])


SYSTEM = (
    Operation(
        "GET", "/healthz", "Liveness", "system", "health", raw=healthz, auth=False, reply=Health
    ),
    Operation(
        "GET",
        "/v1/config",
        "What the SPA needs to start: sign-in, media mode, WebSocket URL, limits",
        "system",
        "getConfig",
        raw=config,
        auth=False,
        reply=Config,
    ),
    Operation(
        "GET",
        "/v1/openapi.json",
        "This document",
        "system",
        "getOpenApi",
        raw=openapi_json,
        auth=False,
        extra={
            "responses": {
                "200": {
                    "description": "This document (OpenAPI 3.1)",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            }
        },
    ),
)

# Served by the real-time module (`realtime.setup`); described here so the document is whole.
PRESENCE = Operation(
    "GET",
    "/v1/presence",
    "People online now, and whether each could take an invite",
    "presence",
    "listPresence",
    reply=Presence,
    rule="read",
    description="Online, not me, nobody I blocked or who blocked me; at most 50. `available` "
    "says whether an invite to them can be answered now; if not, `why`: `in_call`, `busy` "
    "(waiting in the queue or inviting someone) or `no_points` (none left today). Those who "
    "can come first, my partners first among them.",
)
WEBSOCKET = Operation(
    "GET",
    "/v1/ws",
    "The local WebSocket edge for pushed messages",
    "realtime",
    "openWebSocket",
    auth=False,
    status=101,
    problems=((401, "unauthorized"), (403, "banned")),
    description="Locally `ws://127.0.0.1:8080/v1/ws?token=<ID token>`; in AWS the API Gateway "
    "WebSocket URL from `/v1/config`. An invalid token closes the socket with code 4401 (or "
    'refuses the upgrade with 401). The browser may send `{"type": "ping"}` and gets '
    '`{"type": "pong"}`. Server → browser messages are JSON objects with `type` and their '
    f"ids at the top level: {PUSHED}. See docs/api.md for each message's fields.",
    extra={
        "parameters": [
            {
                "name": "token",
                "in": "query",
                "required": True,
                "description": "A Cognito ID token",
                "schema": {"type": "string"},
            }
        ]
    },
)
WEBHOOK = Operation(
    "POST",
    "/webhooks/livekit",
    "LiveKit's signed webhooks",
    "webhooks",
    "livekitWebhook",
    raw=livekit_webhook,
    auth=False,
    problems=((401, "unauthorized"), (404, "not-found")),
    description="Signed by LiveKit (raw JWT in `Authorization` carrying the body's sha256). "
    "`participant_joined` / `participant_left` in a session's room become "
    "`media.participant_joined` / `media.participant_left` for the matcher.",
    extra={
        "requestBody": {
            "required": True,
            "content": {"application/webhook+json": {"schema": {"type": "object"}}},
        }
    },
)


def with_safety(op: Operation) -> Operation:
    """Every signed-in route refuses a banned person (403 `banned`), and joining or inviting
    someone suspended pending review (403 `suspended`): the guard's checks (safety.py)."""
    if not op.auth or op.raw is not None:
        return op
    refusals = [(403, "banned")]
    if op.operation_id in NOT_WHILE_SUSPENDED:
        refusals.append((403, "suspended"))
    return replace(op, problems=(*op.problems, *refusals))


OPERATIONS: tuple[Operation, ...] = tuple(
    with_safety(op)
    for op in (
        *SYSTEM,
        *routes_me.OPERATIONS,
        *routes_privacy.OPERATIONS,
        *routes_queue.OPERATIONS,
        PRESENCE,
        *routes_invites.OPERATIONS,
        *routes_sessions.OPERATIONS,
        *routes_topics.OPERATIONS,
        *routes_words.OPERATIONS,
        *routes_safety.OPERATIONS,
        *routes_partners.OPERATIONS,
        *routes_admin.OPERATIONS,
        WEBSOCKET,
        WEBHOOK,
    )
)
