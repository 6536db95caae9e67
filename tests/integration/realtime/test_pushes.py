"""Events on the bus reach people's open tabs: gateway (local edge) + notifier + embedded AWS."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notifier.connections import ConnectionStore
from services.notifier.handlers import Notifier
from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.wire.events.common import Participant
from services.wire.events.gateway import SignalRelayed
from services.wire.events.ledger import PointsChanged
from services.wire.events.matcher import SessionEnded, SessionStarted
from services.wire.names import Service
from tests.integration.realtime.helpers import Gateway, People, eventually

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def _known(aws: Aws, want: dict[str, int]) -> None:
    """Wait until the notifier's copy holds `want[user] connections for each person."""
    store = ConnectionStore.for_prefix(aws.dynamodb, aws.settings.name_prefix)

    async def check() -> bool:
        return all([len(await store.of(u)) == n for u, n in want.items()])

    await eventually(check)


def _started(alice: str, bob: str, invite_id: str | None = None) -> SessionStarted:
    return SessionStarted(
        session_id="s-1",
        participants=(
            Participant(user_id=alice, hold_id="h-a", minutes=15),
            Participant(user_id=bob, hold_id="h-b", minutes=12),
        ),
        starts_at=T0,
        ends_at=T0 + timedelta(minutes=12),
        media_mode="direct",
        room="s-1",
        origin="invite" if invite_id else "match",
        invite_id=invite_id,
    )


def _ended(alice: str, bob: str) -> SessionEnded:
    return SessionEnded(
        session_id="s-1",
        participants=(
            Participant(user_id=alice, hold_id="h-a", minutes=15),
            Participant(user_id=bob, hold_id="h-b", minutes=12),
        ),
        started_at=T0,
        ended_at=T0 + timedelta(minutes=4, seconds=1),
        reason="stopped",
        stopped_by=bob,
    )


async def test_a_match_reaches_all_three_tabs_in_order_and_nobody_else(
    gateway: Gateway, notifier: Notifier, people: People, aws: Aws
) -> None:
    alice, bob, carol = people.id("alice"), people.id("bob"), people.id("carol")
    alice_1 = await gateway.tab(people.token("alice"))
    alice_2 = await gateway.tab(people.token("alice"))
    bob_1 = await gateway.tab(people.token("bob"))
    carol_1 = await gateway.tab(people.token("carol"))
    await _known(aws, {alice: 2, bob: 1, carol: 1})

    matcher = publisher(aws, Service.MATCHER)
    await matcher.publish(_started(alice, bob, invite_id="inv-1"))
    await matcher.publish(_ended(alice, bob))

    for tab in (alice_1, alice_2, bob_1):
        await tab.wait_for(3)
    assert alice_1.received == alice_2.received
    assert alice_1.types() == ["session.started", "invite.accepted", "session.ended"]
    assert bob_1.types() == ["session.started", "invite.accepted", "session.ended"]
    started_a, accepted, ended_a = alice_1.received
    # Each message says when its event happened; the messages of one event share the time.
    assert started_a.pop("occurredAt") == accepted.pop("occurredAt") != ended_a["occurredAt"]
    assert started_a == {
        "type": "session.started",
        "sessionId": "s-1",
        "startsAt": "2026-03-01T09:00:00Z",
        "endsAt": "2026-03-01T09:12:00Z",
        "mediaMode": "direct",
        "role": "offerer",
        "partner": {"userId": bob},
        "inviteId": "inv-1",
    }
    assert bob_1.received[0]["role"] == "answerer"
    assert bob_1.received[0]["partner"] == {"userId": alice}
    assert accepted == {"type": "invite.accepted", "inviteId": "inv-1", "sessionId": "s-1"}
    assert ended_a["minutesUsed"] == 5
    assert ended_a["reason"] == "stopped"
    # Nothing reaches anyone else, nor anyone twice.
    await asyncio.sleep(0.5)
    assert carol_1.received == []
    assert len(alice_1.received) == len(bob_1.received) == 3
    assert notifier.tally.failed == 0


async def test_signals_and_points_reach_the_person_in_the_order_they_were_sent(
    gateway: Gateway, notifier: Notifier, people: People, aws: Aws
) -> None:
    bob, alice = people.id("bob"), people.id("alice")
    tab = await gateway.tab(people.token("bob"))
    await _known(aws, {bob: 1})
    # Signals and points travel in bob's message group: they arrive in the order sent.
    gw, ledger = publisher(aws, Service.GATEWAY), publisher(aws, Service.LEDGER)
    signals = [
        SignalRelayed(
            session_id="s-1", from_user_id=alice, to_user_id=bob, kind="candidate", data={"n": i}
        )
        for i in range(12)
    ]
    await gw.publish_many(signals)
    await ledger.publish(
        PointsChanged(
            user_id=bob, day=T0.date(), left=3, used=12, held=0, resets_at=T0 + timedelta(hours=15)
        )
    )
    got = [{k: v for k, v in m.items() if k != "occurredAt"} for m in await tab.wait_for(13)]
    assert [m["data"]["n"] for m in got if m["type"] == "signal"] == list(range(12))
    assert got[-1]["type"] == "points.changed"
    assert got[0] == {
        "type": "signal",
        "sessionId": "s-1",
        "fromUserId": alice,
        "kind": "candidate",
        "data": {"n": 0},
    }
    assert got[-1] == {
        "type": "points.changed",
        "left": 3,
        "used": 12,
        "held": 0,
        "resetsAt": "2026-03-02T00:00:00Z",
    }


async def test_a_closed_tab_is_skipped_without_error_and_its_records_go_away(
    gateway: Gateway, notifier: Notifier, people: People, aws: Aws
) -> None:
    alice, bob = people.id("alice"), people.id("bob")
    kept = await gateway.tab(people.token("alice"))
    closing = await gateway.tab(people.token("alice"))
    await _known(aws, {alice: 2})
    await closing.close()
    # The gateway forgets it and tells the notifier, which forgets it too.
    await _known(aws, {alice: 1})

    # A connection the notifier still believes in although it is gone (its $disconnect was
    # lost): the edge answers 410, the notifier counts it and forgets it.
    store = ConnectionStore.for_prefix(aws.dynamodb, aws.settings.name_prefix)
    await store.add(alice, "vanished-connection=")
    await _known(aws, {alice: 2})
    await publisher(aws, Service.MATCHER).publish(_started(alice, bob))

    got = await kept.wait_for(1)
    assert got[0]["type"] == "session.started"
    await _known(aws, {alice: 1})
    # Forgetting and counting happen in the same delivery; give the count its moment.
    await eventually(lambda: notifier.tally.gone == 1)
    assert notifier.tally.failed == 0
    assert closing.received == []
    assert (await store.of(alice)) == tuple(gateway.realtime.sockets)


async def test_a_redelivered_event_is_not_pushed_twice(
    gateway: Gateway, notifier: Notifier, people: People, aws: Aws
) -> None:
    carol = people.id("carol")
    tab = await gateway.tab(people.token("carol"))
    await _known(aws, {carol: 1})
    event = PointsChanged(
        user_id=carol, day=T0.date(), left=15, used=0, held=0, resets_at=T0 + timedelta(days=1)
    )
    await publisher(aws, Service.LEDGER).publish(event)
    await tab.wait_for(1)
    # The same event in a second message, as SQS redelivers it (or SNS dedup misses it).
    await aws.sqs.send_message(
        QueueUrl=await aws.queue_url(aws.topology.inbox(Service.NOTIFIER).name),
        MessageBody=event.to_wire(),
        MessageGroupId=event.group(),
        MessageDeduplicationId="a-second-copy",
        MessageAttributes={"type": {"DataType": "String", "StringValue": event.TYPE}},
    )
    await eventually(lambda: notifier.tally.duplicates == 1)
    await asyncio.sleep(0.3)
    assert tab.types() == ["points.changed"]


async def test_someone_without_an_open_tab_is_simply_not_told(
    gateway: Gateway, notifier: Notifier, people: People, aws: Aws
) -> None:
    dave, alice = people.id("dave"), people.id("alice")
    tab = await gateway.tab(people.token("alice"))
    await _known(aws, {alice: 1})
    await publisher(aws, Service.MATCHER).publish(_started(alice, dave))
    got: list[dict[str, Any]] = await tab.wait_for(1)
    assert got[0]["partner"] == {"userId": dave}
    await eventually(lambda: notifier.tally.offline == 1)
    assert notifier.tally.failed == 0
