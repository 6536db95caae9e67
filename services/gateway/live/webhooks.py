"""LiveKit's signed webhooks: people entering and leaving a session's room become events.

LiveKit signs each call with a JWT (HS256 with the API secret) carrying the body's sha256 in
the raw `Authorization` header; the SDK's WebhookReceiver checks both. Anything else is
refused with 401 before the body is even parsed as an event.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import structlog
from aiohttp import web
from livekit.api import TokenVerifier, WebhookReceiver
from livekit.protocol.models import ParticipantInfo
from livekit.protocol.webhook import WebhookEvent

from services.gateway.context import ctx
from services.gateway.http.problems import Problem
from services.runtime.logs import metric
from services.wire.events import Event, derive_id
from services.wire.events.gateway import MediaParticipantJoined, MediaParticipantLeft

_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
_CONNECTION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
JOINED = frozenset({"participant_joined"})
LEFT = frozenset({"participant_left", "participant_connection_aborted"})


def verified_event(body: bytes, authorization: str, api_key: str, api_secret: str) -> WebhookEvent:
    """The webhook's event if LiveKit signed exactly this body, else a 401 problem."""
    token = authorization.removeprefix("Bearer ").strip()
    if not token:
        raise Problem(401, "unauthorized", "webhook is not signed")
    try:
        return WebhookReceiver(TokenVerifier(api_key, api_secret)).receive(body.decode(), token)
    except Exception as exc:  # the SDK raises bare Exceptions (hash mismatch, bad JWT, …)
        structlog.get_logger().warning("webhook.refused", error=type(exc).__name__)
        metric("WebhooksRefused")
        raise Problem(401, "unauthorized", "webhook signature does not verify") from None


def media_event(
    hook: WebhookEvent, body: bytes, received_at: datetime | None = None
) -> Event | None:
    """`media.participant_joined|left` for a person in a session's room; None for the rest.

    The event happens when LiveKit stamped it (`createdAt`), not when it reached us: webhooks
    come late, retried and out of order, and the matcher orders the room log by this stamp.
    Only a webhook without a stamp is dated on arrival."""
    cls: type[MediaParticipantJoined] | type[MediaParticipantLeft]
    if hook.event in JOINED:
        cls = MediaParticipantJoined
    elif hook.event in LEFT:
        cls = MediaParticipantLeft
    else:
        return None
    room, who = hook.room.name, hook.participant.identity
    if hook.participant.kind != ParticipantInfo.Kind.STANDARD:
        return None  # recorders, agents, …: not people
    if not (_ID.match(room) and _ID.match(who)):
        return None
    # LiveKit retries a webhook with the same id: same event id, so one message downstream.
    source = hook.id or hashlib.sha256(body).hexdigest()
    connection = hook.participant.sid
    stamped = datetime.fromtimestamp(hook.created_at, UTC) if hook.created_at > 0 else None
    return cls(
        id=derive_id("livekit", source, cls.TYPE),
        occurred_at=stamped or received_at or datetime.now(UTC),
        session_id=room,
        user_id=who,
        connection=connection if _CONNECTION.match(connection) else None,
    )


async def livekit_webhook(request: web.Request) -> web.Response:
    c = ctx(request)
    s = c.settings
    if not (s.livekit_api_key and s.livekit_api_secret):
        raise Problem(404, "not-found", "LiveKit is not configured here")
    received_at = datetime.now(UTC)
    body = await request.read()
    auth = request.headers.get("Authorization", "")
    hook = verified_event(body, auth, s.livekit_api_key, s.livekit_api_secret)
    event = media_event(hook, body, received_at)
    log = structlog.get_logger().bind(webhook=hook.event, webhook_id=hook.id)
    if event is None:
        log.info("webhook.ignored")
        return web.Response(status=200)
    await c.publisher.publish(event)
    log.info("webhook.published", type=event.TYPE, event_id=event.id)
    return web.Response(status=200)
