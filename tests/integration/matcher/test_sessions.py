"""How sessions end: Stop, the timer at endsAt, everyone leaving the media room."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.matcher.settings import MatcherSettings
from services.matcher.tables.records import Session
from services.runtime.aws import Aws
from services.wire.events.gateway import (
    MediaParticipantJoined,
    MediaParticipantLeft,
    SessionStopRequested,
)
from services.wire.events.matcher import SessionStarted
from services.wire.events.timers import SessionEndDue
from services.wire.names import Service
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.matcher.helpers import Matcher, join, matcher, settings_for
from tests.integration.matcher.livekit_double import LiveKitDouble


async def _start(m: Matcher) -> SessionStarted:
    await m.send(*join("alice", "ta"), *join("bob", "tb"))
    (started,) = await m.notifier.wait_for("session.started")
    assert isinstance(started, SessionStarted)
    return started


async def _both_connect(m: Matcher, started: SessionStarted) -> None:
    sid = started.session_id
    await m.send(*(MediaParticipantJoined(session_id=sid, user_id=u) for u in ("alice", "bob")))

    async def connected() -> bool:
        item = await m.item(tables.SESSIONS, sessionId=sid)
        return item is not None and "connectedAt" in item

    await eventually(connected)


async def _timers_idle(m: Matcher) -> None:
    """Every timer that was due has been handled (delayed ones may still wait)."""
    url = await m.aws.queue_url(m.aws.topology.timer_queue(Service.MATCHER).name)  # type: ignore[union-attr]

    async def idle() -> bool:
        attrs = await m.aws.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )
        return all(v == "0" for v in attrs["Attributes"].values())

    await eventually(idle)


async def test_stopping_ends_the_session_and_the_timer_firing_later_changes_nothing(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        started = await _start(m)
        await m.send(SessionStopRequested(session_id=started.session_id, user_id="bob"))
        (ended,) = await m.notifier.wait_for("session.ended")
        before = await m.item(tables.SESSIONS, sessionId=started.session_id)
        m.clock.advance(20 * 60)  # the end time has come…
        await m.fire(SessionEndDue(session_id=started.session_id, due_at=started.ends_at))
        await _timers_idle(m)
        after = await m.item(tables.SESSIONS, sessionId=started.session_id)

    assert (ended.reason, ended.stopped_by) == ("stopped", "bob")
    assert ended.started_at == started.starts_at
    assert ended.ended_at < started.ends_at
    assert len(m.notifier.of("session.ended")) == 1  # …and nothing new is said
    assert after == before
    assert after is not None
    assert after["status"] == "ended"
    assert await m.state("alice") == "free"
    assert await m.state("bob") == "free"


async def test_the_timer_ends_the_session_at_its_end_time_and_an_early_one_waits(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        started = await _start(m)
        await _both_connect(m, started)
        timer = SessionEndDue(session_id=started.session_id, due_at=started.ends_at)
        await m.fire(timer)  # too early: it goes back to wait
        await _timers_idle(m)
        live = await m.item(tables.SESSIONS, sessionId=started.session_id)
        m.clock.advance(15 * 60 + 5)
        await m.fire(timer)
        (ended,) = await m.notifier.wait_for("session.ended")

    assert live is not None
    assert live["status"] == "live"
    assert ended.reason == "time_up"
    assert ended.ended_at == started.ends_at  # a late timer never adds a minute
    rows = await m.aws.dynamodb.scan(TableName=m.aws.table("matcher-history"))
    assert {r["minutes"]["N"] for r in rows["Items"]} == {"15"}


async def test_both_people_out_of_the_media_room_past_the_grace_period_end_it(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack, media_grace_s=1)) as m:
        started = await _start(m)
        sid = started.session_id
        await m.send(
            MediaParticipantJoined(session_id=sid, user_id="alice"),
            MediaParticipantJoined(session_id=sid, user_id="bob"),
            MediaParticipantLeft(session_id=sid, user_id="alice"),
            MediaParticipantLeft(session_id=sid, user_id="bob"),
            MediaParticipantJoined(session_id=sid, user_id="alice"),  # back within the grace
        )

        async def back_in() -> bool:
            item = await m.item(tables.SESSIONS, sessionId=sid)
            return item is not None and Session.from_item(item).in_room == {"alice"}

        await eventually(back_in)
        await asyncio.sleep(2.0)  # the grace period passes with alice in the room
        assert not m.notifier.of("session.ended")
        await m.send(MediaParticipantLeft(session_id=sid, user_id="alice"))
        (ended,) = await m.notifier.wait_for("session.ended")

    assert ended.reason == "left"
    assert await m.state("alice") == "free"


def _livekit(stack: Stack, livekit: LiveKitDouble, **more: object) -> MatcherSettings:
    return settings_for(
        stack,
        media_mode="livekit",
        livekit_url=livekit.url,
        livekit_api_key="parley-test",
        livekit_api_secret="s" * 40,
        **more,
    )


async def test_in_livekit_mode_the_room_is_created_and_deleted_when_the_session_ends(
    stack: Stack, aws: Aws
) -> None:
    livekit = await LiveKitDouble().start()
    settings = _livekit(stack, livekit, room_empty_timeout_s=90)
    try:
        async with matcher(aws, settings) as m:
            started = await _start(m)
            await eventually(lambda: bool(livekit.called("CreateRoom")))
            created = livekit.called("CreateRoom")
            await m.send(SessionStopRequested(session_id=started.session_id, user_id="alice"))
            await m.notifier.wait_for("session.ended")
            await eventually(lambda: bool(livekit.called("DeleteRoom")))
    finally:
        await livekit.stop()

    assert started.media_mode == "livekit"
    assert [(c.name, c.max_participants, c.empty_timeout) for c in created] == [  # type: ignore[attr-defined]
        (started.session_id, 2, 90)
    ]
    assert [d.room for d in livekit.called("DeleteRoom")] == [started.session_id]  # type: ignore[attr-defined]
    assert not livekit.rooms
    assert started.starts_at <= datetime.now(UTC)


async def test_a_livekit_outage_holds_back_neither_the_news_nor_the_end_timer(
    stack: Stack, aws: Aws
) -> None:
    livekit = await LiveKitDouble().start()
    livekit.down = True
    try:
        async with matcher(aws, _livekit(stack, livekit, outbox_sweep_s=1.0)) as m:
            await m.send(*join("alice", "ta"), *join("bob", "tb"))
            (started,) = await m.notifier.wait_for("session.started")  # SFU down or not
            await eventually(lambda: bool(livekit.called("CreateRoom:failed")))
            session = await m.item(tables.SESSIONS, sessionId=started.session_id)
            assert session is not None
            assert session["status"] == "live"

            async def only_the_room_call_is_left() -> bool:
                entries = await m.scan(tables.OUTBOX)
                return len(entries) == 1 and "room.create" in entries[0]["actions"]

            await eventually(only_the_room_call_is_left)
            livekit.down = False
            await eventually(lambda: list(livekit.rooms) == [started.session_id], timeout_s=10)
            await asyncio.sleep(2.5)  # another sweep comes and goes
    finally:
        await livekit.stop()

    assert len(m.notifier.of("session.started")) == 1
    assert list(livekit.rooms) == [started.session_id]
    assert await m.scan(tables.OUTBOX) == []


async def test_minutes_count_from_when_both_are_connected_and_a_no_show_ends_free(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack, no_show_s=5, reconcile_s=1)) as m:
        started = await _start(m)
        await m.send(MediaParticipantJoined(session_id=started.session_id, user_id="alice"))
        (ended,) = await m.notifier.wait_for("session.ended", timeout_s=30)  # bob never came
        assert ended.reason == "cancelled"
        assert ended.media_tracked
        assert ended.connected_at is None  # the ledger charges nobody
        assert await m.state("alice") == "free"

        await m.send(*join("alice", "ta2"), *join("bob", "tb2"))
        second = [s for s in await m.notifier.wait_for("session.started", 2)][-1]
        await _both_connect(m, second)
        await m.send(SessionStopRequested(session_id=second.session_id, user_id="bob"))
        (_, stopped) = await m.notifier.wait_for("session.ended", 2)

    assert stopped.reason == "stopped"
    assert stopped.connected_at is not None
    assert second.starts_at <= stopped.connected_at <= stopped.ended_at
