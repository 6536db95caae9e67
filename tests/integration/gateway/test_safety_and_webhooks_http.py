"""Blocks and reports reach the matcher; LiveKit's signed webhooks become media events."""

from __future__ import annotations

import base64
import hashlib
import json

from livekit.api import AccessToken

from services.wire.names import Service
from tests.integration.gateway.conftest import LIVEKIT_KEY, LIVEKIT_SECRET, Gateway, about, new_user
from tests.integration.gateway.test_reads_http import live_session


async def test_a_block_is_published_once_per_pair(gw: Gateway) -> None:
    me, them = new_user(), new_user()
    for _ in range(2):
        answer = await gw.call("POST", "/v1/blocks", me, body={"userId": them})
        assert answer.status == 202
    # Same pair, same event id: the FIFO topic's dedup keeps one.
    (event,) = await gw.published(Service.MATCHER, about(me))
    assert event["type"] == "user.blocked"
    assert event["payload"] == {"userId": me, "blockedUserId": them}


async def test_a_report_is_published_with_its_reason(gw: Gateway) -> None:
    me, them = new_user(), new_user()
    sid = new_user("s")  # a report is about a conversation the two had
    await gw.put("matcher-sessions", live_session(sid, me, them))
    answer = await gw.call(
        "POST",
        "/v1/reports",
        me,
        body={"userId": them, "reason": "abuse", "sessionId": sid, "note": "shouted"},
    )
    assert answer.status == 202
    (event,) = await gw.published(Service.MATCHER, about(me))
    assert event["type"] == "user.reported"
    assert event["payload"]["reportId"] == answer.body["reportId"]
    assert event["payload"]["reportedUserId"] == them
    assert event["payload"]["reason"] == "abuse"
    assert event["payload"]["note"] == "shouted"


async def test_blocking_or_reporting_myself_is_refused(gw: Gateway) -> None:
    me = new_user()
    block = await gw.call("POST", "/v1/blocks", me, body={"userId": me})
    report = await gw.call("POST", "/v1/reports", me, body={"userId": me, "reason": "spam"})
    assert (block.status, block.code) == (400, "validation-failed")
    assert (report.status, report.code) == (400, "validation-failed")
    long_note = await gw.call(
        "POST", "/v1/reports", me, body={"userId": "x", "reason": "spam", "note": "n" * 1001}
    )
    assert long_note.status == 400


def webhook(event: str, room: str, identity: str, hook_id: str) -> tuple[bytes, str]:
    body = json.dumps(
        {
            "event": event,
            "id": hook_id,
            "room": {"name": room},
            "participant": {"identity": identity},
        }
    ).encode()
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    return body, AccessToken(LIVEKIT_KEY, LIVEKIT_SECRET).with_sha256(digest).to_jwt()


async def post_hook(gw: Gateway, body: bytes, auth: str | None) -> int:
    headers = {"Content-Type": "application/webhook+json"}
    if auth is not None:
        headers["Authorization"] = auth
    answer = await gw.call("POST", "/webhooks/livekit", data=body, headers=headers)
    return answer.status


async def test_signed_join_and_leave_webhooks_become_matcher_events(gw: Gateway) -> None:
    sid, who = new_user("s"), new_user("ana")
    for event, hook_id in (("participant_joined", "EV1"), ("participant_left", "EV2")):
        body, auth = webhook(event, sid, who, hook_id + sid)
        assert await post_hook(gw, body, auth) == 200
    # LiveKit retries: the same webhook again is the same event id.
    body, auth = webhook("participant_left", sid, who, "EV2" + sid)
    assert await post_hook(gw, body, auth) == 200

    # The repeat carries the same event id, so the FIFO topic's dedup drops it.
    events = await gw.published(Service.MATCHER, about(sid), expect=2)
    assert [e["type"] for e in events] == ["media.participant_joined", "media.participant_left"]
    # No `sid` or `createdAt` in these webhooks: no connection named, dated on arrival.
    assert events[0]["payload"] == {"sessionId": sid, "userId": who, "connection": None}


async def test_unsigned_or_tampered_webhooks_are_401_and_publish_nothing(gw: Gateway) -> None:
    sid = new_user("s")
    body, auth = webhook("participant_joined", sid, "ana", "EV9")
    forged_body = body.replace(b"ana", b"eve")
    _, other_secret = body, AccessToken(LIVEKIT_KEY, "z" * 40).with_sha256("x").to_jwt()
    assert await post_hook(gw, body, None) == 401
    assert await post_hook(gw, forged_body, auth) == 401
    assert await post_hook(gw, body, other_secret) == 401
    assert await post_hook(gw, body, "Bearer " + auth) == 200  # tolerated prefix, same token
    assert len(await gw.published(Service.MATCHER, about(sid))) == 1


async def test_other_webhooks_are_acknowledged_and_ignored(gw: Gateway) -> None:
    sid = new_user("s")
    body, auth = webhook("room_started", sid, "", "EV3" + sid)
    assert await post_hook(gw, body, auth) == 200
    assert await gw.published(Service.MATCHER, about(sid), expect=0) == []
