"""The edge's limits on real sockets and real records: frame size and control frames, the
sockets one person may hold (across gateway processes), the connects one person may make,
and the same limits behind API Gateway (`/ws-edge/*`, `@connections` DELETE)."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from services.runtime.aws import Aws
from tests.conftest import Stack
from tests.integration.realtime.helpers import (
    ConnectionsApi,
    Gateway,
    People,
    Tab,
    eventually,
    gateway_settings,
    running_gateway,
)

CLOSE_POLICY = 1008  # RFC 6455: policy violation
CLOSE_TOO_BIG = 1009
CLOSE_TOO_MANY_SOCKETS = 4409
CLOSE_TOO_MANY_CONNECTS = 4429
SECRET = "edge-secret-for-tests-0123456789"


async def _close_code(ws: aiohttp.ClientWebSocketResponse, timeout_s: float = 5.0) -> int | None:
    """Read until the server closes the socket; its close code (None if it stayed open)."""
    deadline = time.monotonic() + timeout_s
    while not ws.closed:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            await ws.receive(timeout=left)
        except TimeoutError:
            return None
    return ws.close_code


async def _records_of(aws: Aws, user_id: str) -> int:
    rows = await aws.dynamodb.scan(TableName=aws.table("gateway-connections"))
    return sum(r["userId"]["S"] == user_id for r in rows["Items"])


async def _await_window(seconds: float, needed_s: float) -> None:
    """Start in a fresh stretch of a fixed window, so the whole test falls inside one."""
    left = seconds - time.time() % seconds
    if left < needed_s:
        await asyncio.sleep(left + 0.05)


# ---- frames on the local edge ----------------------------------------------------------------


async def test_a_frame_over_the_size_cap_closes_the_socket_with_the_policy_code(
    gateway: Gateway, people: People
) -> None:
    tab = await gateway.tab(people.token("alice"))
    await tab.ws.send_str(json.dumps({"type": "ping", "pad": "x" * 4100}))
    assert await tab.closed() == CLOSE_POLICY
    assert tab.received == [{"type": "socket.limited", "reason": "too_large"}]


async def test_a_frame_too_big_to_read_is_refused_unread(gateway: Gateway, people: People) -> None:
    tab = await gateway.tab(people.token("alice"))
    await tab.ws.send_str("x" * 20_000)  # past 4 bytes per allowed character
    assert await tab.closed() == CLOSE_TOO_BIG
    await eventually(lambda: not gateway.realtime.sockets)


async def test_a_flood_of_control_frame_pings_is_counted_and_closed(
    gateway: Gateway, people: People
) -> None:
    tab = await gateway.tab(people.token("bob"))
    for _ in range(40):
        if tab.ws.closed:
            break
        await tab.ws.ping(b"x")
    assert await tab.closed() == CLOSE_POLICY


async def test_a_person_sending_a_frame_a_second_is_never_limited(
    gateway: Gateway, people: People
) -> None:
    # Ten times the SPA's pace (one ping per 25 s) but within the bucket: always answered.
    tab = await gateway.tab(people.token("carol"))
    for _ in range(25):
        await tab.send({"type": "ping"})
        await asyncio.sleep(0.11)
    await eventually(lambda: len(tab.received) == 25)
    assert {m["type"] for m in tab.received} == {"pong"}
    assert not tab.ws.closed
    await tab.close()


# ---- sockets per person ----------------------------------------------------------------------


async def test_a_sixth_socket_of_one_person_is_refused_and_the_five_open_keep_working(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    dave, token = people.id("dave"), people.token("dave")
    tabs = [await gateway.tab(token) for _ in range(5)]
    sixth = await gateway.http.ws_connect(f"{gateway.url}/v1/ws", params={"token": token})
    assert await _close_code(sixth) == CLOSE_TOO_MANY_SOCKETS
    assert await _records_of(aws, dave) == 5
    assert not any(t.ws.closed for t in tabs)
    # Someone else is not affected by dave's tabs.
    other = await gateway.tab(people.token("alice"))
    assert not other.ws.closed

    # A tab closes: the next one gets in.
    await tabs[0].close()

    async def four_left() -> bool:
        return await _records_of(aws, dave) == 4

    await eventually(four_left)
    again = await gateway.tab(token)
    assert not again.ws.closed
    assert await _records_of(aws, dave) == 5


async def test_leftover_records_of_a_killed_local_edge_do_not_lock_anyone_out(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    # Five records with live leases whose sockets died with the edge process that held them.
    bob, now = people.id("bob"), int(time.time())
    for i in range(5):
        await aws.dynamodb.put_item(
            TableName=aws.table("gateway-connections"),
            Item={
                "connectionId": {"S": f"DeAd{i:011d}="},
                "userId": {"S": bob},
                "connectedAt": {"S": "2026-12-07T09:00:00.000Z"},
                "lastSeen": {"S": "2026-12-07T09:00:00.000Z"},
                "expiresAt": {"N": str(now + 100)},
                "leaseShard": {"S": "0"},
                "tokenExpiresAt": {"N": str(now + 3000)},
            },
        )
    tab = await gateway.tab(people.token("bob"))
    assert not tab.ws.closed
    await tab.close()


# ---- connects per person ---------------------------------------------------------------------


async def test_the_31st_connect_of_a_person_within_a_minute_is_refused(
    stack: Stack, people: People
) -> None:
    settings = gateway_settings(stack, people.pool, ws_sockets_per_person=40)
    token = people.token("bob")
    await _await_window(60.0, needed_s=8.0)
    # Two processes: the count is shared, not one per process.
    async with running_gateway(settings) as a, running_gateway(settings) as b:
        tabs: list[Tab] = []
        for i in range(30):
            tabs.append(await (a if i % 2 else b).tab(token))
        for gw in (a, b):
            ws = await gw.http.ws_connect(f"{gw.url}/v1/ws", params={"token": token})
            assert await _close_code(ws) == CLOSE_TOO_MANY_CONNECTS
        assert not any(t.ws.closed for t in tabs)
        # The limit is the person's: someone else connects.
        assert not (await a.tab(people.token("alice"))).ws.closed


# ---- behind API Gateway ----------------------------------------------------------------------


@pytest.fixture
async def aws_gateway(
    stack: Stack, people: People, connections_api: ConnectionsApi
) -> AsyncIterator[Gateway]:
    settings = gateway_settings(
        stack, people.pool, edge_secret=SECRET, connections_endpoint_url=connections_api.url
    )
    async with running_gateway(settings) as gw:
        yield gw


async def _edge(
    gw: Gateway, route: str, connection_id: str, body: str = "", **query: str
) -> tuple[int, Any, dict[str, str]]:
    headers = {"X-Connection-Id": connection_id, "X-Parley-Edge-Secret": SECRET}
    async with gw.http.post(
        f"{gw.url}/ws-edge/{route}", headers=headers, params=query, data=body.encode()
    ) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if text else None, dict(resp.headers)


async def test_behind_api_gateway_a_flooding_connection_is_deleted_once_through_connections(
    aws_gateway: Gateway, people: People, connections_api: ConnectionsApi, aws: Aws
) -> None:
    flooder, calm = "FlOoDeR0000001=", "CaLm0000000001="
    assert (await _edge(aws_gateway, "connect", flooder, token=people.token("alice")))[0] == 200
    assert (await _edge(aws_gateway, "connect", calm, token=people.token("bob")))[0] == 200
    ping = json.dumps({"type": "ping"})
    answers = await asyncio.gather(
        *(_edge(aws_gateway, "message", flooder, ping) for _ in range(60))
    )
    statuses = [status for status, _, _ in answers]
    assert statuses.count(200) == 20
    assert statuses.count(204) == 40
    # One message saying why, one delete: API Gateway then runs $disconnect.
    assert [(m, c) for m, c, _ in connections_api.calls] == [
        ("POST", flooder),
        ("DELETE", flooder),
    ]
    assert json.loads(connections_api.calls[0][2]) == {
        "type": "socket.limited",
        "reason": "too_fast",
    }
    # The other connection's pings are answered as ever.
    status, body, _ = await _edge(aws_gateway, "message", calm, ping)
    assert (status, body) == (200, {"type": "pong"})
    assert (await _edge(aws_gateway, "disconnect", flooder))[0] == 200
    assert await _records_of(aws, people.id("alice")) == 0


async def test_behind_api_gateway_an_oversized_frame_deletes_the_connection(
    aws_gateway: Gateway, people: People, connections_api: ConnectionsApi
) -> None:
    big = "BiGfRaMe000001="
    assert (await _edge(aws_gateway, "connect", big, token=people.token("carol")))[0] == 200
    status, _, _ = await _edge(aws_gateway, "message", big, "x" * 5000)
    assert status == 204
    assert [(m, c) for m, c, _ in connections_api.calls] == [("POST", big), ("DELETE", big)]
    assert b"too_large" in connections_api.calls[0][2]


async def test_behind_api_gateway_a_connect_past_the_socket_cap_is_refused_with_409(
    aws_gateway: Gateway, people: People, aws: Aws
) -> None:
    token = people.token("dave")
    for i in range(5):
        assert (await _edge(aws_gateway, "connect", f"DaVe{i:011d}=", token=token))[0] == 200
    status, body, _ = await _edge(aws_gateway, "connect", "DaVe99999999999=", token=token)
    assert (status, body["code"]) == (409, "too-many-sockets")
    assert await _records_of(aws, people.id("dave")) == 5
    assert (await _edge(aws_gateway, "disconnect", "DaVe00000000000="))[0] == 200
    assert (await _edge(aws_gateway, "connect", "DaVe99999999999=", token=token))[0] == 200


async def test_behind_api_gateway_the_socket_cap_holds_across_gateway_tasks(
    stack: Stack, people: People, aws: Aws
) -> None:
    settings = gateway_settings(stack, people.pool, edge_secret=SECRET, ws_sockets_per_person=2)
    token = people.token("carol")
    async with running_gateway(settings) as a, running_gateway(settings) as b:
        assert (await _edge(a, "connect", "CaRoL000000001=", token=token))[0] == 200
        assert (await _edge(b, "connect", "CaRoL000000002=", token=token))[0] == 200
        for gw in (a, b):
            status, body, _ = await _edge(gw, "connect", "CaRoL000000003=", token=token)
            assert (status, body["code"]) == (409, "too-many-sockets")
        # A socket whose token expired is closing: its tab's reconnect is not refused for it.
        await aws.dynamodb.update_item(
            TableName=aws.table("gateway-connections"),
            Key={"connectionId": {"S": "CaRoL000000001="}},
            UpdateExpression="SET tokenExpiresAt = :past",
            ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
        )
        assert (await _edge(b, "connect", "CaRoL000000003=", token=token))[0] == 200


async def test_behind_api_gateway_a_connect_past_the_connect_rate_is_refused_with_429(
    stack: Stack, people: People, aws: Aws
) -> None:
    # A tenth of the limits: the connect rule allows 3 per minute.
    settings = gateway_settings(stack, people.pool, edge_secret=SECRET, rate_limit_scale=0.1)
    await _await_window(60.0, needed_s=5.0)
    async with running_gateway(settings) as gw:
        token = people.token("alice")
        for i in range(3):
            assert (await _edge(gw, "connect", f"RaTe{i:011d}=", token=token))[0] == 200
            assert (await _edge(gw, "disconnect", f"RaTe{i:011d}="))[0] == 200
        status, body, headers = await _edge(gw, "connect", "RaTe99999999999=", token=token)
        assert (status, body["code"]) == (429, "rate-limited")
        assert 1 <= int(headers["Retry-After"]) <= math.ceil(60.0)
        assert await _records_of(aws, people.id("alice")) == 0
