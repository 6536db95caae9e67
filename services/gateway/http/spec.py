"""One declaration per route: the aiohttp handler and the OpenAPI operation come from it.

A person-facing route declares its body model, reply model, status, rate-limit rule and the
problems it may answer with; `bind` turns that into the aiohttp handler (sign-in, throttle,
body, reply), so the document cannot drift from what the code does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from services.gateway.context import GatewayContext, ctx
from services.gateway.http.auth import Identity
from services.gateway.http.bodies import DEFAULT_MAX_BYTES, read_body, reply
from services.gateway.http.guard import authenticate, throttle
from services.gateway.models import Empty

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class Call:
    """One signed-in person's request, its parsed body, and what routes may use."""

    request: web.Request
    me: Identity
    body: Any
    ctx: GatewayContext
    now: datetime


PersonHandler = Callable[[Call], Awaitable[BaseModel | None]]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    operation_id: str
    # A person's route: signed in, throttled by `rule`, JSON body in, `reply` out.
    handler: PersonHandler | None = None
    # Or a route served as is (no sign-in/body handling), or None if mounted elsewhere.
    raw: Handler | None = None
    auth: bool = True
    body: type[BaseModel] | None = None
    body_max_bytes: int = DEFAULT_MAX_BYTES
    reply: Any = None  # a model class (or a union) for the success body; None: no body
    status: int = 200
    rule: str | None = None
    problems: tuple[tuple[int, str], ...] = ()
    description: str = ""
    reply_content_type: str = "application/json"
    # Merged into the OpenAPI operation as is (parameters of a route served elsewhere, …).
    extra: dict[str, Any] = field(default_factory=dict)

    def bind(self) -> Handler | None:
        if self.raw is not None or self.handler is None:
            return self.raw
        handler, rule, status = self.handler, self.rule, self.status
        model, max_bytes = self.body or Empty, self.body_max_bytes

        async def handle(request: web.Request) -> web.StreamResponse:
            context = ctx(request)
            me = await authenticate(request, context)
            if rule:
                await throttle(context, me, rule)
            body = await read_body(request, model, max_bytes)
            call = Call(request, me, body, context, datetime.now(UTC))
            return reply(await handler(call), status)

        handle.__name__ = self.operation_id
        return handle
