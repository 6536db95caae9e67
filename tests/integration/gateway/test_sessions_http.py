"""Media credentials, stop and signalling: only for a participant of a live session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from livekit.api import TokenVerifier

from services.gateway.people.views import iso
from services.wire.names import Service
from tests.integration.gateway.conftest import (
    LIVEKIT_KEY,
    LIVEKIT_SECRET,
    TURN_SECRET,
    Gateway,
    about,
    new_user,
)


def at(seconds: float) -> str:
    return iso(datetime.now(UTC) + timedelta(seconds=seconds))


async def session(gw: Gateway, a: str, b: str, **over: Any) -> str:
    session_id = new_user("s")
    await gw.put(
        "matcher-sessions",
        {
            "sessionId": session_id,
            "status": "live",
            "participants": [
                {"userId": a, "holdId": "h1", "minutes": 5},
                {"userId": b, "holdId": "h2", "minutes": 5},
            ],
            "userIds": [a, b],
            "startsAt": at(-10),
            "endsAt": at(290),
            "mediaMode": "direct",
            "room": session_id,
            "origin": "match",
            **over,
        },
    )
    return session_id


async def test_direct_mode_join_gives_role_partner_and_turn_credentials(gw: Gateway) -> None:
    ana, ben = new_user("ana"), new_user("ben")
    await gw.put("gateway-profiles", {"userId": ben, "name": "Ben"})
    sid = await session(gw, ana, ben)

    offerer = (await gw.call("POST", f"/v1/sessions/{sid}/join", ana)).body
    answerer = (await gw.call("POST", f"/v1/sessions/{sid}/join", ben)).body

    assert offerer["mode"] == "direct"
    assert offerer["role"] == "offerer"
    assert answerer["role"] == "answerer"
    assert offerer["partner"] == {"userId": ben, "name": "Ben"}
    stun, turn = offerer["iceServers"]
    assert stun == {"urls": ["stun:127.0.0.1:3478"]}
    expiry, user = turn["username"].split(":", 1)
    assert user == ana
    assert int(expiry) > time.time() + 290
    mac = hmac.new(TURN_SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(mac).decode()


async def test_livekit_mode_join_gives_a_token_for_this_room_until_the_end(gw: Gateway) -> None:
    ana, ben = new_user("ana"), new_user("ben")
    sid = await session(gw, ana, ben, mediaMode="livekit", endsAt=at(120))

    answer = await gw.call("POST", f"/v1/sessions/{sid}/join", ben)

    assert answer.status == 200
    assert answer.body["mode"] == "livekit"
    assert answer.body["url"] == gw.settings.livekit_url
    claims = TokenVerifier(LIVEKIT_KEY, LIVEKIT_SECRET).verify(answer.body["token"])
    assert claims.identity == ben
    assert claims.video is not None
    assert claims.video.room == sid
    assert claims.video.room_join


@pytest.mark.parametrize("action", ["join", "stop", "signal"])
async def test_someone_elses_session_does_not_exist_for_me(gw: Gateway, action: str) -> None:
    sid = await session(gw, new_user(), new_user())
    mallory = new_user("mallory")
    body = (
        {"kind": "offer", "data": {"type": "offer", "sdp": "v=0"}} if action == "signal" else None
    )
    answer = await gw.call("POST", f"/v1/sessions/{sid}/{action}", mallory, body=body)
    assert answer.status == 404
    assert answer.code == "not-found"
    assert "token" not in answer.body
    assert "iceServers" not in answer.body
    missing = await gw.call("POST", f"/v1/sessions/no-such-{mallory}/{action}", mallory, body=body)
    assert missing.body == answer.body  # unknown and not-mine look exactly alike


async def test_an_ended_session_gives_no_credentials(gw: Gateway) -> None:
    ana, ben = new_user(), new_user()
    over = await session(gw, ana, ben, endsAt=at(-1))  # still "live" in the table: time rules
    ended = await session(gw, ana, ben, status="ended", endedAt=at(-30))
    for sid in (over, ended):
        answer = await gw.call("POST", f"/v1/sessions/{sid}/join", ana)
        assert (answer.status, answer.code) == (409, "session-not-live")


async def test_stop_publishes_one_stop_request_per_person(gw: Gateway) -> None:
    ana, ben = new_user(), new_user()
    sid = await session(gw, ana, ben)
    for _ in range(2):
        answer = await gw.call("POST", f"/v1/sessions/{sid}/stop", ana)
        assert answer.status == 202
        assert answer.body == {"sessionId": sid}
    # Same person, same session, same event id: the FIFO topic's dedup keeps one.
    (event,) = await gw.published(Service.MATCHER, about(sid))
    assert event["type"] == "session.stop_requested"
    assert event["payload"] == {"sessionId": sid, "userId": ana}


async def test_a_signal_goes_to_the_other_participant_through_the_notifier(gw: Gateway) -> None:
    ana, ben = new_user(), new_user()
    sid = await session(gw, ana, ben)
    sdp = "v=0\r\n" + "a=candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host\r\n" * 150
    assert len(sdp) > 8192  # bigger than any plain string field on the wire may be

    answer = await gw.call(
        "POST",
        f"/v1/sessions/{sid}/signal",
        ben,
        body={"kind": "answer", "data": {"type": "answer", "sdp": sdp}},
    )

    assert answer.status == 202
    assert answer.body is None
    (event,) = await gw.published(Service.NOTIFIER, about(sid))
    assert event["type"] == "signal.relayed"
    assert event["payload"]["fromUserId"] == ben
    assert event["payload"]["toUserId"] == ana
    assert event["payload"]["data"]["sdp"] == sdp


async def test_signals_are_refused_in_livekit_sessions_and_when_oversized(gw: Gateway) -> None:
    ana, ben = new_user(), new_user()
    lk = await session(gw, ana, ben, mediaMode="livekit")
    direct = await session(gw, ana, ben)
    wrong = await gw.call("POST", f"/v1/sessions/{lk}/signal", ana, body={"kind": "bye"})
    assert (wrong.status, wrong.code) == (409, "wrong-media-mode")
    huge = {"kind": "offer", "data": {"sdp": "x" * 40_000}}
    too_big = await gw.call("POST", f"/v1/sessions/{direct}/signal", ana, body=huge)
    assert (too_big.status, too_big.code) == (413, "body-too-large")
    odd = await gw.call("POST", f"/v1/sessions/{direct}/signal", ana, body={"kind": "hello"})
    assert (odd.status, odd.code) == (400, "validation-failed")
    assert await gw.published(Service.NOTIFIER, about(lk, direct), expect=0) == []
