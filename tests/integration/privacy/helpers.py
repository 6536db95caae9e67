"""Driving the local stack as a person does (HTTP, WebSocket, the embedded Cognito), and
looking at it as an auditor does (a scan of every table in the embedded AWS)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from boto3.dynamodb.types import TypeDeserializer

from services.devstack.provision import clients
from services.wire.tables import ALL_TABLES, Table

PASSWORD = "Parley-demo-1"
T = TypeVar("T")


@dataclass
class Person:
    name: str
    id_token: str
    refresh_token: str
    user_id: str = ""


@dataclass
class Found:
    """One item that mentions someone: its table (logical name), key and whole item."""

    logical: str
    key: tuple[tuple[str, str], ...]
    item: dict[str, Any]


def sign_in(moto_url: str, auth: dict[str, Any], name: str) -> Person:
    idp = clients(moto_url, auth["region"], "cognito-idp")
    result = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=auth["clientId"],
        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return Person(name, result["IdToken"], result["RefreshToken"])


def refresh(moto_url: str, auth: dict[str, Any], person: Person) -> str:
    idp = clients(moto_url, auth["region"], "cognito-idp")
    result = idp.initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH",
        ClientId=auth["clientId"],
        AuthParameters={"REFRESH_TOKEN": person.refresh_token},
    )
    return str(result["AuthenticationResult"]["IdToken"])


class Api:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base

    async def call(self, method: str, path: str, who: Person, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {who.id_token}"}
        async with self.http.request(method, self.base + path, json=body, headers=headers) as resp:
            text = await resp.text()
            return resp.status, (json.loads(text) if text else None)

    async def ok(self, method: str, path: str, who: Person, body: Any = None) -> Any:
        status, answer = await self.call(method, path, who, body)
        assert status < 300, (method, path, who.name, status, answer)
        return answer


async def until(probe: Callable[[], Awaitable[T | None]], what: str, timeout_s: float = 30) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        got = await probe()
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.3)


def _table_of(name: str, prefix: str) -> Table | None:
    return next((t for t in ALL_TABLES if t.name(prefix) == name), None)


def scan_for(moto_url: str, region: str, prefix: str, needle: str) -> list[Found]:
    """Every item of every table in the embedded AWS that mentions `needle` anywhere."""
    db = clients(moto_url, region, "dynamodb")
    plain = TypeDeserializer()
    found: list[Found] = []
    for page in db.get_paginator("list_tables").paginate():
        for name in page["TableNames"]:
            table = _table_of(name, prefix)
            assert table is not None, f"a table the wire does not declare: {name}"
            keys = [k.name for k in (table.hash_key, table.range_key) if k]
            for scanned in db.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
                for raw in scanned["Items"]:
                    if needle not in json.dumps(raw, default=str):
                        continue
                    item = {k: plain.deserialize(v) for k, v in raw.items()}
                    key = tuple((k, str(item[k])) for k in keys)
                    found.append(Found(table.logical, key, item))
    return found


def exported_keys(export: dict[str, Any]) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """(table, key) of every item an export lists."""
    out = set()
    for logical, items in export["tables"].items():
        table = next(t for t in ALL_TABLES if t.logical == logical)
        keys = [k.name for k in (table.hash_key, table.range_key) if k]
        out |= {(logical, tuple((k, str(i[k])) for k in keys)) for i in items}
    return out


def theirs(found: Found, me: str) -> bool:
    """An item that belongs to someone else though it names me: their history row of our
    conversation, their side of a block, partnership or pair, a report they filed about me.
    An export leaves these out by design (docs/privacy.md): they are not mine to see."""
    item = found.item
    if found.logical in {"gateway-blocks", "gateway-partners", "matcher-history"}:
        if item.get("userId") != me:
            return True
        return found.logical == "gateway-blocks" and not item.get("iBlocked")
    if found.logical == "matcher-pairs":
        by = item.get("blockedBy") or set()
        return item.get("userId") != me or (bool(item.get("blocked")) and me not in by)
    if found.logical == "gateway-reports":
        return item.get("reporterId") != me
    return False
