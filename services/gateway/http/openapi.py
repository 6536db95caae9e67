"""The OpenAPI 3.1 document, built from the route declarations and their pydantic models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from services.gateway.http.problems import CONTENT_TYPE as PROBLEM_TYPE
from services.gateway.http.spec import Operation
from services.gateway.models import ID_PATTERN, ProblemBody

REF = "#/components/schemas/{model}"
SECURITY = "cognitoIdToken"

DESCRIPTION = """Parley's public API: daily one-on-one video conversations between strangers.

Every `/v1` route except `/v1/config` and this document needs `Authorization: Bearer <Cognito
ID token>`. Errors are `application/problem+json` (RFC 9457) with a stable `code`. Intent
routes answer `202` with the ids that the pushed WebSocket messages will carry again; the
truth is always `GET /v1/me`. Times are ISO-8601 UTC strings ending in `Z`."""

TAGS = [
    {"name": "system", "description": "Health, configuration and this document"},
    {"name": "me", "description": "The signed-in person"},
    {"name": "queue", "description": "Random matching"},
    {"name": "presence", "description": "Who is online now"},
    {"name": "invites", "description": "Inviting someone directly"},
    {"name": "sessions", "description": "Conversations: media, stop, signalling, history"},
    {"name": "safety", "description": "Blocks and reports"},
    {"name": "realtime", "description": "Pushed messages"},
    {"name": "webhooks", "description": "Calls from LiveKit"},
]


def _problem_response(codes: Iterable[str], headers: dict[str, Any] | None = None) -> Any:
    response: dict[str, Any] = {
        "description": "Problem codes: " + ", ".join(f"`{c}`" for c in dict.fromkeys(codes)),
        "content": {PROBLEM_TYPE: {"schema": {"$ref": REF.format(model="ProblemBody")}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


def _errors(op: Operation) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {}
    if op.auth and op.raw is None:  # a person's route: signed in, JSON body checked
        codes[400] = ["invalid-json", "validation-failed"]
        codes[401] = ["unauthorized"]
        codes[413] = ["body-too-large"]
        codes[415] = ["unsupported-media-type"]
        if op.rule:
            codes[429] = ["rate-limited"]
        codes[503] = ["unavailable"]
    for status, code in op.problems:
        codes.setdefault(status, []).append(code)
    codes.setdefault(500, []).append("internal")
    return dict(sorted(codes.items()))


_ERROR_HEADERS = {
    401: {"WWW-Authenticate": _header("Bearer challenge")},
    429: {"Retry-After": _header("Seconds to wait before trying again")},
    503: {"Retry-After": _header("Seconds to wait before trying again")},
}


def _operation(op: Operation, refs: dict[tuple[Any, str], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary, "tags": [op.tag]}
    if op.description:
        out["description"] = op.description
    out["security"] = [{SECURITY: []}] if op.auth else []
    if "{id}" in op.path:
        out["parameters"] = [
            {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": ID_PATTERN},
            }
        ]
    if op.body is not None:
        out["requestBody"] = {
            "required": bool(op.body.model_json_schema().get("required")),
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    success: dict[str, Any] = {"description": op.summary}
    if op.reply is not None:
        success["content"] = {op.reply_content_type: {"schema": refs[(op.reply, "serialization")]}}
    responses: dict[str, Any] = {str(op.status): success}
    for status, codes in _errors(op).items():
        responses[str(status)] = _problem_response(codes, _ERROR_HEADERS.get(status))
    out["responses"] = responses
    return out | op.extra


def document(operations: Iterable[Operation], version: str = "1") -> dict[str, Any]:
    ops = list(operations)
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ProblemBody, "serialization")]
    models += [(op.body, "validation") for op in ops if op.body is not None]
    models += [(op.reply, "serialization") for op in ops if isinstance(op.reply, type)]
    unique = list(dict.fromkeys(models))
    mapping, defs = models_json_schema(unique, ref_template=REF)
    refs: dict[tuple[Any, str], Any] = {key: ref for key, ref in mapping.items()}
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Parley API", "version": version, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "tags": TAGS,
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                SECURITY: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito ID token (RS256, token_use=id, verified email).",
                }
            },
        },
    }
