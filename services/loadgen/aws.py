"""The embedded AWS as an administrator sees it: credentials, clients, this stack's prefix."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from services.devstack.call_counter import PATH as CALLS_PATH
from services.devstack.local_iam import admin_keys
from services.wire.names import Service

_CONFIG = Config(retries={"max_attempts": 3}, max_pool_connections=16)
# A table every stack has, to find the stack's name prefix from the table list.
_MARKER = "-ledger-holds"
_SERVICES = frozenset(s.value for s in Service)


def admin_credentials() -> tuple[str, str]:
    """The local admin's keys (PARLEY_LOCAL_ADMIN_*; an embedded AWS that does not enforce
    IAM takes them too)."""
    keys = admin_keys()
    return keys.access_key_id, keys.secret_access_key


def admin_client(moto_url: str, region: str, service: str) -> Any:
    key, secret = admin_credentials()
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=moto_url,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=_CONFIG,
    )


def find_prefix(moto_url: str, region: str) -> str:
    """The stack's name prefix, when the embedded AWS holds exactly one stack's tables."""
    ddb = admin_client(moto_url, region, "dynamodb")
    names: list[str] = []
    for page in ddb.get_paginator("list_tables").paginate():
        names.extend(page.get("TableNames", []))
    prefixes = sorted(n.removesuffix(_MARKER) for n in names if n.endswith(_MARKER))
    if len(prefixes) != 1:
        raise RuntimeError(f"found stacks {prefixes} on {moto_url}: name one with --prefix")
    return prefixes[0]


@dataclass(frozen=True)
class Tally:
    """The embedded AWS's own tally (services/devstack/call_counter.py), by "caller aws
    Operation": calls answered, seconds taken answering them, CPU seconds of those threads."""

    calls: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    cpu: Counter[str] = field(default_factory=Counter)

    def __sub__(self, before: Tally) -> Tally:
        return Tally(
            self.calls - before.calls, self.seconds - before.seconds, self.cpu - before.cpu
        )

    def __bool__(self) -> bool:
        return bool(self.calls)


def call_counts(*urls: str) -> Tally:
    """What the embedded AWS processes have answered so far; empty where a server does not
    count."""
    total = Tally()
    for url in dict.fromkeys(urls):
        try:
            with urllib.request.urlopen(f"{url}{CALLS_PATH}", timeout=5) as resp:
                got = json.load(resp)
        except (OSError, ValueError):
            continue
        total.calls.update(got.get("calls", {}))
        total.seconds.update(got.get("seconds", {}))
        total.cpu.update(got.get("cpu", {}))
    return total


def per_conversation(tally: Tally, conversations: int) -> dict[str, Any]:
    """Calls of the services (not the generator's own) per conversation, by service and by
    operation; and per operation, the server's mean time per call and its share of the
    embedded AWS's CPU."""
    mine = [k for k in tally.calls if k.split(" ", 1)[0] in _SERVICES]
    services = Counter({k: tally.calls[k] for k in mine})
    n = max(conversations, 1)
    by_service: Counter[str] = Counter()
    for key, v in services.items():
        by_service[key.split(" ", 1)[0]] += v
    cpu_total = sum(tally.cpu.values()) or 1.0
    return {
        "conversations": conversations,
        "total": round(sum(services.values()) / n, 1),
        "by_service": {k: round(v / n, 1) for k, v in by_service.most_common()},
        "by_operation": {k: round(v / n, 2) for k, v in services.most_common()},
        "server_ms_per_call": {
            k: round(1000 * tally.seconds[k] / v, 2) for k, v in services.most_common() if v
        },
        "server_cpu_ms_per_call": {
            k: round(1000 * tally.cpu[k] / v, 2) for k, v in services.most_common() if v
        },
        "cpu_share": {
            k: round(v / cpu_total, 4) for k, v in tally.cpu.most_common() if v / cpu_total >= 0.001
        },
    }
