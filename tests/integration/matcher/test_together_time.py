"""People pay only for time they were really in the room together, by the media's own stamps.

The room log comes from LiveKit's webhooks exactly as the gateway turns them into events
(signed, verified, converted by `services.gateway.live.webhooks`), then travels to the running
matcher through SNS → its SQS inbox. LiveKit stamps webhooks in whole seconds; each test
places its stamps at whole seconds after the session's start.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from datetime import UTC, datetime, timedelta

from livekit.api import AccessToken

from services.gateway.live.webhooks import media_event, verified_event
from services.matcher.settings import MatcherSettings
from services.matcher.tables.records import Session
from services.runtime.aws import Aws
from services.wire.events import Event
from services.wire.events.gateway import SessionStopRequested
from services.wire.events.matcher import SessionEnded, SessionStarted
from services.wire.names import Service
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.matcher.helpers import Matcher, join, matcher, settings_for
from tests.integration.matcher.livekit_double import LiveKitDouble

KEY, SECRET = "parley-test", "s" * 40


def webhook(kind: str, room: str, who: str, connection: str, at: datetime) -> Event:
    """What the gateway publishes for one LiveKit webhook, signed as LiveKit signs it."""
    body = json.dumps(
        {
            "event": kind,
            "id": f"EV_{kind}_{who}_{connection}_{int(at.timestamp())}",
            "room": {"name": room},
            "participant": {"identity": who, "sid": connection},
            "createdAt": str(int(at.timestamp())),
        }
    ).encode()
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    auth = AccessToken(KEY, SECRET).with_sha256(digest).to_jwt()
    event = media_event(verified_event(body, auth, KEY, SECRET), body)
    assert event is not None
    return event


def livekit(stack: Stack, double: LiveKitDouble, **more: object) -> MatcherSettings:
    return settings_for(
        stack,
        media_mode="livekit",
        livekit_url=double.url,
        livekit_api_key=KEY,
        livekit_api_secret=SECRET,
        **more,
    )


async def start(m: Matcher) -> tuple[SessionStarted, datetime]:
    """A session between alice and bob, and the first whole second after its start."""
    await m.send(*join("alice", "ta"), *join("bob", "tb"))
    (started,) = await m.notifier.wait_for("session.started")
    assert isinstance(started, SessionStarted)
    base = datetime.fromtimestamp(math.ceil(started.starts_at.timestamp()), UTC)
    return started, base


async def handled(m: Matcher) -> None:
    """Everything sent to the matcher so far has been handled."""
    url = await m.aws.queue_url(m.aws.topology.inbox(Service.MATCHER).name)

    async def idle() -> bool:
        attrs = await m.aws.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
        return all(v == "0" for v in attrs["Attributes"].values())

    await eventually(idle)


async def session(m: Matcher, session_id: str) -> Session:
    item = await m.item(tables.SESSIONS, sessionId=session_id)
    assert item is not None
    return Session.from_item(item)


async def send_twice(aws: Aws, *events: Event) -> None:
    """Each event twice in the matcher's inbox, as copies the queue cannot tell apart (a
    LiveKit retry the topic's dedup did not catch)."""
    inbox = await aws.queue_url(aws.topology.inbox(Service.MATCHER).name)
    for event in events:
        for copy in ("a", "b"):
            await aws.sqs.send_message(
                QueueUrl=inbox,
                MessageBody=event.to_wire(),
                MessageGroupId=event.group(),
                MessageDeduplicationId=f"{event.id}-{copy}",
                MessageAttributes={"type": {"DataType": "String", "StringValue": event.TYPE}},
            )


def s(base: datetime, seconds: int) -> datetime:
    return base + timedelta(seconds=seconds)


async def test_in_and_out_at_different_times_is_never_together_and_ends_free_as_a_no_show(
    stack: Stack, aws: Aws
) -> None:
    double = await LiveKitDouble().start()
    try:
        async with matcher(aws, livekit(stack, double, no_show_s=5, reconcile_s=0.5)) as m:
            started, base = await start(m)
            room = started.session_id
            # Alice comes and goes; Bob comes after she left. Nobody has to wait for it.
            await m.send(
                webhook("participant_joined", room, "alice", "PA_a1", s(base, 0)),
                webhook("participant_left", room, "alice", "PA_a1", s(base, 1)),
                webhook("participant_joined", room, "bob", "PA_b1", s(base, 2)),
            )
            await handled(m)
            live = await session(m, room)
            m.clock.advance(10)  # past the no-show moment
            (ended,) = await m.ledger.wait_for("session.ended", timeout_s=60)
            item = await m.item(tables.SESSIONS, sessionId=room)
    finally:
        await double.stop()

    assert live.status == "live"
    assert isinstance(ended, SessionEnded)
    assert ended.reason == "cancelled"
    assert ended.minutes_used == 0  # what the ledger charges each of them
    assert ended.connected_at is None
    assert ended.ended_at == started.starts_at + timedelta(seconds=5)  # the no-show moment
    assert ended.showed_up == ("bob",)  # in the room at that moment
    assert item is not None
    assert (item["status"], item["minutesUsed"], "connectedAt" in item) == ("ended", 0, False)


async def test_together_35_seconds_then_both_leave_ends_at_the_second_leave_for_1_point(
    stack: Stack, aws: Aws
) -> None:
    double = await LiveKitDouble().start()
    try:
        async with matcher(aws, livekit(stack, double, media_grace_s=1)) as m:
            started, base = await start(m)
            room = started.session_id
            await m.send(
                webhook("participant_joined", room, "alice", "PA_a1", s(base, 1)),
                webhook("participant_joined", room, "bob", "PA_b1", s(base, 2)),
            )
            await handled(m)
            m.clock.advance(60)  # the leaves are handled a while after they happened
            await m.send(
                webhook("participant_left", room, "alice", "PA_a1", s(base, 37)),
                webhook("participant_connection_aborted", room, "bob", "PA_b1", s(base, 40)),
            )
            (ended,) = await m.ledger.wait_for("session.ended", timeout_s=60)
    finally:
        await double.stop()

    assert ended.reason == "left"
    assert ended.ended_at == s(base, 40)  # when the room emptied, not when the grace ran out
    assert ended.connected_at == s(base, 2)
    assert ended.minutes_used == 1  # 35 s together
    assert await m.state("alice") == await m.state("bob") == "free"


async def test_repeated_and_reordered_webhooks_and_a_late_stop_charge_only_time_together(
    stack: Stack, aws: Aws
) -> None:
    """Alice and Bob talk 30 s, Alice drops out and comes back on a new connection at 100 s,
    Bob presses Stop at 110 s: 30 + 10 s together, 1 point. The webhooks arrive newest first,
    each twice, and the Stop reaches the matcher minutes after the gateway took it."""
    double = await LiveKitDouble().start()
    try:
        async with matcher(aws, livekit(stack, double)) as m:
            started, base = await start(m)
            room = started.session_id
            in_order = [
                webhook("participant_joined", room, "alice", "PA_a1", s(base, 1)),
                webhook("participant_joined", room, "bob", "PA_b1", s(base, 2)),
                webhook("participant_left", room, "alice", "PA_a1", s(base, 32)),
                webhook("participant_joined", room, "alice", "PA_a2", s(base, 100)),
            ]
            await send_twice(aws, *reversed(in_order))
            await handled(m)
            live = await session(m, room)
            m.clock.advance(5 * 60)
            await m.send(
                SessionStopRequested(session_id=room, user_id="bob", occurred_at=s(base, 110))
            )
            (ended,) = await m.ledger.wait_for("session.ended", timeout_s=60)
            item = await m.item(tables.SESSIONS, sessionId=room)
    finally:
        await double.stop()

    assert (ended.reason, ended.stopped_by) == ("stopped", "bob")
    assert ended.ended_at == s(base, 110)  # when the gateway took the Stop
    assert ended.minutes_used == 1  # 40 s together, not the 108 s from first meeting to Stop
    assert len(live.room_log) == 4  # one mark per webhook, however often it came
    assert live.connected_at == s(base, 2)
    assert live.in_room == {"alice", "bob"}
    assert item is not None
    assert item["minutesUsed"] == 1
    assert len(m.ledger.of("session.ended")) == 1
