"""The room log stays bounded without ever dropping a mark: repeated reports that change
nothing are not written, and a log that fills anyway (a connection dropped and came back over a
hundred times) ends the session at the mark that did not fit. Before, a full log dropped every
later mark: the partner's leave was lost and they paid until `endsAt`."""

from __future__ import annotations

from datetime import timedelta

from services.matcher.core.room_log import IN, MAX_MARKS, OUT, Mark
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item, values
from services.wire.events.gateway import MediaParticipantJoined
from services.wire.events.matcher import SessionEnded
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.matcher.helpers import matcher
from tests.integration.matcher.livekit_double import LiveKitDouble
from tests.integration.matcher.test_together_time import (
    handled,
    livekit,
    s,
    session,
    start,
    webhook,
)


async def test_a_report_that_changes_nothing_is_not_written(stack: Stack, aws: Aws) -> None:
    double = await LiveKitDouble().start()
    try:
        async with matcher(aws, livekit(stack, double)) as m:
            started, base = await start(m)
            room = started.session_id
            # A browser saying "connected" forty times (each report its own event).
            reports = [
                MediaParticipantJoined(
                    session_id=room, user_id="alice", occurred_at=s(base, 1 + i // 10)
                )
                for i in range(40)
            ]
            await m.send(*reports)
            await handled(m)
            log = (await session(m, room)).room_log
    finally:
        await double.stop()
    assert len(log) == 1


async def test_a_full_log_ends_the_session_at_the_mark_that_did_not_fit(
    stack: Stack, aws: Aws
) -> None:
    double = await LiveKitDouble().start()
    try:
        async with matcher(aws, livekit(stack, double)) as m:
            started, base = await start(m)
            room = started.session_id
            await m.send(webhook("participant_joined", room, "alice", "PA_a1", s(base, 1)))
            await handled(m)
            # Bob's connection dropped and came back until the log is full (written directly:
            # driving 255 webhooks through the bus would take minutes).
            flaps = [
                Mark(base + timedelta(seconds=2 + i), "bob", IN if i % 2 == 0 else OUT,
                     f"PA_b{i // 2}", f"EV_flap_{i}").encode()
                for i in range(MAX_MARKS - 1)
            ]  # fmt: skip
            await aws.dynamodb.update_item(
                TableName=aws.table(tables.SESSIONS.logical),
                Key=to_item({"sessionId": room}),
                UpdateExpression="ADD roomLog :marks",
                ExpressionAttributeValues=values(marks=set(flaps)),
            )
            # Bob is in (his last flap was an "in"); Alice leaves at 300 s.
            await m.send(webhook("participant_left", room, "alice", "PA_a1", s(base, 300)))
            (ended,) = await m.ledger.wait_for("session.ended", timeout_s=30)
    finally:
        await double.stop()
    assert isinstance(ended, SessionEnded)
    assert ended.reason == "stopped"
    assert ended.stopped_by == "alice"
    assert ended.ended_at == s(base, 300)  # not endsAt: nobody pays past the mark
    assert ended.minutes_used is not None
    assert ended.minutes_used <= 5
