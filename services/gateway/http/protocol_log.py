"""aiohttp's own server log (requests too malformed to reach a route): one structured line.

A request aiohttp cannot parse (a NUL byte in a header, a broken request line) never reaches
the middleware: aiohttp answers 400 itself and logs the parser's exception with a multi-line
traceback through the standard `aiohttp.server` logger. This handler turns each such record
into one structlog line (`http.malformed`) carrying the status and the parser's reason.
"""

from __future__ import annotations

import logging

import structlog
from aiohttp.http_exceptions import HttpProcessingError

from services.runtime.logs import emf

_DETAIL_MAX = 300


class OneLineServerLog(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        log = structlog.get_logger()
        exc = record.exc_info[1] if record.exc_info else None
        remote = str(record.args[0]) if isinstance(record.args, tuple) and record.args else None
        if isinstance(exc, HttpProcessingError):
            reason = " ".join(str(exc.message).split())[:_DETAIL_MAX]
            metrics = emf({"MalformedRequests": (1, "Count")})
            log.warning("http.malformed", status=exc.code, reason=reason, remote=remote, **metrics)
            return
        detail = " ".join(f"{type(exc).__name__}: {exc}".split()) if exc else None
        log.error("http.server_error", message=record.getMessage(), error=detail, remote=remote)


def install() -> None:
    """Route `aiohttp.server` through `OneLineServerLog` (once per process)."""
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(h, OneLineServerLog) for h in server.handlers):
        server.addHandler(OneLineServerLog(logging.DEBUG))
    server.propagate = False
    if server.level == logging.NOTSET:
        server.setLevel(logging.WARNING)
