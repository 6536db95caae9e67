"""Partners: "talk again?" from both sides of a conversation makes two people partners, shown
first in presence; either can end it; strangers and blocked people cannot use it."""

from __future__ import annotations

import asyncio
import time

from services.gateway.live.presence import shard_of
from services.wire.names import Service
from tests.integration.gateway.conftest import Gateway, about, new_user


async def _session(gw: Gateway, a: str, b: str) -> str:
    sid = new_user("s")
    await gw.put(
        "matcher-sessions",
        {"sessionId": sid, "userIds": [a, b], "status": "ended", "endsAt": "2030-01-01T00:15:00Z"},
    )
    return sid


async def _online(gw: Gateway, user: str, seen_ms: int) -> None:
    await gw.put(
        "gateway-presence",
        {
            "userId": user,
            "shard": shard_of(user),
            "lastSeen": seen_ms,
            "connections": 1,
            "expiresAt": int(time.time()) + 300,
            "name": user,
        },
    )


async def _partners(gw: Gateway, user: str) -> list[str]:
    return [p["userId"] for p in (await gw.call("GET", "/v1/partners", user)).body["people"]]


async def test_both_saying_yes_makes_partners_and_either_can_end_it(gw: Gateway) -> None:
    ana, ben = new_user("ana"), new_user("ben")
    sid = await _session(gw, ana, ben)
    first = await gw.call("POST", "/v1/partners", ana, body={"sessionId": sid})
    assert first.status == 200
    assert first.body == {"partner": {"userId": ben}, "mutual": False}
    assert await _partners(gw, ana) == []
    second = await gw.call("POST", "/v1/partners", ben, body={"sessionId": sid})
    assert second.body["mutual"] is True
    assert await _partners(gw, ana) == [ben]
    assert await _partners(gw, ben) == [ana]

    assert (await gw.call("DELETE", f"/v1/partners/{ana}", ben)).status == 202
    assert await _partners(gw, ana) == []
    assert await _partners(gw, ben) == []
    # The matcher is told both changes, in order (it prefers a waiting partner).
    told = await gw.published(Service.MATCHER, about(ana), expect=2)
    assert [(e["type"], e["payload"]) for e in told] == [
        ("partner.changed", {"userId": ben, "otherUserId": ana, "partners": True}),
        ("partner.changed", {"userId": ben, "otherUserId": ana, "partners": False}),
    ]
    assert told[0]["occurredAt"] < told[1]["occurredAt"]
    # Renewing takes a yes from both again.
    again = await gw.call("POST", "/v1/partners", ana, body={"sessionId": sid})
    assert again.body["mutual"] is False


async def test_two_yeses_at_the_same_moment_still_make_partners(gw: Gateway) -> None:
    for _ in range(3):
        ana, ben = new_user("ana"), new_user("ben")
        sid = await _session(gw, ana, ben)
        await asyncio.gather(
            gw.call("POST", "/v1/partners", ana, body={"sessionId": sid}),
            gw.call("POST", "/v1/partners", ben, body={"sessionId": sid}),
        )
        assert await _partners(gw, ana) == [ben]
        assert await _partners(gw, ben) == [ana]


async def test_only_people_of_the_conversation_and_not_blocked_ones(gw: Gateway) -> None:
    ana, ben, eve = new_user("ana"), new_user("ben"), new_user("eve")
    sid = await _session(gw, ana, ben)
    stranger = await gw.call("POST", "/v1/partners", eve, body={"sessionId": sid})
    assert (stranger.status, stranger.code) == (404, "not-found")
    missing = await gw.call("POST", "/v1/partners", ana, body={"sessionId": "no-such"})
    assert missing.status == 404

    await gw.call("POST", "/v1/blocks", ben, body={"userId": ana})
    await gw.call("POST", "/v1/partners", ben, body={"sessionId": sid})
    answer = await gw.call("POST", "/v1/partners", ana, body={"sessionId": sid})
    # Ana is not told that Ben blocked her: just "not (yet) mutual".
    assert answer.body == {"partner": {"userId": ben}, "mutual": False}
    assert await _partners(gw, ana) == []


async def test_partners_online_come_first_in_presence(gw: Gateway) -> None:
    me, pal = new_user("me"), new_user("pal")
    sid = await _session(gw, me, pal)
    for who in (me, pal):
        await gw.call("POST", "/v1/partners", who, body={"sessionId": sid})
    now_ms = int(time.time() * 1000)
    await _online(gw, pal, now_ms - 60_000)  # online for a while: far down by recency
    for i in range(5):
        await _online(gw, new_user(f"new{i}"), now_ms + i)
    await _online(gw, me, now_ms)
    people = (await gw.call("GET", "/v1/presence", me)).body["people"]
    assert people[0]["userId"] == pal
