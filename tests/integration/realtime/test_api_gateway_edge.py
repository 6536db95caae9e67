"""API Gateway's WebSocket routes reaching the gateway as HTTP (`/ws-edge/*`), as in AWS."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from services.devstack.embedded_aws import free_port
from services.gateway.service import run
from services.runtime.aws import Aws
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.bus.helpers import drain
from tests.integration.realtime.helpers import (
    Gateway,
    People,
    gateway_settings,
    running_gateway,
)

SECRET = "edge-secret-for-tests-0123456789"
CONNECTION = "L0SM9cOFvHcCIhw="


@pytest.fixture
async def aws_gateway(stack: Stack, people: People) -> AsyncIterator[Gateway]:
    """A gateway behind API Gateway: the edge secret set, so no local edge."""
    async with running_gateway(gateway_settings(stack, people.pool, edge_secret=SECRET)) as gw:
        yield gw


async def _call(
    gw: Gateway, route: str, *, secret: str | None = SECRET, body: str = "", **query: str
) -> tuple[int, Any]:
    headers = {"X-Connection-Id": CONNECTION}
    if secret is not None:
        headers["X-Parley-Edge-Secret"] = secret
    async with gw.http.post(
        f"{gw.url}/ws-edge/{route}", headers=headers, params=query, data=body.encode()
    ) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if text else None


async def _record(aws: Aws) -> dict[str, Any] | None:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table("gateway-connections"),
        Key={"connectionId": {"S": CONNECTION}},
        ConsistentRead=True,
    )
    return resp.get("Item")


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
async def test_edge_routes_refuse_callers_without_the_shared_secret(
    aws_gateway: Gateway, people: People, aws: Aws, secret: str | None
) -> None:
    for route in ("connect", "disconnect", "message"):
        status, body = await _call(aws_gateway, route, secret=secret, token=people.token("bob"))
        assert status == 403
        assert body["code"] == "forbidden"
    assert await _record(aws) is None


async def test_edge_routes_refuse_everyone_while_no_secret_is_configured(
    gateway: Gateway, people: People
) -> None:
    status, _ = await _call(gateway, "connect", secret="", token=people.token("bob"))
    assert status == 403


async def test_connect_with_a_bad_token_is_refused_with_401(aws_gateway: Gateway, aws: Aws) -> None:
    status, body = await _call(aws_gateway, "connect", token="not-a-token")
    assert status == 401
    assert body["code"] == "unauthorized"
    status, _ = await _call(aws_gateway, "connect")
    assert status == 401
    assert await _record(aws) is None


async def test_connect_ping_disconnect_run_the_same_records_as_the_local_edge(
    aws_gateway: Gateway, people: People, aws: Aws
) -> None:
    bob = people.id("bob")
    status, _ = await _call(aws_gateway, "connect", token=people.token("bob"))
    assert status == 200
    record = await _record(aws)
    assert record is not None
    assert record["userId"]["S"] == bob

    assert await _call(aws_gateway, "message", body='{"type":"ping"}') == (200, {"type": "pong"})
    assert (await _call(aws_gateway, "message", body='{"type":"chat"}'))[0] == 204
    assert (await _call(aws_gateway, "message", body="{broken"))[0] == 204

    assert (await _call(aws_gateway, "disconnect"))[0] == 200
    assert await _record(aws) is None
    # A second $disconnect (API Gateway may repeat itself) changes nothing.
    assert (await _call(aws_gateway, "disconnect"))[0] == 200

    inbox = await drain(aws, aws.topology.inbox(Service.NOTIFIER).name, rounds=1)
    events = [json.loads(m["Body"]) for m in inbox]
    assert [e["type"] for e in events] == ["connection.opened", "connection.closed"]
    assert all(e["payload"] == {"connectionId": CONNECTION, "userId": bob} for e in events)


async def test_with_api_gateway_as_the_edge_the_local_edge_is_off(
    aws_gateway: Gateway, people: People
) -> None:
    async with aws_gateway.http.get(
        f"{aws_gateway.url}/v1/ws", params={"token": people.token("bob")}
    ) as resp:
        assert resp.status == 404
    async with aws_gateway.http.post(f"{aws_gateway.url}/@connections/{CONNECTION}") as resp:
        assert resp.status == 404


# ---- behind the VPC link: /ws-edge/* answered on the edge port only, no secret --------------


@pytest.fixture
async def linked_gateway(stack: Stack, people: People) -> AsyncIterator[tuple[str, str]]:
    """The gateway as it runs in AWS: its HTTP port for the ALB, its edge port for the NLB."""
    http_port, edge_port = free_port(), free_port()
    settings = gateway_settings(
        stack, people.pool, http_port=http_port, edge_port=edge_port, edge_secret=""
    )
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run(settings, stop, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        yield f"http://127.0.0.1:{http_port}", f"http://127.0.0.1:{edge_port}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def _post(url: str, route: str, **query: str) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}/ws-edge/{route}", headers={"X-Connection-Id": CONNECTION}, params=query
        ) as resp,
    ):
        return resp.status


async def test_the_edge_port_alone_admits_api_gateway_without_any_secret(
    linked_gateway: tuple[str, str], people: People, aws: Aws
) -> None:
    public, edge = linked_gateway
    # Through the ALB's port: refused, whatever the caller sends.
    for route in ("connect", "disconnect", "message"):
        assert await _post(public, route, token=people.token("bob")) == 403
    assert await _record(aws) is None
    # Through the edge port (only the NLB behind the VPC link reaches it): answered.
    assert await _post(edge, "connect", token=people.token("bob")) == 200
    record = await _record(aws)
    assert record is not None
    assert record["userId"]["S"] == people.id("bob")
    assert await _post(edge, "disconnect") == 200
    assert await _record(aws) is None
    # And the local edge is off on both ports: API Gateway holds the sockets.
    async with aiohttp.ClientSession() as http:
        for url in linked_gateway:
            params = {"token": people.token("bob")}
            async with http.get(f"{url}/v1/ws", params=params) as resp:
                assert resp.status == 404
