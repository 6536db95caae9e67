"""Invites only to people who can talk: presence says who cannot take a call now and why,
and an invite to someone out of points for today is refused at once, with nothing sent."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from services.gateway.live.presence import shard_of
from services.gateway.people.views import day_of
from services.wire.names import Service
from tests.integration.gateway.conftest import Gateway, about, new_user


async def _online(gw: Gateway, user: str) -> None:
    await gw.put(
        "gateway-presence",
        {
            "userId": user,
            "shard": shard_of(user),
            "lastSeen": int(time.time() * 1000),
            "connections": 1,
            "expiresAt": int(time.time()) + 300,
            "name": user,
        },
    )


async def _today(gw: Gateway, user: str, *, charged: int, held: int = 0) -> None:
    """The ledger's summary of the person's day (its read model)."""
    day = day_of(datetime.now(UTC), gw.settings.zone)
    await gw.put(
        "ledger-summaries",
        {"userId": user, "day": day, "allowance": 15, "charged": charged, "held": held},
    )


async def test_presence_lists_who_cannot_talk_now_and_why_after_who_can(gw: Gateway) -> None:
    me = new_user("me")
    spent, talking, queued, fresh, some_left = (
        new_user(n) for n in ("spent", "talking", "queued", "fresh", "left")
    )
    for user in (spent, talking, queued, fresh, some_left):
        await _online(gw, user)
    await _today(gw, spent, charged=15)
    await _today(gw, some_left, charged=14)
    await _today(gw, talking, charged=3, held=10)
    await gw.put("matcher-people", {"userId": talking, "state": "in_session"})
    await gw.put("matcher-people", {"userId": queued, "state": "waiting"})

    answer = await gw.call("GET", "/v1/presence", me)

    assert answer.status == 200
    mine = {spent, talking, queued, fresh, some_left}
    listed = [p for p in answer.body["people"] if p["userId"] in mine]
    shown = {p["userId"]: (p["available"], p.get("why")) for p in listed}
    assert shown == {
        spent: (False, "no_points"),
        talking: (False, "in_call"),
        queued: (False, "busy"),
        fresh: (True, None),
        some_left: (True, None),
    }
    # Whoever can take a call comes before whoever cannot.
    flags = [p["available"] for p in answer.body["people"]]
    assert flags == sorted(flags, reverse=True)


async def test_an_invite_to_someone_with_no_points_left_is_refused_at_once(gw: Gateway) -> None:
    me, spent, all_held = new_user("me"), new_user("spent"), new_user("held")
    for user in (spent, all_held):
        await _online(gw, user)
    await _today(gw, spent, charged=15)
    await _today(gw, all_held, charged=10, held=5)  # free, but what is left is still held

    for them in (spent, all_held):
        answer = await gw.call("POST", "/v1/invites", me, body={"to": them})
        assert (answer.status, answer.code) == (409, "invitee-unavailable")
        assert "points" in answer.body["detail"]
    # Nothing reached the ledger: no invite exists to wait for.
    assert await gw.published(Service.LEDGER, about(me), expect=0) == []
    # With a point left they can be invited as usual.
    await _today(gw, spent, charged=14)
    assert (await gw.call("POST", "/v1/invites", me, body={"to": spent})).status == 202
