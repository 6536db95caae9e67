"""The LiveKit stand-in (a test double speaking LiveKit's wire protocol, not LiveKit) keeps its
word: the matcher's own SDK calls work against it, it checks join tokens as LiveKit does, a
deleted room disconnects everyone and takes nobody in, and its webhooks pass the gateway's own
signature check, come again with the same id when told to, and its room log says who was in
when and when the gateway heard. A second or two, loopback only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from livekit import api

from services.chaos.facts import plain
from services.chaos.livekit_standin import LiveKitStandIn, Misdelivery
from services.devstack.embedded_aws import free_port
from services.gateway.live.media import livekit_token
from services.gateway.live.webhooks import verified_event
from services.loadgen.person import Knobs, room_plan
from services.loadgen.room import RoomLink, RoomRefused

KEY, SECRET = "APIstandintest", "standin-test-secret-0123456789abcdef"


class Gateway:
    """Where the webhooks go: each verified with the gateway's own check, or refused."""

    def __init__(self) -> None:
        self.hooks: list[tuple[str, str, int, str]] = []
        self.refused = 0

    async def receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        assert request.headers["Content-Type"] == "application/webhook+json"
        auth = request.headers["Authorization"]
        assert not auth.startswith("Bearer")
        hook = verified_event(body, auth, KEY, SECRET)
        self.hooks.append((hook.event, hook.id, hook.created_at, hook.participant.identity))
        return web.Response()


@pytest.fixture
async def rig() -> AsyncIterator[tuple[LiveKitStandIn, Gateway, aiohttp.ClientSession]]:
    gateway = Gateway()
    app = web.Application()
    app.router.add_post("/webhooks/livekit", gateway.receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    standin = LiveKitStandIn(
        KEY, SECRET, f"http://127.0.0.1:{port}/webhooks/livekit", Misdelivery(1.0, 0.0), seed=3
    )
    await standin.start(free_port())
    async with aiohttp.ClientSession() as http:
        yield standin, gateway, http
    await standin.stop()
    await runner.cleanup()


def _token(user: str, room: str = "s1", secret: str = SECRET, minutes: int = 1) -> str:
    now = datetime.now(UTC)
    ends = now + timedelta(minutes=minutes)
    return livekit_token(
        api_key=KEY, api_secret=secret, room=room, user_id=user, name=user, ends_at=ends, now=now
    )


async def _refused(http: aiohttp.ClientSession, url: str, token: str) -> int:
    with pytest.raises(RoomRefused) as caught:
        await RoomLink.enter(http, url, token)
    return caught.value.status


async def test_rooms_join_leave_and_delete_as_livekit_does(rig: Any) -> None:
    standin, gateway, http = rig
    lk = api.LiveKitAPI(standin.url, KEY, SECRET)
    try:
        # No room before CreateRoom (auto_create off); a wrong secret or room is refused.
        assert await _refused(http, standin.url, _token("a")) == 404
        await lk.room.create_room(api.CreateRoomRequest(name="s1", max_participants=2))
        assert await _refused(http, standin.url, _token("a", secret="x" * 40)) == 401
        assert await _refused(http, standin.url, _token("a", room="other")) == 404

        a = await RoomLink.enter(http, standin.url, _token("a"))
        b = await RoomLink.enter(http, standin.url, _token("b"))
        assert await _refused(http, standin.url, _token("c")) == 403  # two at most
        listed = await lk.room.list_participants(api.ListParticipantsRequest(room="s1"))
        assert sorted(p.identity for p in listed.participants) == ["a", "b"]
        await b.drop()  # a connection lost: aborted
        b = await RoomLink.enter(http, standin.url, _token("b"))
        await b.leave()  # a clean leave
        await lk.room.delete_room(api.DeleteRoomRequest(room="s1"))
        await asyncio.sleep(0.1)
        assert not a.open  # DeleteRoom disconnects everyone in it ...
        assert await _refused(http, standin.url, _token("a")) == 404  # ... and lets nobody in
        with pytest.raises(api.ServerError) as gone:
            await lk.room.delete_room(api.DeleteRoomRequest(room="s1"))
        assert gone.value.code == api.ServerErrorCode.NOT_FOUND
    finally:
        await lk.aclose()
    assert await standin.drain(10)

    log = [(e["identity"], e["kind"]) for e in standin.room_log]
    assert log == [("a", "in"), ("b", "in"), ("b", "out"), ("b", "in"), ("b", "out"), ("a", "out")]
    kinds = {event_id: kind for kind, event_id, *_ in gateway.hooks}
    assert [kinds[e["id"]] for e in standin.room_log] == [
        "participant_joined", "participant_joined", "participant_connection_aborted",
        "participant_joined", "participant_left", "participant_left",
    ]  # fmt: skip
    # Every webhook came twice (the share asked here is 1) with the same id, and its stamp is
    # the room log's (LiveKit stamps whole seconds).
    ids = [h[1] for h in gateway.hooks]
    assert all(ids.count(i) == 2 for i in ids)
    assert sum(1 for h in gateway.hooks if h[0] == "room_finished") == 2
    stamps = {h[1]: h[2] for h in gateway.hooks}
    for e in standin.room_log:
        assert datetime.fromtimestamp(stamps[e["id"]], UTC).isoformat()[:19] == e["at"][:19]
    # Each entry says when the gateway first took its webhook: at or after its stamp.
    assert all(e["at"][:19] <= e["deliveredAt"] for e in standin.room_log)


def test_both_people_of_a_session_draw_the_same_plan() -> None:
    knobs = Knobs(1.0, 0.0, room_shares={"rejoin": 0.3, "no_show": 0.3}, plan_seed="7")
    plans = [room_plan(knobs, f"session-{i}") for i in range(200)]
    assert plans == [room_plan(knobs, f"session-{i}") for i in range(200)]
    assert {"rejoin", "no_show", "meet"} == set(plans)


def test_table_items_become_plain_json() -> None:
    item = {"n": Decimal("3"), "f": Decimal("1.5"), "s": {"b", "a"}, "l": [Decimal("2")]}
    assert plain(item) == {"n": 3, "f": 1.5, "s": ["a", "b"], "l": [2]}
