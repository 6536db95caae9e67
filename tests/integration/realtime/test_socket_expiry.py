"""A socket does not outlive the token it was opened with.

Tokens here come from a stand-in issuer (its JWKS served over HTTP), because the embedded
Cognito always issues one-hour tokens: a test needs one that expires in a second or two.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator

import pytest

from services.gateway.http.auth import Jwks, TokenVerifier
from services.runtime.aws import Aws
from tests.conftest import Stack
from tests.integration.realtime.helpers import (
    ConnectionsApi,
    People,
    eventually,
    gateway_settings,
    running_gateway,
)
from tests.unit.gateway.forge import Issuer, JwksServer

SECRET = "edge-secret-for-tests-0123456789"
CONNECTION = "ExPiReS0ckEt1w="


@pytest.fixture
async def keys() -> AsyncIterator[JwksServer]:
    server = await JwksServer(Issuer()).start()
    yield server
    await server.close()


def _verifier(keys: JwksServer) -> TokenVerifier:
    i = keys.issuer
    return TokenVerifier(issuer=i.issuer, client_id=i.client_id, jwks=Jwks(keys.url))


def _short_token(keys: JwksServer, sub: str, lifetime_s: float) -> tuple[str, float]:
    exp = math.ceil(time.time() + lifetime_s)
    return keys.issuer.token(sub, exp=exp), float(exp)


async def _record(aws: Aws, connection_id: str) -> object:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table("gateway-connections"),
        Key={"connectionId": {"S": connection_id}},
        ConsistentRead=True,
    )
    return resp.get("Item")


async def _gone(aws: Aws, connection_id: str) -> bool:
    return await _record(aws, connection_id) is None


async def test_a_local_socket_is_told_and_closed_when_its_token_expires(
    stack: Stack, people: People, keys: JwksServer, aws: Aws
) -> None:
    settings = gateway_settings(stack, people.pool)
    async with running_gateway(settings, _verifier(keys)) as gw:
        short, exp = _short_token(keys, "expiring-ann", 3)
        expiring = await gw.tab(short)
        lasting = await gw.tab(keys.issuer.token("lasting-ben"))
        sockets = gw.realtime.sockets.items()
        (connection_id,) = [c for c, s in sockets if s.user_id == "expiring-ann"]

        code = await expiring.closed(timeout_s=exp - time.time() + 3)
        closed_at = time.time()

        assert code == 4001
        assert exp <= closed_at < exp + 1.5, "the socket outlived its token"
        assert expiring.types() == ["auth.expired"]
        assert expiring.received[-1]["expiredAt"].endswith("Z")
        await eventually(lambda: _gone(aws, connection_id))
        # Someone whose token is still good keeps their socket.
        assert not lasting.ws.closed
        await eventually(
            lambda: [s.user_id for s in gw.realtime.sockets.values()] == ["lasting-ben"]
        )
        await lasting.close()


async def _edge(gw_url: str, http: object, route: str, body: str = "", **query: str) -> int:
    headers = {"X-Connection-Id": CONNECTION, "X-Parley-Edge-Secret": SECRET}
    async with http.post(  # type: ignore[attr-defined]
        f"{gw_url}/ws-edge/{route}", headers=headers, params=query, data=body.encode()
    ) as resp:
        await resp.read()
        return int(resp.status)


async def test_behind_api_gateway_an_expired_socket_gets_a_message_and_a_delete_connection(
    stack: Stack,
    people: People,
    keys: JwksServer,
    aws: Aws,
    connections_api: ConnectionsApi,
) -> None:
    settings = gateway_settings(
        stack, people.pool, edge_secret=SECRET, connections_endpoint_url=connections_api.url
    )
    async with running_gateway(settings, _verifier(keys)) as gw:
        short, exp = _short_token(keys, "expiring-cat", 3)
        assert await _edge(gw.url, gw.http, "connect", token=short) == 200
        await eventually(lambda: len(connections_api.calls) >= 2, timeout_s=exp - time.time() + 3)
        assert time.time() < exp + 1.5
        (post, delete) = connections_api.calls
        assert post[:2] == ("POST", CONNECTION)
        assert b'"type": "auth.expired"' in post[2]
        assert delete[:2] == ("DELETE", CONNECTION)
        await eventually(lambda: _gone(aws, CONNECTION))  # the disconnect follows


async def test_a_ping_through_another_gateway_process_expires_the_socket_too(
    stack: Stack,
    people: People,
    keys: JwksServer,
    aws: Aws,
    connections_api: ConnectionsApi,
) -> None:
    settings = gateway_settings(
        stack, people.pool, edge_secret=SECRET, connections_endpoint_url=connections_api.url
    )
    async with running_gateway(settings, _verifier(keys)) as opener:
        short, exp = _short_token(keys, "expiring-dan", 2)
        assert await _edge(opener.url, opener.http, "connect", token=short) == 200
    # The process that opened it has stopped before its timer fired (a deploy, a crash).
    assert connections_api.calls == []
    await asyncio.sleep(max(0.0, exp - time.time()) + 0.1)
    async with running_gateway(settings, _verifier(keys)) as other:
        status = await _edge(other.url, other.http, "message", body='{"type":"ping"}')
        assert status == 204  # no pong: the socket is being closed
        assert [(m, c) for m, c, _ in connections_api.calls] == [
            ("POST", CONNECTION),
            ("DELETE", CONNECTION),
        ]
        await eventually(lambda: _gone(aws, CONNECTION))  # the disconnect follows


async def test_a_token_already_expired_opens_no_socket_even_within_the_clock_leeway(
    stack: Stack, people: People, keys: JwksServer
) -> None:
    settings = gateway_settings(stack, people.pool)
    async with running_gateway(settings, _verifier(keys)) as gw:
        # 10 s past expiry: REST routes still take it (30 s leeway), a socket would not last.
        stale = keys.issuer.token("late-lou", exp=int(time.time()) - 10)
        async with gw.http.get(f"{gw.url}/v1/ws", params={"token": stale}) as resp:
            assert resp.status == 401
            assert (await resp.json())["detail"] == "token expired"
        assert gw.realtime.sockets == {}
