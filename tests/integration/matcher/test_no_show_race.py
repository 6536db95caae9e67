"""The matcher's reconciler: a no-show end it asks for never overrides an arrival that lands
while it is decided, and one item it cannot handle never stops the rest of its pass."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.matcher.clock import ShiftedClock, iso
from services.matcher.context import Matcher
from services.matcher.flows import sessions, tickets
from services.matcher.handlers import inbox_handlers
from services.matcher.repair.reconcile import reconcile
from services.matcher.rooms import NoRooms
from services.matcher.service import build
from services.matcher.tables.records import Session
from services.runtime.aws import Aws
from services.runtime.dynamo import from_item, to_item
from services.wire.events import REGISTRY, Event
from services.wire.events.gateway import MediaParticipantJoined
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, settings_for


async def _only_session(m: Matcher) -> Session:
    resp = await m.store.db.scan(TableName=m.tables.sessions)
    (item,) = [from_item(i) for i in resp["Items"]]
    return Session.from_item(item)


async def _start(m: Matcher) -> Session:
    for user, ticket in (("alice", "ta"), ("bob", "tb")):
        requested, funded = join(user, ticket)
        await tickets.on_requested(m, requested)
        await tickets.on_funded(m, funded)
    return await _only_session(m)


async def _handle_inbox(aws: Aws, m: Matcher) -> list[Event]:
    """Handle what waits in the matcher's inbox, in the order the queue hands it out, with the
    matcher's own handlers (as its consumer would); returns what was handled."""
    url = await aws.queue_url(aws.topology.inbox(Service.MATCHER).name)
    handlers = inbox_handlers(m)
    handled: list[Event] = []
    while msgs := (await aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)).get(
        "Messages", []
    ):
        for msg in msgs:
            event = REGISTRY.parse(msg["Body"])
            await handlers[event.TYPE](event, None)  # type: ignore[arg-type]
            await aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
            handled.append(event)
    return handled


async def test_an_arrival_landing_while_a_no_show_end_is_decided_keeps_the_call_going(
    stack: Stack, aws: Aws
) -> None:
    """Alice came at once; Bob came 3 s in, but his webhook reaches the matcher only after the
    no-show moment: the reconciler asks the session's group, and Bob's join lands (through
    another instance) right after the check read the session it decides on. They were together
    in time: the session goes on."""
    settings = settings_for(stack, no_show_s=5)
    clock = ShiftedClock()
    one = await build(aws, settings, clock, NoRooms())
    two = await build(aws, settings, clock, NoRooms())  # another instance handles the webhook
    live = await _start(one)
    sid, starts = live.session_id, live.starts_at
    await sessions.on_media_joined(
        one, MediaParticipantJoined(session_id=sid, user_id="alice", occurred_at=starts)
    )
    bob = MediaParticipantJoined(
        session_id=sid, user_id="bob", occurred_at=starts + timedelta(seconds=3)
    )
    clock.advance(10)  # past the no-show moment
    await reconcile(one)  # asks the session's group

    real = one.store.session
    reads: list[str] = []

    async def read_then_bob_lands(session_id: str) -> Any:
        s = await real(session_id)
        reads.append(session_id)
        if len(reads) == 1:
            await sessions.on_media_joined(two, bob)
        return s

    one.store.session = read_then_bob_lands  # type: ignore[method-assign]
    handled = await _handle_inbox(aws, one)
    after = await _only_session(one)

    assert [e.TYPE for e in handled] == ["session.check_due"]
    assert reads  # the arrival did land mid-decision
    assert after.status == "live"
    assert after.connected_at == starts + timedelta(seconds=3)
    assert after.in_room == {"alice", "bob"}
    assert {(await one.store.person(u)).state for u in ("alice", "bob")} == {"in_session"}


async def test_one_poisoned_item_does_not_stop_the_reconcilers_pass(stack: Stack, aws: Aws) -> None:
    settings = settings_for(stack, no_show_s=5)
    clock = ShiftedClock()
    m = await build(aws, settings, clock, NoRooms())
    healthy = await _start(m)
    # A live session the matcher cannot read (no participants), overdue before the healthy
    # one and in both indexes the reconciler walks, so it comes first in each.
    long_ago = healthy.starts_at - timedelta(hours=1)
    poisoned = {
        "sessionId": "poisoned",
        "status": "live",
        "liveShard": "live",
        "awaitingShard": "awaiting",
        "startsAt": iso(long_ago),
        "endsAt": iso(long_ago + timedelta(minutes=15)),
    }
    await aws.dynamodb.put_item(TableName=m.tables.sessions, Item=to_item(poisoned))
    clock.advance(20 * 60)

    await reconcile(m)
    await _handle_inbox(aws, m)  # the ends it asked for, decided in each session's group

    resp = await aws.dynamodb.scan(TableName=m.tables.sessions)
    items = {i["sessionId"]: i for i in (from_item(x) for x in resp["Items"])}
    assert items["poisoned"]["status"] == "live"  # left alone (logged and counted)
    ended = Session.from_item(items[healthy.session_id])
    assert ended.status == "ended"
    # Never together: by the rules it ended as a no-show, at the no-show moment, free.
    assert (ended.reason, ended.minutes_used) == ("cancelled", 0)
    assert ended.ended_at == healthy.starts_at + timedelta(seconds=5)
    assert (await m.store.person("alice")).state == "free"
