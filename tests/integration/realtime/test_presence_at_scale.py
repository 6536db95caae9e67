"""Presence whose cost follows people, not sockets or pings: a person's lease is renewed at
most once a minute however many tabs and gateway tasks their pings come through; someone
whose sockets all died leaves the list within the lease; a listing is one round of bounded
queries over every shard, whatever the crowd.

Time is given to `PresenceRecords` as the code's `now` (the leases are whole seconds), so a
minute of pings takes no minute; the writes are counted at the client, each one the embedded
AWS accepted.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from services.gateway.context import CTX
from services.gateway.live.presence import PresenceRecords
from services.gateway.live.presence_sizing import (
    LISTING_BURST,
    LISTING_FRESH_PER_S,
    LISTING_READS,
    MAX_LISTED,
    PER_SHARD,
    PING_S,
    SHARDS,
    renewal_period_s,
    shard_name,
    shard_of,
)
from services.gateway.settings import GatewaySettings
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item
from tests.conftest import Stack
from tests.integration.realtime.helpers import Gateway, People, eventually

TTL_S = GatewaySettings.model_fields["connection_ttl_s"].default


class Counting:
    """The DynamoDB client, counting the writes it made (UpdateItem calls that were accepted:
    a refused conditional write changes neither the item nor the index) and every query."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self.calls = 0
        self.writes = 0
        self.queries: list[dict[str, Any]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.lookups = 0  # keys asked for by BatchGetItem

    async def update_item(self, **kwargs: Any) -> Any:
        self.calls += 1
        answer = await self._db.update_item(**kwargs)
        self.writes += 1
        return answer

    async def query(self, **kwargs: Any) -> Any:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            answer = await self._db.query(**kwargs)
        finally:
            self.in_flight -= 1
        self.queries.append(answer)
        return answer

    async def batch_get_item(self, **kwargs: Any) -> Any:
        self.lookups += sum(len(r["Keys"]) for r in kwargs["RequestItems"].values())
        return await self._db.batch_get_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


async def _item(aws: Aws, user_id: str) -> dict[str, Any]:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table("gateway-presence"), Key={"userId": {"S": user_id}}, ConsistentRead=True
    )
    return dict(resp["Item"])


async def _online(aws: Aws, people: list[str], now: int, seen_ms: int | None = None) -> None:
    """People online as a connect leaves them (lease from `now`), written straight in."""
    items = [
        to_item(
            {
                "userId": u,
                "shard": shard_of(u),
                "lastSeen": seen_ms if seen_ms is not None else (now - len(people) + i) * 1000,
                "connections": 1,
                "expiresAt": now + TTL_S,
                "name": f"Person {i}",
            }
        )
        for i, u in enumerate(people)
    ]
    table = aws.table("gateway-presence")
    for start in range(0, len(items), 25):
        await aws.dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        )


async def test_pings_from_many_tabs_and_tasks_renew_a_person_at_most_once_a_minute(
    stack: Stack, aws: Aws
) -> None:
    counted = Counting(aws.dynamodb)
    # Two gateway tasks: each remembers only its own renewals.
    tasks = [PresenceRecords(counted, stack.prefix, TTL_S) for _ in range(2)]  # type: ignore[arg-type]
    t0 = int(time.time())
    await tasks[0].connected("alice", "Alice", t0)
    assert counted.writes == 1

    async def pings(at: float) -> None:
        # Five tabs' pings land on both tasks at once.
        await asyncio.gather(*(tasks[i % 2].refreshed("alice", at) for i in range(5)))

    for at in range(t0 + 5, t0 + 60, 5):
        await pings(at)
    assert counted.writes == 1  # nothing renewed within the first minute
    assert (await _item(aws, "alice"))["lastSeen"] == {"N": str(t0 * 1000)}
    # The task that connected asked nothing at all; the other was refused each time.
    assert counted.calls == 1 + 11 * 2

    await pings(t0 + 60)
    await pings(t0 + 61)
    await pings(t0 + 100)
    assert counted.writes == 2  # one renewal, whichever task and tab won
    item = await _item(aws, "alice")
    assert item["lastSeen"] == {"N": str((t0 + 60) * 1000)}
    assert item["expiresAt"] == {"N": str(t0 + 60 + TTL_S)}

    await pings(t0 + 120)
    assert counted.writes == 3


async def test_someone_whose_sockets_all_died_leaves_the_list_within_the_lease(
    stack: Stack, aws: Aws
) -> None:
    records = PresenceRecords(aws.dynamodb, stack.prefix, TTL_S, fresh_per_s=None)
    t0 = int(time.time())
    await records.connected("bob", "Bob", t0)
    # Alive for ten minutes, a ping every 45 s: listed at every moment, never lapsing
    # (renewals every 90 s, the lease 180 s).
    died = t0 + 600
    for at in range(t0, died + 1, int(PING_S)):
        await records.refreshed("bob", at)
        assert [o.user_id for o in await records.online(at + PING_S - 1)] == ["bob"]
    # Then the sockets die without a word: gone once the lease ends, within TTL_S of death.
    item = await _item(aws, "bob")
    renewed = int(item["lastSeen"]["N"]) // 1000
    assert died - renewal_period_s(TTL_S) - PING_S < renewed <= died
    assert [o.user_id for o in await records.online(renewed + TTL_S - 1)] == ["bob"]
    assert await records.online(renewed + TTL_S) == []
    assert renewed + TTL_S <= died + TTL_S


async def test_connect_lists_at_once_and_the_last_close_unlists_at_once(
    stack: Stack, aws: Aws
) -> None:
    records = PresenceRecords(aws.dynamodb, stack.prefix, TTL_S)
    t0 = time.time()
    assert await records.online(t0) == []
    await records.connected("carol", "Carol", t0)
    await records.connected("carol", "Carol", t0)  # a second tab
    assert [o.user_id for o in await records.online(t0 + 0.1)] == ["carol"]
    await records.disconnected("carol", t0 + 0.2)
    assert [o.user_id for o in await records.online(t0 + 0.3)] == ["carol"]
    await records.disconnected("carol", t0 + 0.4)
    assert await records.online(t0 + 0.5) == []
    assert "shard" not in await _item(aws, "carol")


async def test_a_listing_reads_every_shard_in_one_round_of_bounded_queries(
    stack: Stack, aws: Aws
) -> None:
    now = int(time.time())
    crowd = [f"p{i:04d}" for i in range(SHARDS * PER_SHARD * 3)]
    await _online(aws, crowd, now)
    counted = Counting(aws.dynamodb)
    records = PresenceRecords(counted, stack.prefix, TTL_S)  # type: ignore[arg-type]

    listed = await records.online(now)
    # One query per shard, all in flight at once; each a slice of its newest entries.
    assert len(counted.queries) == SHARDS
    assert counted.most_in_flight == SHARDS
    assert all(q["ScannedCount"] <= PER_SHARD for q in counted.queries)
    read = sum(q["ScannedCount"] for q in counted.queries)
    assert read == SHARDS * PER_SHARD <= LISTING_READS + SHARDS
    assert len(listed) == read
    # Newest first, and the newest 50 of the crowd are all there.
    assert [o.last_seen_ms for o in listed] == sorted(
        (o.last_seen_ms for o in listed), reverse=True
    )
    assert {o.user_id for o in listed[:50]} == set(crowd[-50:])

    # A crowd polling the list through one task: past a burst, at most LISTING_FRESH_PER_S
    # fresh reads a second; the other listings share the latest read.
    for tick in range(100):  # 200 listings in 10 s
        await asyncio.gather(records.online(now + tick / 10), records.online(now + tick / 10))
    fresh = len(counted.queries) // SHARDS - 1
    assert fresh <= LISTING_BURST + 10 * LISTING_FRESH_PER_S
    assert fresh >= 10 * LISTING_FRESH_PER_S


async def test_a_crowd_listing_through_one_task_shares_the_lookups_of_who_is_listed(
    stack: Stack, aws: Aws
) -> None:
    now = int(time.time())
    crowd = [f"q{i:04d}" for i in range(SHARDS * PER_SHARD)]
    await _online(aws, crowd, now)
    counted = Counting(aws.dynamodb)
    records = PresenceRecords(counted, stack.prefix, TTL_S)  # type: ignore[arg-type]
    day = "2026-12-07"

    first = await records.available("viewer", now, day, 15)
    one_listing = counted.lookups
    assert one_listing > 0
    assert len(first) == MAX_LISTED
    for tick in range(1, 101):  # 200 more listings in 10 s
        at = now + tick / 10
        await asyncio.gather(*(records.available(f"v{i}", at, day, 15) for i in range(2)))
    fresh = len(counted.queries) // SHARDS
    # Lookups follow the fresh index reads (about one a second), not the 201 listings.
    assert counted.lookups <= one_listing * fresh < one_listing * 201 / 5
    # A quiet task stays exact: a listing that reads the index afresh looks people up afresh.
    quiet = PresenceRecords(counted, stack.prefix, TTL_S, fresh_per_s=None)  # type: ignore[arg-type]
    before = counted.lookups
    await quiet.available("viewer", now + 11, day, 15)
    assert counted.lookups - before == one_listing


async def test_presence_lists_people_of_every_shard(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    now = int(time.time())
    one_each: dict[str, str] = {}
    i = 0
    while len(one_each) < SHARDS:
        one_each.setdefault(shard_of(f"s{i}"), f"s{i}")
        i += 1
    assert set(one_each) == {shard_name(n) for n in range(SHARDS)}
    await _online(aws, list(one_each.values()), now)
    headers = {"Authorization": f"Bearer {people.token('alice')}"}
    async with gateway.http.get(f"{gateway.url}/v1/presence", headers=headers) as resp:
        body = await resp.json()
    assert {p["userId"] for p in body["people"]} == set(one_each.values())


async def test_an_item_of_an_older_shard_count_is_listed_then_moved_by_its_renewal(
    stack: Stack, aws: Aws
) -> None:
    now = int(time.time())
    # Written when there were 4 shards, in one that is not its shard now.
    user = next(u for u in (f"o{i}" for i in range(100)) if shard_of(u, 4) != shard_of(u))
    await _online(aws, [user], now - 70)
    await aws.dynamodb.update_item(
        TableName=aws.table("gateway-presence"),
        Key={"userId": {"S": user}},
        UpdateExpression="SET #s = :old",
        ExpressionAttributeNames={"#s": "shard"},
        ExpressionAttributeValues={":old": {"S": shard_of(user, 4)}},
    )
    records = PresenceRecords(aws.dynamodb, stack.prefix, TTL_S, fresh_per_s=None)
    assert [o.user_id for o in await records.online(now)] == [user]
    assert await records.refreshed(user, now)
    assert (await _item(aws, user))["shard"] == {"S": shard_of(user)}
    assert [o.user_id for o in await records.online(now)] == [user]


async def test_pings_through_the_edge_within_the_minute_leave_presence_untouched(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    tabs = [await gateway.tab(people.token("dave")) for _ in range(3)]
    await eventually(lambda: len(gateway.realtime.sockets) == 3)
    dave = people.id("dave")
    before = await _item(aws, dave)
    edge = gateway.realtime.edge
    assert edge is not None
    edge.refresh_every_s = 0  # every ping reaches the leases
    for _ in range(3):
        for tab in tabs:
            await tab.send({"type": "ping"})
    await eventually(lambda: all(len(t.received) == 3 for t in tabs))
    after = await _item(aws, dave)
    assert after["lastSeen"] == before["lastSeen"]
    assert after["expiresAt"] == before["expiresAt"]
    assert after["connections"] == {"N": "3"}


async def test_listings_through_one_gateway_task_share_its_index_reads(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    """The shared read belongs to the gateway task (its context), not to one request: once the
    task has read the index, a dozen people listing at once read it at most a burst's worth
    of times more."""
    await _online(aws, [f"r{i}" for i in range(20)], int(time.time()))
    db = gateway.server.app[CTX].aws.dynamodb
    original = db.query
    presence_queries = 0

    async def counted(**kwargs: Any) -> Any:
        nonlocal presence_queries
        presence_queries += kwargs.get("IndexName") == "online"
        return await original(**kwargs)

    db.query = counted  # type: ignore[method-assign]
    try:

        async def listing(name: str) -> int:
            headers = {"Authorization": f"Bearer {people.token(name)}"}
            async with gateway.http.get(f"{gateway.url}/v1/presence", headers=headers) as resp:
                return resp.status

        first = await listing("dave")  # the task's first read, which the others then share
        statuses = await asyncio.gather(
            *(listing(n) for n in ("alice", "bob", "carol") for _ in range(4))
        )
    finally:
        db.query = original  # type: ignore[method-assign]
    assert [first, *statuses] == [200] * 13
    # The first read and at most a burst of fresh ones, not one per listing (13 x SHARDS).
    assert SHARDS <= presence_queries <= LISTING_BURST * SHARDS < 13 * SHARDS
