"""Who is asking, and whether they may ask again so soon: sign-in and per-person rate limits."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from aiohttp import web

from services.gateway.context import GatewayContext, ctx
from services.gateway.http.auth import AuthError, Identity, KeysUnavailable, identify
from services.gateway.http.problems import Problem
from services.gateway.http.ratelimit import retry_after_header
from services.runtime.logs import metric


async def authenticate(request: web.Request, context: GatewayContext | None = None) -> Identity:
    """The signed-in person (401 problem otherwise); their id is bound to the request's logs."""
    header = request.headers.get("Authorization")
    context = context or ctx(request)
    try:
        me = await identify(context.verifier, header)
    except KeysUnavailable as exc:
        structlog.get_logger().error("auth.keys_unavailable", detail=exc.detail)
        raise Problem(
            503, "unavailable", "sign-in cannot be checked right now", {"Retry-After": "5"}
        ) from None
    except AuthError as exc:
        challenge = 'Bearer realm="parley"'
        if header:
            challenge += ', error="invalid_token"'
        raise Problem(401, "unauthorized", exc.detail, {"WWW-Authenticate": challenge}) from None
    if await context.erased.erased(me.user_id):
        raise Problem(
            401,
            "account-deleted",
            "this account was deleted; its sign-in is no longer accepted",
            {"WWW-Authenticate": 'Bearer realm="parley", error="invalid_token"'},
        )
    structlog.contextvars.bind_contextvars(user_id=me.user_id)
    # Banned (403 `banned`), or suspended from what this route does (403 `suspended`).
    route = request.match_info.route.name if request.match_info.route else None
    await context.safety.admit(me, route, datetime.now(UTC))
    return me


async def throttle(context: GatewayContext, me: Identity, rule: str) -> None:
    """429 with `Retry-After` once the person has used up this rule's window (shared by all
    gateway processes)."""
    wait = await context.limiter.take(rule, me.user_id)
    if wait > 0:
        seconds = retry_after_header(wait)
        metric("RateLimited", rule=rule)
        raise Problem(
            429,
            "rate-limited",
            f"too many requests; try again in {seconds} s",
            {"Retry-After": seconds},
        )
