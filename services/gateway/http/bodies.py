"""JSON in and out: strict request bodies, compact responses, ids from the path."""

from __future__ import annotations

import json
import math
import re
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.gateway.http.problems import Problem, field_error, validation_failed

B = TypeVar("B", bound=BaseModel)

DEFAULT_MAX_BYTES = 4096
_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def parse_json(raw: bytes) -> Any:
    """Standard JSON only: no NaN/Infinity, no numbers that overflow; deep nesting refused."""
    try:
        return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise Problem(400, "invalid-json", "the body is not valid JSON") from exc


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


async def read_body(request: web.Request, model: type[B], max_bytes: int = DEFAULT_MAX_BYTES) -> B:
    """The request's JSON body as `model`; an absent or blank body counts as `{}` (and a
    route that needs fields answers 400 `validation-failed` for it, like any other body)."""
    data: Any = {}
    if request.body_exists:
        declared = request.content_length
        if declared is not None and declared > max_bytes:
            raise Problem(413, "body-too-large", f"the body may be at most {max_bytes} bytes")
        raw = await request.read()  # the app's client_max_size also stops a lying Content-Length
        if len(raw) > max_bytes:
            raise Problem(413, "body-too-large", f"the body may be at most {max_bytes} bytes")
        if raw.strip():
            if not _is_json(request.content_type):
                raise Problem(415, "unsupported-media-type", "send the body as application/json")
            data = parse_json(raw)
    if not isinstance(data, dict):
        raise field_error("(body)", "must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_failed(field_errors(exc)) from None


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in err["loc"]) or "(body)"
        message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        out.append({"field": field, "message": message})
    return out


def reply(view: BaseModel | None, status: int = 200) -> web.Response:
    if view is None:
        return web.Response(status=status)
    return web.Response(
        status=status,
        body=view.model_dump_json(by_alias=True).encode(),
        content_type="application/json",
    )


def path_id(request: web.Request, what: str, code: str = "not-found") -> str:
    """The `{id}` in the path; anything that cannot be an id simply does not exist (404)."""
    value = request.match_info.get("id", "")
    if not _ID.match(value):
        raise Problem(404, code, f"no such {what}")
    return value
