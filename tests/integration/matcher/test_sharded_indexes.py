"""The matcher's reconcilers find what they look for in every shard of its sparse index, and
under the one key items carried before the keys were sharded (`live`, `awaiting`, `open`,
`0`): an item left from before a deploy is still finished, not stranded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.matcher.clock import ShiftedClock, iso
from services.matcher.flows import stale_requests, tickets
from services.matcher.repair import reconcile
from services.matcher.rooms import NoRooms
from services.matcher.service import build
from services.matcher.tables.invite_items import OPEN
from services.matcher.tables.items import REQUESTED
from services.matcher.tables.session_items import AWAITING, LIVE
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item
from services.runtime.shards import ShardedKey
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, settings_for


def one_per_shard(key: ShardedKey, stem: str) -> list[str]:
    """Ids whose items land in each of the key's shards, one per shard."""
    by_shard: dict[str, str] = {}
    for i in range(500):
        by_shard.setdefault(key.of(f"{stem}-{i}"), f"{stem}-{i}")
    assert len(by_shard) == key.shards
    return sorted(by_shard.values())


async def test_overdue_sessions_invites_and_no_shows_are_found_in_every_shard(
    stack: Stack, aws: Aws
) -> None:
    m = await build(aws, settings_for(stack), ShiftedClock(), NoRooms())
    long_ago = m.now() - timedelta(hours=1)
    sessions = one_per_shard(LIVE, "s")
    puts: list[tuple[str, dict[str, Any]]] = []
    for sid in sessions:
        puts.append(
            (
                m.tables.sessions,
                {
                    "sessionId": sid,
                    "status": "live",
                    "liveShard": LIVE.of(sid),
                    "awaitingShard": AWAITING.of(sid),
                    "startsAt": iso(long_ago),
                    "endsAt": iso(long_ago + timedelta(minutes=15)),
                },
            )
        )
    # From before the keys were sharded.
    puts.append(
        (
            m.tables.sessions,
            {
                "sessionId": "s-old",
                "status": "live",
                "liveShard": "live",
                "awaitingShard": "awaiting",
                "startsAt": iso(long_ago),
                "endsAt": iso(long_ago + timedelta(minutes=15)),
            },
        )
    )
    # Not overdue: never listed.
    fresh = m.now() + timedelta(minutes=5)
    puts.append(
        (
            m.tables.sessions,
            {
                "sessionId": "s-fresh",
                "status": "live",
                "liveShard": LIVE.of("s-fresh"),
                "awaitingShard": AWAITING.of("s-fresh"),
                "startsAt": iso(fresh),
                "endsAt": iso(fresh + timedelta(minutes=15)),
            },
        )
    )
    invites = one_per_shard(OPEN, "i")
    for iid, shard in [*((i, OPEN.of(i)) for i in invites), ("i-old", "open")]:
        puts.append(
            (
                m.tables.invites,
                {
                    "inviteId": iid,
                    "status": "pending",
                    "openShard": shard,
                    "expiresAtIso": iso(long_ago),
                },
            )
        )
    for table, item in puts:
        await aws.dynamodb.put_item(TableName=table, Item=to_item(item))

    async def overdue(table: str, index: str, when: str, after_s: float | None = None) -> set[str]:
        return {k async for k in reconcile._overdue(m, table, index, when, after_s)}

    expected = {*sessions, "s-old"}
    assert await overdue(m.tables.sessions, "live", "endsAt") == expected
    assert await overdue(m.tables.sessions, "awaiting", "startsAt", m.settings.no_show_s) == (
        expected
    )
    assert await overdue(m.tables.invites, "open", "expiresAtIso") == {*invites, "i-old"}


async def test_tickets_left_requested_in_every_shard_and_under_the_old_key_are_closed(
    stack: Stack, aws: Aws
) -> None:
    clock = ShiftedClock()
    m = await build(aws, settings_for(stack, requested_stale_s=60), clock, NoRooms())
    ids = one_per_shard(REQUESTED, "t")
    for n, ticket_id in enumerate([*ids, "t-old"]):
        requested, _ = join(f"user-{n}", ticket_id)
        await tickets.on_requested(m, requested)
    await aws.dynamodb.update_item(
        TableName=m.tables.tickets,
        Key={"ticketId": {"S": "t-old"}},
        UpdateExpression="SET requestedShard = :zero",
        ExpressionAttributeValues={":zero": {"S": "0"}},
    )
    clock.advance(61)
    assert await stale_requests.close_unanswered(m) == len(ids) + 1
    for ticket_id in [*ids, "t-old"]:
        closed = await m.store.ticket(ticket_id)
        assert closed is not None
        assert closed.status == "cancelled"
