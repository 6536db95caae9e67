"""A chaos run's raw facts, for a referee that shares none of the services' beliefs: what the
stack was told to do, every request the simulated people made and every push they got, the
media server's own room log, the run's window, and every table as plain items.

    {"config": {"dailyPoints", "sessionMinutes", "noShowS", "mediaGraceS", "inviteTimeoutS",
                "mediaMode", "zone"},
     "requests": [{"person", "method", "path", "body", "sentAt", "answeredAt", "status",
                   "answer"}],
     "pushes": [{"person", "receivedAt", "message"}],
     "roomLog": [{"room", "identity", "kind": "in"|"out", "at", "id", "deliveredAt"}],
     "window": {"startedAt", "endedAt"},
     "tables": {"<table short name>": [item, ...]}}
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer

from services.loadgen.aws import admin_client

FAULTS_PATH = "/_parley/faults"
_des = TypeDeserializer()


def plain(value: Any) -> Any:
    """A DynamoDB value as JSON has it: whole numbers as int, sets as sorted lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, Binary):
        value = value.value  # type: ignore[attr-defined]  # the stubs leave it out
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def config(env: Mapping[str, str], media_mode: str) -> dict[str, Any]:
    """The rules' parameters as the stack was started with them."""
    return {
        "dailyPoints": int(env["PARLEY_DAILY_POINTS"]),
        "sessionMinutes": int(env["PARLEY_SESSION_MINUTES"]),
        "noShowS": float(env["PARLEY_NO_SHOW_S"]),
        "mediaGraceS": float(env["PARLEY_MEDIA_GRACE_S"]),
        "inviteTimeoutS": float(env["PARLEY_INVITE_TIMEOUT_S"]),
        "mediaMode": media_mode,
        "zone": env.get("PARLEY_DAY_TIMEZONE", "UTC"),
    }


def tables(dynamodb_url: str, region: str, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """Every table of the stack (short name: the prefix left out), read consistently."""
    ddb = admin_client(dynamodb_url, region, "dynamodb")
    names = [n for page in ddb.get_paginator("list_tables").paginate() for n in page["TableNames"]]
    out: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(n for n in names if n.startswith(f"{prefix}-")):
        items: list[dict[str, Any]] = []
        for page in ddb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            items.extend(
                {k: plain(_des.deserialize(v)) for k, v in i.items()} for i in page["Items"]
            )
        out[name.removeprefix(f"{prefix}-")] = items
    return out


def throttled(moto_url: str) -> int | None:
    """Calls the embedded AWS answered with an injected throttle (services/devstack/faults.py),
    each of which a service had to absorb; None where nothing counts them."""
    try:
        with urllib.request.urlopen(f"{moto_url}{FAULTS_PATH}", timeout=5) as resp:
            got = json.load(resp)
    except (OSError, ValueError):
        return None
    count = got.get("throttled") if isinstance(got, dict) else None
    return int(count) if isinstance(count, int) else None
