"""Every response, whatever happened: a request id, a problem+json body for errors, safe headers.

One middleware (`edge`) wraps every route:

- it binds a request id (the caller's `X-Request-Id` if sane, else a fresh one) to every log
  line of the request (aiohttp runs each request in its own task, so what a request binds
  never reaches the next one on the same connection);
- it turns every error into `application/problem+json`: our own problems, aiohttp's
  404/405/413, AWS being unavailable (503) and anything unexpected (500, logged with its
  traceback; the caller gets the request id, never a stack trace);
- it adds the security headers (the page's CSP is built from the deployment's settings, see
  `services/wire/page_policy.py`);
- it writes one access line for intents, errors and slow requests. Successful reads are
  high-volume and already counted by the load balancer: they are logged only at DEBUG.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time

import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware
from botocore.exceptions import BotoCoreError, ClientError

from services.gateway.http.problems import CONTENT_TYPE, DEFAULT_CODES, Problem, problem
from services.gateway.http.spec import Handler
from services.runtime.logs import metric
from services.wire.page_policy import PERMISSIONS_POLICY, content_security_policy

REQUEST_ID = web.RequestKey("request_id", str)
# One logger for the module: resolved once, so a filtered-out DEBUG line costs a no-op call.
_log = structlog.get_logger()

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_API_PREFIXES = ("/v1/", "/webhooks/", "/healthz")
_PASSED_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
SLOW_S = 1.0
# AWS answers that mean "not now" rather than "wrong request".
_TRANSIENT_AWS = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "InternalServerError",
        "InternalFailure",
    }
)
_DETAILS = {
    404: "there is nothing here",
    405: "this method is not allowed here",
    413: "the body is too large",
}

_COMMON_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
)
_API_HEADERS = (
    *_COMMON_HEADERS,
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Cache-Control", "no-store"),
)


def _page_headers(csp: str) -> tuple[tuple[str, str], ...]:
    """The SPA's: its own scripts and styles, the deployment's sockets and APIs; never framed."""
    return (*_COMMON_HEADERS, ("Content-Security-Policy", csp))


_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def edge(public_url: str = "", log_reads: bool = False, page_csp: str | None = None) -> Middleware:
    """The gateway's one middleware (see the module docstring)."""
    hsts = public_url.startswith("https://")
    page_headers = _page_headers(page_csp or content_security_policy(()))

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get("X-Request-Id", "")
        rid = given if _SANE_ID.match(given) else secrets.token_hex(16)
        request[REQUEST_ID] = rid
        structlog.contextvars.bind_contextvars(request_id=rid)
        started = time.perf_counter()
        response = await _answer(request, handler)
        if not response.prepared:  # a WebSocket has sent its headers already
            _secure(request, response, rid, hsts, page_headers)
        _access_log(request, response.status, time.perf_counter() - started, log_reads)
        return response

    return middleware


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as exc:
        return _reissued(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # redirects and the like are not errors
        return _converted(exc)
    except asyncio.CancelledError:
        raise
    except (BotoCoreError, ClientError) as exc:
        if _transient(exc):
            _log.warning("aws.unavailable", error=str(exc)[:300])
            metric("GatewayAwsUnavailable")
            return problem(503, "unavailable", "please try again in a moment", {"Retry-After": "1"})
        return _internal(request)
    except Exception:
        return _internal(request)


def _secure(
    request: web.Request,
    response: web.StreamResponse,
    rid: str,
    hsts: bool,
    page_headers: tuple[tuple[str, str], ...],
) -> None:
    h = response.headers
    for name, value in _API_HEADERS if request.path.startswith(_API_PREFIXES) else page_headers:
        h.setdefault(name, value)
    if hsts:
        h.setdefault(*_HSTS)
    h["X-Request-Id"] = rid


def _access_log(request: web.Request, status: int, elapsed_s: float, log_reads: bool) -> None:
    quiet = request.method in ("GET", "HEAD") and status < 400 and elapsed_s < SLOW_S
    if quiet and (not log_reads or request.path == "/healthz"):
        return
    (_log.debug if quiet else _log.info)(
        "http.request",
        method=request.method,
        path=request.path,
        status=status,
        ms=round(elapsed_s * 1000, 2),
    )


def _transient(exc: BotoCoreError | ClientError) -> bool:
    if isinstance(exc, BotoCoreError):
        return True  # connection refused, timeouts, …
    err = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return err.get("Code") in _TRANSIENT_AWS or status >= 500


def _internal(request: web.Request) -> web.Response:
    _log.exception("http.unhandled", method=request.method, path=request.path)
    metric("GatewayErrors")
    rid = request.get(REQUEST_ID, "")
    return problem(500, "internal", "something went wrong on our side", requestId=rid)


def _reissued(exc: Problem) -> web.Response:
    headers = {k: v for k in _PASSED_HEADERS if (v := exc.headers.get(k))}
    return web.Response(
        status=exc.status, text=exc.text, content_type=CONTENT_TYPE, headers=headers
    )


def _converted(exc: web.HTTPException) -> web.Response:
    status = exc.status
    headers = {k: v for k in _PASSED_HEADERS if (v := exc.headers.get(k))}
    detail = _DETAILS.get(status) or exc.reason or "request refused"
    return problem(status, DEFAULT_CODES.get(status, "error"), detail, headers)
