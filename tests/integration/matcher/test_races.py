"""Races and repeats: the transaction decides, so nobody is ever in two sessions."""

from __future__ import annotations

import asyncio
from typing import Any

from services.matcher.clock import SystemClock
from services.matcher.flows import tickets
from services.matcher.rooms import NoRooms
from services.matcher.service import build
from services.runtime.aws import Aws
from services.runtime.dynamo import from_item
from services.wire.events import Event
from services.wire.events.gateway import SessionStopRequested
from services.wire.names import Service
from services.wire.tables import Table
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, matcher, settings_for, users_of


async def test_two_matchers_reaching_for_the_same_partner_at_once_start_one_session(
    stack: Stack, aws: Aws
) -> None:
    """Both instances see carol in the waiting set and commit at the same moment: one wins,
    the other finds her gone and puts its person in the waiting set instead."""
    settings = settings_for(stack, relax_one_sided_s=0.0, relax_anyone_s=0.0)
    one = await build(aws, settings, SystemClock(), NoRooms())
    two = await build(aws, settings, SystemClock(), NoRooms())
    carol_requested, carol_funded = join("carol", "tc")
    await tickets.on_requested(one, carol_requested)
    await tickets.on_funded(one, carol_funded)
    assert [e.ticket_id for e in await two.waitlist.read()] == ["tc"]

    (ra, fa), (rb, fb) = join("alice", "ta", ("en",), ("es",)), join("bob", "tb", ("fr",), ("de",))
    await tickets.on_requested(one, ra)
    await tickets.on_requested(two, rb)
    await asyncio.gather(tickets.on_funded(one, fa), tickets.on_funded(two, fb))

    sessions = await _scan(aws, tables.SESSIONS)
    assert len(sessions) == 1
    pair = set(sessions[0]["userIds"])
    assert "carol" in pair
    (left_over,) = {"alice", "bob"} - pair
    people = {p["userId"]: p for p in await _scan(aws, tables.PEOPLE)}
    assert people[left_over]["state"] == "waiting"
    assert {people[u]["state"] for u in pair} == {"in_session"}
    waiting = [t["ticketId"] for t in await _scan(aws, tables.TICKETS) if t["status"] == "waiting"]
    assert waiting == [people[left_over]["ticketId"]]


async def test_every_input_delivered_twice_leaves_the_same_state_and_news(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        inbox = await aws.queue_url(aws.topology.inbox(Service.MATCHER).name)

        async def twice(event: Event) -> None:
            # Two copies the queue cannot recognise as one (different dedup ids).
            for copy in ("a", "b"):
                await aws.sqs.send_message(
                    QueueUrl=inbox,
                    MessageBody=event.to_wire(),
                    MessageGroupId=event.group(),
                    MessageDeduplicationId=f"{event.id}-{copy}",
                    MessageAttributes={"type": {"DataType": "String", "StringValue": event.TYPE}},
                )

        for e in (*join("alice", "ta", ("en",), ("es",)), *join("bob", "tb", ("es",), ("en",))):
            await twice(e)
        (started,) = await m.notifier.wait_for("session.started")
        await twice(SessionStopRequested(session_id=started.session_id, user_id="bob"))
        await m.notifier.wait_for("session.ended")
        await asyncio.sleep(1.0)  # room for any second announcement to show up

    assert len(m.notifier.of("session.started")) == 1
    assert len(m.notifier.of("session.ended")) == 1
    assert len(await _scan(aws, tables.SESSIONS)) == 1
    assert await m.state("alice") == "free"
    assert await m.state("bob") == "free"
    history = await _scan(aws, tables.HISTORY)
    assert sorted(h["userId"] for h in history) == ["alice", "bob"]
    assert {h["reason"] for h in history} == {"stopped"}


async def test_stop_pressed_by_both_ends_the_session_once(stack: Stack, aws: Aws) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(*join("alice", "ta"), *join("bob", "tb"))
        (started,) = await m.notifier.wait_for("session.started")
        await m.send(
            SessionStopRequested(session_id=started.session_id, user_id="alice"),
            SessionStopRequested(session_id=started.session_id, user_id="bob"),
        )
        (ended,) = await m.notifier.wait_for("session.ended")
        await asyncio.sleep(1.0)

    assert len(m.notifier.of("session.ended")) == 1
    assert ended.stopped_by == "alice"
    assert users_of(ended.participants) == {"alice", "bob"}


async def _scan(aws: Aws, table: Table) -> list[dict[str, Any]]:
    resp = await aws.dynamodb.scan(TableName=aws.table(table.logical), ConsistentRead=True)
    return [from_item(i) for i in resp.get("Items", [])]
