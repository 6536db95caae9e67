"""The gateway's local WebSocket edge: sockets on one side, API Gateway's @connections API on
the other, spoken to with the real aioboto3 `apigatewaymanagementapi` client."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import aioboto3
import aiohttp
import pytest

from services.runtime.aws import Aws
from services.wire.names import Service
from tests.integration.bus.helpers import drain
from tests.integration.realtime.helpers import Gateway, People, eventually


async def _connection_item(aws: Aws, connection_id: str) -> dict[str, Any] | None:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table("gateway-connections"),
        Key={"connectionId": {"S": connection_id}},
        ConsistentRead=True,
    )
    return resp.get("Item")


async def _presence_item(aws: Aws, user_id: str) -> dict[str, Any] | None:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table("gateway-presence"), Key={"userId": {"S": user_id}}, ConsistentRead=True
    )
    return resp.get("Item")


def _only_connection(gateway: Gateway) -> str:
    (connection_id,) = gateway.realtime.sockets
    return connection_id


async def test_boto3_connections_client_posts_reads_and_deletes_through_the_local_edge(
    gateway: Gateway, people: People
) -> None:
    tab = await gateway.tab(people.token("alice"))
    await eventually(lambda: len(gateway.realtime.sockets) == 1)
    connection_id = _only_connection(gateway)
    session = aioboto3.Session(region_name="us-east-1")
    async with session.client("apigatewaymanagementapi", endpoint_url=gateway.url) as api:
        await api.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"hello","n":1}')
        await api.post_to_connection(ConnectionId=connection_id, Data='{"type":"é","n":2}'.encode())
        await tab.wait_for(2)
        # Each post is exactly one text frame, byte for byte.
        assert tab.frames == ['{"type":"hello","n":1}', '{"type":"é","n":2}']

        info = await api.get_connection(ConnectionId=connection_id)
        assert isinstance(info["ConnectedAt"], datetime)
        assert info["LastActiveAt"] >= info["ConnectedAt"]
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        assert info["Identity"]["UserAgent"].startswith("Python")

        await api.delete_connection(ConnectionId=connection_id)
        assert await tab.closed() == 1000
        await eventually(lambda: not gateway.realtime.sockets)

        with pytest.raises(api.exceptions.GoneException):
            await api.post_to_connection(ConnectionId=connection_id, Data=b"{}")
        with pytest.raises(api.exceptions.GoneException):
            await api.get_connection(ConnectionId=connection_id)
        with pytest.raises(api.exceptions.GoneException):
            await api.delete_connection(ConnectionId="never-was=")


async def test_connections_api_answers_only_callers_on_this_machine(
    gateway: Gateway, people: People
) -> None:
    await gateway.tab(people.token("alice"))
    await eventually(lambda: len(gateway.realtime.sockets) == 1)
    url = f"{gateway.url}/@connections/{_only_connection(gateway)}"
    # Through a proxy (as from a load balancer), the request is someone else's.
    async with gateway.http.post(url, data=b"{}", headers={"X-Forwarded-For": "203.0.113.9"}) as r:
        assert r.status == 403
        assert r.headers["x-amzn-ErrorType"] == "ForbiddenException"
    async with gateway.http.post(url, data=b'{"type":"ok"}') as r:
        assert r.status == 200


@pytest.mark.parametrize("token", ["", "not-a-jwt", "eyJhbGciOiJub25lIn0.e30."])
async def test_invalid_token_is_refused_before_the_upgrade_with_401(
    gateway: Gateway, aws: Aws, token: str
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await gateway.http.ws_connect(f"{gateway.url}/v1/ws", params={"token": token})
    assert refused.value.status == 401
    async with gateway.http.get(f"{gateway.url}/v1/ws", params={"token": token}) as resp:
        assert resp.status == 401
        assert resp.content_type == "application/problem+json"
        assert (await resp.json())["code"] == "unauthorized"
    assert not gateway.realtime.sockets
    table = await aws.dynamodb.scan(TableName=aws.table("gateway-connections"))
    assert table["Count"] == 0


async def test_a_tampered_token_of_a_real_person_is_refused(
    gateway: Gateway, people: People
) -> None:
    # A real token whose signature no longer matches (one character of the payload changed).
    head, payload, signature = people.token("bob").split(".")
    forged = f"{head}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await gateway.http.ws_connect(f"{gateway.url}/v1/ws", params={"token": forged})
    assert refused.value.status == 401


async def test_connect_records_the_connection_and_presence_and_disconnect_removes_them(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    alice = people.id("alice")
    first = await gateway.tab(people.token("alice"))
    second = await gateway.tab(people.token("alice"))
    await eventually(lambda: len(gateway.realtime.sockets) == 2)
    ids = list(gateway.realtime.sockets)

    async def recorded() -> bool:
        items = [await _connection_item(aws, c) for c in ids]
        return all(i is not None and i["userId"]["S"] == alice for i in items)

    await eventually(recorded)
    presence = await _presence_item(aws, alice)
    assert presence is not None
    assert presence["connections"]["N"] == "2"
    assert presence["shard"]["S"].startswith("online#")

    await first.close()

    async def one_left() -> bool:
        p = await _presence_item(aws, alice)
        return p is not None and p["connections"]["N"] == "1" and "shard" in p

    await eventually(one_left)
    await second.close()

    async def offline() -> bool:
        p = await _presence_item(aws, alice)
        return p is not None and p["connections"]["N"] == "0" and "shard" not in p

    await eventually(offline)
    assert [await _connection_item(aws, c) for c in ids] == [None, None]
    # The notifier heard of both connections opening and closing, in order, per person.
    inbox = await drain(aws, aws.topology.inbox(Service.NOTIFIER).name, rounds=1)
    events = [json.loads(m["Body"]) for m in inbox]
    assert (
        sorted(e["type"] for e in events) == ["connection.closed"] * 2 + ["connection.opened"] * 2
    )
    assert {e["payload"]["connectionId"] for e in events} == set(ids)
    assert {e["payload"]["userId"] for e in events} == {alice}


async def test_a_socket_opens_in_the_browser_only_once_it_counts_in_presence(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    """As API Gateway answers the upgrade only after `$connect`: someone whose tab is open
    can be invited at once (a slow presence write must hold the upgrade, not race it)."""
    await gateway.tab(people.token("bob"))  # the edge exists once a first socket opened
    edge = gateway.realtime.edge
    assert edge is not None
    connected = edge.presence.connected

    async def slowly(*args: Any) -> Any:
        await asyncio.sleep(0.5)
        return await connected(*args)

    edge.presence.connected = slowly  # type: ignore[method-assign]
    ws = await gateway.http.ws_connect(
        f"{gateway.url}/v1/ws", params={"token": people.token("dave")}
    )
    try:
        presence = await _presence_item(aws, people.id("dave"))
        assert presence is not None
        assert presence["connections"]["N"] == "1", presence
    finally:
        await ws.close()


async def test_ping_is_answered_with_pong_and_renews_the_leases(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    tab = await gateway.tab(people.token("carol"))
    await eventually(lambda: len(gateway.realtime.sockets) == 1)
    connection_id = _only_connection(gateway)
    await eventually(lambda: _connection_item(aws, connection_id))
    before = await _connection_item(aws, connection_id)
    presence_before = await _presence_item(aws, people.id("carol"))
    assert before is not None
    assert presence_before is not None

    await asyncio.sleep(1.1)  # leases are in whole seconds
    edge = gateway.realtime.edge
    assert edge is not None
    edge.refresh_every_s = 0
    edge.presence.renew_after_s = 0  # presence renews once a minute: here, on this ping
    edge.connections.renew_after_s = 0  # and so does the connection's lease
    await tab.send({"type": "ping"})
    await tab.send({"type": "something else"})
    await tab.ws.send_str("not json")
    await eventually(lambda: [m["type"] for m in tab.received] == ["pong"])

    after = await _connection_item(aws, connection_id)
    presence_after = await _presence_item(aws, people.id("carol"))
    assert after is not None
    assert presence_after is not None
    assert int(after["expiresAt"]["N"]) > int(before["expiresAt"]["N"])
    assert after["lastSeen"]["S"] > before["lastSeen"]["S"]
    assert int(presence_after["expiresAt"]["N"]) > int(presence_before["expiresAt"]["N"])
    await asyncio.sleep(0.2)
    assert [m["type"] for m in tab.received] == ["pong"]  # other frames are ignored


async def test_stopping_the_gateway_closes_sockets_with_going_away_and_records_the_disconnects(
    stack: Any, people: People, aws: Aws
) -> None:
    from tests.integration.realtime.helpers import gateway_settings, running_gateway

    async with running_gateway(gateway_settings(stack, people.pool)) as gw:
        tab = await gw.tab(people.token("dave"))
        await eventually(lambda: len(gw.realtime.sockets) == 1)
        connection_id = _only_connection(gw)
        await eventually(lambda: _connection_item(aws, connection_id))
    assert await tab.closed() == 1001
    assert await _connection_item(aws, connection_id) is None
    presence = await _presence_item(aws, people.id("dave"))
    assert presence is not None
    assert "shard" not in presence
