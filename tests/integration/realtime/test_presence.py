"""`GET /v1/presence`: people online, with their languages and whether they can take a call;
not me; bounded."""

from __future__ import annotations

import time
from typing import Any

from services.gateway.live.presence import PER_SHARD, SHARDS, shard_of
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item
from tests.integration.realtime.helpers import Gateway, People, eventually


async def _profile(aws: Aws, user_id: str, name: str, speaks: list[str], learns: list[str]) -> None:
    item = {"userId": user_id, "name": name, "speaks": speaks, "learns": learns}
    await aws.dynamodb.put_item(TableName=aws.table("gateway-profiles"), Item=to_item(item))


async def _state(aws: Aws, user_id: str, state: str) -> None:
    item = {"userId": user_id, "state": state, "updatedAt": "2026-03-01T09:00:00Z"}
    await aws.dynamodb.put_item(TableName=aws.table("matcher-people"), Item=to_item(item))


async def _presence(gw: Gateway, token: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with gw.http.get(f"{gw.url}/v1/presence", headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_presence_lists_online_free_people_with_their_languages_but_not_me(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    alice, bob, carol, dave = (people.id(n) for n in ("alice", "bob", "carol", "dave"))
    await _profile(aws, bob, "Bob B.", ["es"], ["en"])
    await _profile(aws, carol, "Carol", ["en"], ["fr"])
    await _state(aws, bob, "free")
    await _state(aws, carol, "in_session")
    # dave was online once, but his lease ran out without a $disconnect (the embedded AWS
    # never deletes expired items; presence must not list him).
    stale = int(time.time()) - 5
    await aws.dynamodb.put_item(
        TableName=aws.table("gateway-presence"),
        Item=to_item(
            {
                "userId": dave,
                "shard": shard_of(dave),
                "lastSeen": stale * 1000,
                "connections": 1,
                "expiresAt": stale,
                "name": "Dave",
            }
        ),
    )
    for name in ("alice", "bob", "carol"):
        await gateway.tab(people.token(name))
    await eventually(lambda: len(gateway.realtime.sockets) == 3)

    status, body = await _presence(gateway, people.token("alice"))
    assert status == 200
    # Carol is in a call: listed as unavailable, after whoever can take one.
    assert body == {
        "people": [
            {
                "userId": bob,
                "name": "Bob B.",
                "speaks": ["es"],
                "learns": ["en"],
                "available": True,
            },
            {
                "userId": carol,
                "name": "Carol",
                "speaks": ["en"],
                "learns": ["fr"],
                "available": False,
                "why": "in_call",
            },
        ]
    }

    # Without a profile, the name from the sign-in token stands in.
    status, body = await _presence(gateway, people.token("bob"))
    alice_listed = {"userId": alice, "name": "Alice", "speaks": [], "learns": [], "available": True}
    assert body["people"][0] == alice_listed


async def test_someone_who_closes_their_last_tab_leaves_the_list(
    gateway: Gateway, people: People
) -> None:
    bob = people.id("bob")
    first = await gateway.tab(people.token("bob"))
    second = await gateway.tab(people.token("bob"))
    await eventually(lambda: len(gateway.realtime.sockets) == 2)

    async def listed() -> list[str]:
        _, body = await _presence(gateway, people.token("alice"))
        return [p["userId"] for p in body["people"]]

    assert await listed() == [bob]
    await first.close()
    await eventually(lambda: len(gateway.realtime.sockets) == 1)
    assert await listed() == [bob]  # one tab is still open
    await second.close()

    async def gone() -> bool:
        return await listed() == []

    await eventually(gone)


async def test_presence_is_bounded_to_fifty_newest_people(
    gateway: Gateway, aws: Aws, people: People
) -> None:
    now = int(time.time())
    everyone = [f"u{i:04d}" for i in range(SHARDS * PER_SHARD + 20)]
    items = [
        to_item(
            {
                "userId": user_id,
                "shard": shard_of(user_id),
                "lastSeen": (now - 1000 + i) * 1000,  # the later, the newer
                "connections": 1,
                "expiresAt": now + 120,
                "name": f"Person {i}",
            }
        )
        for i, user_id in enumerate(everyone)
    ]
    table = aws.table("gateway-presence")
    for start in range(0, len(items), 25):
        await aws.dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        )
    status, body = await _presence(gateway, people.token("alice"))
    assert status == 200
    listed = [p["userId"] for p in body["people"]]
    assert len(listed) == 50
    assert listed == sorted(everyone, reverse=True)[:50]


async def test_presence_needs_a_signed_in_person(gateway: Gateway) -> None:
    async with gateway.http.get(f"{gateway.url}/v1/presence") as resp:
        assert resp.status == 401
        assert (await resp.json(content_type=None))["code"] == "unauthorized"
