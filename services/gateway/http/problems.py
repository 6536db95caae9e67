"""Errors as RFC 9457 problem details with stable codes (`application/problem+json`)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

PROBLEM_BASE = "https://parley.dev/problems/"
CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Unavailable",
}

# The code an HTTP error gets when nothing more specific was said (router 404/405, 413, …).
DEFAULT_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "body-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
    500: "internal",
    503: "unavailable",
}


def problem_body(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": PROBLEM_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }


def problem(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(problem_body(status, code, detail, **extra)),
        content_type=CONTENT_TYPE,
        headers=headers,
    )


class Problem(web.HTTPException):
    """Raise anywhere in a handler; the response is a problem+json body."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.status_code = status
        super().__init__(
            text=json.dumps(problem_body(status, code, detail, **extra)),
            content_type=CONTENT_TYPE,
            headers=headers,
        )
        self.code = code


def validation_failed(errors: list[dict[str, str]]) -> Problem:
    """400 with one `{field, message}` per refused field, so the SPA can point at them."""
    return Problem(400, "validation-failed", "some fields are not valid", errors=errors[:20])


def field_error(field: str, message: str) -> Problem:
    return validation_failed([{"field": field, "message": message}])
