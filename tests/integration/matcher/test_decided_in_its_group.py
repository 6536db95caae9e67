"""A session is never decided ahead of its own queued events.

What the gateway accepted for a session (joins, a Stop) waits in the session's FIFO group of
the matcher's inbox, here behind a message held by an instance that died mid-message (it
received the group's first message and never deleted it: the group is blocked until that
message's visibility runs out). Meanwhile the no-show moment passes and the reconciler sweeps,
or `endsAt` passes and the end timer fires. The session must still end by the rules, as the
queued events make them: on the embedded AWS, through the real bus, handled by a running
matcher once the group moves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.matcher.clock import ShiftedClock
from services.matcher.context import Matcher as Core
from services.matcher.flows import sessions, tickets
from services.matcher.handlers import timer_handlers
from services.matcher.repair.reconcile import reconcile
from services.matcher.rooms import NoRooms
from services.matcher.service import build
from services.matcher.tables.records import Session
from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.runtime.dynamo import from_item
from services.wire.events import REGISTRY, Event
from services.wire.events.gateway import MediaParticipantJoined, SessionStopRequested
from services.wire.events.timers import SessionEndDue
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.matcher.helpers import join, matcher, settings_for

HELD_S = 2  # how long the dead instance's message stays invisible (its visibility timeout)


async def _session(m: Core) -> Session:
    resp = await m.store.db.scan(TableName=m.tables.sessions, ConsistentRead=True)
    (item,) = [from_item(i) for i in resp["Items"]]
    return Session.from_item(item)


async def _start(m: Core) -> Session:
    for user, ticket in (("alice", "ta"), ("bob", "tb")):
        requested, funded = join(user, ticket)
        await tickets.on_requested(m, requested)
        await tickets.on_funded(m, funded)
    return await _session(m)


async def _gateway_accepts(aws: Aws, *events: Event) -> None:
    """Published as the gateway publishes what it answered 202 to: into the session's group."""
    for event in events:
        await publisher(aws, Service.GATEWAY).publish(event)


async def _instance_dies_holding_the_first(aws: Aws) -> Event:
    """An instance receives the first message of the inbox and dies before deleting it: the
    message's group is blocked until its visibility runs out."""
    url = await aws.queue_url(aws.topology.inbox(Service.MATCHER).name)
    resp = await aws.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=HELD_S, WaitTimeSeconds=0
    )
    (msg,) = resp["Messages"]
    return REGISTRY.parse(msg["Body"])


async def _ended(aws: Aws, settings: Any, clock: ShiftedClock, core: Core) -> Session:
    """Run the matcher until the session has ended (the held message comes back, the group
    moves), and return it."""
    async with matcher(aws, settings, clock=clock, watch=False):

        async def over() -> bool:
            return (await _session(core)).status == "ended"

        await eventually(over, timeout_s=20 + HELD_S)
    return await _session(core)


def _at(base: datetime, seconds: float) -> datetime:
    return base + timedelta(seconds=seconds)


async def test_joins_and_a_stop_queued_behind_a_dead_instance_outweigh_the_no_show_sweep(
    stack: Stack, aws: Aws
) -> None:
    """Both connected 1 s and 2 s in and Alice pressed Stop 3 s in; all three wait in the
    session's group behind the dead instance's message while the no-show moment (5 s) passes
    and the reconciler sweeps, twice. By the rules the session was stopped at 3 s, 1 point
    each: not a no-show."""
    settings = settings_for(stack, no_show_s=5, reconcile_s=3600)
    clock = ShiftedClock()
    core = await build(aws, settings, clock, NoRooms())
    live = await _start(core)
    sid, base = live.session_id, live.starts_at
    alice_in = MediaParticipantJoined(session_id=sid, user_id="alice", occurred_at=_at(base, 1))
    bob_in = MediaParticipantJoined(session_id=sid, user_id="bob", occurred_at=_at(base, 2))
    stop = SessionStopRequested(session_id=sid, user_id="alice", occurred_at=_at(base, 3))
    await _gateway_accepts(aws, alice_in, bob_in, stop)
    held = await _instance_dies_holding_the_first(aws)
    clock.advance(10)  # past the no-show moment

    await reconcile(core)
    await reconcile(core)  # a second pass while the group is still blocked
    meanwhile = await _session(core)
    ended = await _ended(aws, settings, clock, core)

    assert held.id == alice_in.id  # the group really was blocked behind the first join
    # The sweep did not decide ahead of the queued events.
    assert (meanwhile.status, meanwhile.reason) == ("live", None)
    assert ended.reason == "stopped"
    assert ended.stopped_by == "alice"
    assert ended.ended_at == stop.occurred_at
    assert ended.connected_at == bob_in.occurred_at
    assert ended.minutes_used == 1  # together from 2 s to 3 s
    assert {(await core.store.person(u)).state for u in ("alice", "bob")} == {"free"}


async def test_a_stop_queued_before_ends_at_ends_the_session_at_the_stop_after_the_timer_fired(
    stack: Stack, aws: Aws
) -> None:
    """A 2-minute session, both in from the start; Bob's Stop, accepted 30 s in, waits behind
    the dead instance's message while `endsAt` passes and the end timer fires. By the rules it
    was stopped at 30 s (1 point each), not up at 2 minutes (2 points each)."""
    settings = settings_for(stack, no_show_s=5, session_minutes=2, reconcile_s=3600)
    clock = ShiftedClock()
    core = await build(aws, settings, clock, NoRooms())
    live = await _start(core)
    sid, base = live.session_id, live.starts_at
    for who, at in (("alice", 1), ("bob", 2)):
        joined = MediaParticipantJoined(session_id=sid, user_id=who, occurred_at=_at(base, at))
        await sessions.on_media_joined(core, joined)
    stop = SessionStopRequested(session_id=sid, user_id="bob", occurred_at=_at(base, 30))
    await _gateway_accepts(aws, stop)
    held = await _instance_dies_holding_the_first(aws)
    clock.advance(121)  # past endsAt

    end_timer = SessionEndDue(session_id=sid, due_at=live.ends_at)
    await timer_handlers(core)["timer.session_end"](end_timer, None)  # type: ignore[arg-type]
    meanwhile = await _session(core)
    ended = await _ended(aws, settings, clock, core)

    assert held.id == stop.id
    # The timer did not decide ahead of the queued Stop.
    assert (meanwhile.status, meanwhile.reason) == ("live", None)
    assert ended.reason == "stopped"
    assert ended.stopped_by == "bob"
    assert ended.ended_at == stop.occurred_at
    assert ended.minutes_used == 1  # together from 2 s to 30 s
