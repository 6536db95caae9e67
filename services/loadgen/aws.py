"""The embedded AWS as an administrator sees it: credentials, clients, this stack's prefix."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from services.devstack.local_iam import admin_keys

_CONFIG = Config(retries={"max_attempts": 3}, max_pool_connections=16)
# A table every stack has, to find the stack's name prefix from the table list.
_MARKER = "-ledger-holds"


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
