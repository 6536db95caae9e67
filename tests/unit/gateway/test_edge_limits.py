"""The edge's limits as rules: a frame bucket per connection, a size cap, one close per
flooding connection, and connects refused past the person's socket cap or connect rate."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.gateway.http.auth import Identity
from services.gateway.http.edge_limits import CLOSE_POLICY, EdgeLimits, FrameGate
from services.gateway.http.problems import Problem
from services.gateway.http.ratelimit import RULES, Rate
from services.gateway.http.shared_limits import Window
from services.gateway.live.ws_edge import Edge


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_connection_may_burst_then_send_at_the_sustained_rate() -> None:
    clock = Clock()
    gate = FrameGate(EdgeLimits(frames_per_s=10.0, frame_burst=20), clock=clock)
    assert [gate.check("c", 10) for _ in range(20)] == [None] * 20
    assert gate.check("c", 10) == "too_fast"
    clock.now += 0.11  # one frame's worth (and a bit)
    assert gate.check("c", 10) is None
    assert gate.check("c", 10) == "too_fast"
    # Another connection, even the same person's, has its own bucket.
    assert gate.check("d", 10) is None


def test_a_ping_every_25_s_never_comes_near_the_limit() -> None:
    clock = Clock()
    gate = FrameGate(EdgeLimits(), clock=clock)
    for _ in range(1000):
        clock.now += 25.0
        assert gate.check("c", len('{"type":"ping"}')) is None


def test_a_frame_over_the_size_cap_is_refused_whatever_the_rate() -> None:
    gate = FrameGate(EdgeLimits(max_frame_chars=4096))
    assert gate.check("c", 4096) is None
    assert gate.check("c", 4097) == "too_large"


def test_connects_are_limited_to_30_a_minute_per_person() -> None:
    assert Window.of(RULES["connect"]) == Window(30, 60.0)


# ---- the Edge, with stand-ins for DynamoDB and the bus ---------------------------------------


class Records:
    def __init__(self) -> None:
        self.open: dict[str, str] = {}
        self.refreshes = 0

    async def put(self, connection_id: str, user_id: str, now: float, exp: float) -> None:
        await asyncio.sleep(0.01)  # a round trip: concurrent connects interleave here
        self.open[connection_id] = user_id

    async def refresh(self, connection_id: str, now: float) -> None:
        self.refreshes += 1

    async def owner(self, connection_id: str) -> str | None:
        return self.open.get(connection_id)

    async def delete(self, connection_id: str) -> str | None:
        return self.open.pop(connection_id, None)


class Presence:
    async def connected(self, *args: Any) -> None:
        pass

    async def disconnected(self, *args: Any) -> None:
        pass


class Bus:
    async def publish(self, event: Any) -> None:
        pass


class Counts:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def open_for(self, user_id: str, now: float, enough: int) -> int:
        await asyncio.sleep(0.01)
        return sum(u == user_id for u in self._records.open.values())


class ConnectLimiter:
    def __init__(self, allowed: int) -> None:
        self.left = allowed

    async def take(self, rule: str, who: str) -> float:
        assert rule == "connect"
        self.left -= 1
        return 0.0 if self.left >= 0 else 42.0


def _edge(records: Records, limits: EdgeLimits, limiter: Any = None) -> Edge:
    return Edge(
        records,  # type: ignore[arg-type]
        Presence(),  # type: ignore[arg-type]
        Bus(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        limits=limits,
        limiter=limiter,
        sockets=Counts(records),  # type: ignore[arg-type]
    )


def _me(user_id: str = "ann") -> Identity:
    return Identity(
        user_id=user_id, email=f"{user_id}@example.com", name=user_id, expires_at=9_999_999_999
    )


async def test_a_flooding_connection_is_closed_once_with_the_policy_code() -> None:
    records = Records()
    edge = _edge(records, EdgeLimits(frames_per_s=10.0, frame_burst=20))
    closes: list[tuple[str, dict[str, Any], int]] = []

    async def closer(
        connection_id: str, message: dict[str, Any], code: int = 0, reason: str = ""
    ) -> None:
        closes.append((connection_id, message, code))

    edge.closer = closer
    records.open["flood"] = "ann"
    answers = [await edge.frame("flood", '{"type":"ping"}') for _ in range(3000)]
    assert sum(a == {"type": "pong"} for a in answers) == 20
    assert closes == [("flood", {"type": "socket.limited", "reason": "too_fast"}, CLOSE_POLICY)]
    assert records.refreshes == 1  # and the flood cost no DynamoDB call past the first ping
    # Someone else's connection is untouched.
    assert await edge.frame("calm", '{"type":"ping"}') == {"type": "pong"}


async def test_the_person_past_the_socket_cap_is_refused_and_nothing_is_recorded() -> None:
    records = Records()
    edge = _edge(records, EdgeLimits(sockets_per_person=2))
    await edge.open("a1", _me("ann"))
    await edge.open("a2", _me("ann"))
    with pytest.raises(Problem) as refused:
        await edge.open("a3", _me("ann"))
    assert (refused.value.status, refused.value.code) == (409, "too-many-sockets")
    assert sorted(records.open) == ["a1", "a2"]
    await edge.open("b1", _me("ben"))  # other people are not affected


async def test_concurrent_connects_of_one_person_cannot_both_take_the_last_place() -> None:
    records = Records()
    edge = _edge(records, EdgeLimits(sockets_per_person=3))
    results = await asyncio.gather(
        *(edge.open(f"c{i}", _me("ann")) for i in range(8)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 3
    assert len(records.open) == 3


async def test_connects_past_the_connect_rate_are_refused_with_retry_after() -> None:
    records = Records()
    edge = _edge(records, EdgeLimits(sockets_per_person=100), ConnectLimiter(allowed=2))
    await edge.open("a1", _me())
    await edge.open("a2", _me())
    with pytest.raises(Problem) as refused:
        await edge.open("a3", _me())
    assert (refused.value.status, refused.value.code) == (429, "rate-limited")
    assert refused.value.headers["Retry-After"] == "42"
    assert "a3" not in records.open


def test_the_rule_sets_of_both_limits_stay_as_documented() -> None:
    assert EdgeLimits() == EdgeLimits(
        frames_per_s=10.0, frame_burst=20, max_frame_chars=4096, sockets_per_person=5
    )
    assert RULES["connect"] == Rate(30, 0.5)


async def test_the_local_edge_counts_the_sockets_it_holds_and_not_leftover_records() -> None:
    records = Records()
    edge = _edge(records, EdgeLimits(sockets_per_person=2))
    edge.holds_sockets = True
    records.open.update({f"dead{i}": "ann" for i in range(5)})  # a killed edge's leftovers
    await edge.open("a1", _me())
    await edge.open("a2", _me())
    with pytest.raises(Problem):
        await edge.open("a3", _me())
    await edge.disconnect("a1")
    await edge.open("a3", _me())
    # A socket whose token expired is on its way out: its tab's reconnect gets in at once.
    await edge.expire("a2", 0.0)
    await edge.open("a4", _me())
    with pytest.raises(Problem):
        await edge.open("a5", _me())
