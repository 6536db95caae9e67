"""Present means present in a direct-mode call: a browser that reports its peer connection gone,
or a person whose last tab closes, is out of the media room from that moment, and the rules
for time together, `left` and no-shows apply as they do to a LiveKit room.

Real parts: the gateway (its WebSocket edge and REST routes, signed-in demo people) and the
matcher, over SNS/SQS on the embedded AWS.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from services.matcher.core.room_log import OUT, marks
from services.matcher.tables.records import Session
from services.runtime.aws import Aws
from services.wire.events.matcher import SessionEnded, SessionStarted
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.matcher.helpers import Matcher, join, matcher, settings_for
from tests.integration.realtime.helpers import Gateway, People, eventually

GRACE_S = 1


@pytest.fixture
async def m(stack: Stack, aws: Aws) -> AsyncIterator[Matcher]:
    settings = settings_for(stack, socket_gone_after_s=1.0, media_grace_s=GRACE_S)
    async with matcher(aws, settings) as running:
        yield running


async def _call(m: Matcher, people: People) -> tuple[str, str, SessionStarted]:
    """A direct-mode session between alice and bob, as a match makes it."""
    alice, bob = people.id("alice"), people.id("bob")
    await m.send(*join(alice, f"t-{alice}"), *join(bob, f"t-{bob}"))
    (started,) = await m.notifier.wait_for("session.started", timeout_s=20)
    assert isinstance(started, SessionStarted)
    assert started.media_mode == "direct"
    return alice, bob, started


async def _post(gateway: Gateway, people: People, who: str, path: str) -> int:
    headers = {"Authorization": f"Bearer {people.token(who)}"}
    async with gateway.http.post(f"{gateway.url}{path}", headers=headers) as resp:
        return resp.status


async def _session(m: Matcher, session_id: str) -> Session:
    item = await m.item(tables.SESSIONS, sessionId=session_id)
    assert item is not None
    return Session.from_item(item)


async def _logged(m: Matcher, session_id: str, count: int) -> Session:
    """The session once its room log holds `count` entries."""
    for _ in range(300):
        s = await _session(m, session_id)
        if len(marks(s.room_log)) >= count:
            return s
        await asyncio.sleep(0.05)
    raise AssertionError(f"room log of {session_id} never reached {count} entries")


async def test_signing_out_mid_call_stops_the_charge_then_and_an_empty_room_ends_it(
    gateway: Gateway, people: People, m: Matcher
) -> None:
    alice_tab = await gateway.tab(people.token("alice"))
    bob_tab = await gateway.tab(people.token("bob"))
    alice, bob, started = await _call(m, people)
    sid = started.session_id
    for who in ("alice", "bob"):
        assert await _post(gateway, people, who, f"/v1/sessions/{sid}/connected") == 202
    await _logged(m, sid, 2)
    await asyncio.sleep(1.0)

    before = datetime.now(UTC)
    await alice_tab.close()  # signing out closes the tab's socket
    await eventually(lambda: len(gateway.realtime.sockets) == 1)  # the gateway saw it go
    after_alice = datetime.now(UTC)
    s = await _logged(m, sid, 3)
    recorded = datetime.now(UTC)
    (alice_out,) = [k for k in marks(s.room_log) if k.user == alice and k.kind == OUT]
    # Out from when the socket closed, not from when the matcher gave up waiting for her.
    # (The gateway stamps the close as it announces it, a few milliseconds on.)
    assert before <= alice_out.at <= after_alice + timedelta(seconds=0.2)
    assert recorded - alice_out.at >= timedelta(seconds=0.9)  # she had a second to come back
    assert s.status == "live"  # bob is still in the room: nothing ends yet

    await asyncio.sleep(0.5)
    await bob_tab.close()
    await eventually(lambda: not gateway.realtime.sockets)
    after_bob = datetime.now(UTC)
    (ended,) = await m.notifier.wait_for("session.ended", timeout_s=15, session_id=sid)
    assert isinstance(ended, SessionEnded)

    final = await _session(m, sid)
    (bob_out,) = [k for k in marks(final.room_log) if k.user == bob and k.kind == OUT]
    assert ended.reason == "left"
    assert ended.ended_at == bob_out.at  # when the room emptied, not when the grace ran out
    assert bob_out.at <= after_bob + timedelta(seconds=0.2)
    # Paid: the seconds both were in, up to alice's sign-out (one started minute).
    together = final.view().together_time(ended.ended_at)
    assert together == alice_out.at - final.view().connected_at  # type: ignore[operator]
    assert ended.minutes_used == 1
    assert await m.state(alice) == "free"
    assert await m.state(bob) == "free"


async def test_a_tab_reopened_within_moments_keeps_the_person_in_the_room(
    gateway: Gateway, people: People, m: Matcher
) -> None:
    await gateway.tab(people.token("bob"))
    first = await gateway.tab(people.token("alice"))
    alice, _, started = await _call(m, people)
    sid = started.session_id
    for who in ("alice", "bob"):
        assert await _post(gateway, people, who, f"/v1/sessions/{sid}/connected") == 202
    await _logged(m, sid, 2)

    await first.close()  # a token refresh: the socket closes and opens again at once
    await gateway.tab(people.token("alice"))
    await asyncio.sleep(2.5)  # well past `socket_gone_after_s`

    s = await _session(m, sid)
    assert [k for k in marks(s.room_log) if k.kind == OUT] == []
    assert s.in_room == {alice, people.id("bob")}


async def test_a_disconnect_report_then_a_reconnect_pays_only_the_stretches_together(
    gateway: Gateway, people: People, m: Matcher
) -> None:
    await gateway.tab(people.token("alice"))
    await gateway.tab(people.token("bob"))
    alice, bob, started = await _call(m, people)
    sid = started.session_id
    path = f"/v1/sessions/{sid}"

    assert await _post(gateway, people, "alice", f"{path}/connected") == 202
    assert await _post(gateway, people, "bob", f"{path}/connected") == 202
    await _logged(m, sid, 2)
    await asyncio.sleep(0.6)
    assert await _post(gateway, people, "alice", f"{path}/disconnected") == 202
    await _logged(m, sid, 3)
    await asyncio.sleep(0.8)  # alone: bob waits for alice's video to come back
    assert await _post(gateway, people, "alice", f"{path}/connected") == 202
    await _logged(m, sid, 4)
    await asyncio.sleep(0.6)
    assert await _post(gateway, people, "bob", f"{path}/stop") == 202
    (ended,) = await m.notifier.wait_for("session.ended", timeout_s=15, session_id=sid)
    assert isinstance(ended, SessionEnded)

    final = await _session(m, sid)
    log = marks(final.room_log)
    alice_marks = [(k.kind, k.at) for k in log if k.user == alice]
    assert [kind for kind, _ in alice_marks] == ["in", "out", "in"]
    (_, first_in), (_, out), (_, back) = alice_marks
    (bob_in,) = [k.at for k in log if k.user == bob]
    together = final.view().together
    assert [(t.start, min(t.end, ended.ended_at)) for t in together] == [
        (max(first_in, bob_in), out),
        (back, ended.ended_at),
    ]
    gap = back - out
    assert gap >= timedelta(milliseconds=700)
    # The time apart is not paid for: together is the whole stretch less the gap.
    span = ended.ended_at - max(first_in, bob_in)
    assert final.view().together_time(ended.ended_at) == span - gap
    assert (ended.reason, ended.minutes_used) == ("stopped", 1)


async def test_disconnected_is_for_direct_mode_and_participants_only(
    gateway: Gateway, people: People, m: Matcher
) -> None:
    _, _, started = await _call(m, people)
    sid = started.session_id
    assert await _post(gateway, people, "carol", f"/v1/sessions/{sid}/disconnected") == 404
    await m.aws.dynamodb.update_item(
        TableName=m.aws.table(tables.SESSIONS.logical),
        Key={"sessionId": {"S": sid}},
        UpdateExpression="SET mediaMode = :lk",
        ExpressionAttributeValues={":lk": {"S": "livekit"}},
    )
    assert await _post(gateway, people, "alice", f"/v1/sessions/{sid}/disconnected") == 409
