"""Limits shared through a counter: never more than the limit per window across processes,
batches spent in memory, a full window remembered, and the local buckets when the store fails."""

from __future__ import annotations

import asyncio
import math

from botocore.exceptions import EndpointConnectionError

from services.gateway.http.ratelimit import Rate
from services.gateway.http.shared_limits import STORE_RETRY_S, SharedLimiter, Window


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_020.0  # 20 s into a 100 s window

    def __call__(self) -> float:
        return self.now


class Counters:
    """The shared counter as DynamoDB keeps it: a conditional ADD that never passes the limit."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}
        self.calls = 0
        self.down = False

    async def reserve(self, who: str, window: str, want: int, limit: int, expires_at: int) -> int:
        key = f"{who}/{window}"
        self.calls += 1
        await asyncio.sleep(0)
        if self.down:
            raise EndpointConnectionError(endpoint_url="http://dynamodb")
        granted = max(0, min(want, limit - self.used.get(key, 0)))
        self.used[key] = self.used.get(key, 0) + granted
        return granted


def limiter(counters: Counters, clock: Clock, rate: Rate) -> SharedLimiter:
    return SharedLimiter(counters.reserve, {"r": rate}, clock=clock)


def test_a_bucket_becomes_a_window_with_the_same_sustained_rate() -> None:
    assert Window.of(Rate(60, 10.0)) == Window(60, 6.0)
    assert Window.of(Rate(5, 0.05)) == Window(5, 100.0)
    assert Window(60, 6.0).batch == 6
    assert Window(5, 100.0).batch == 1


async def test_two_processes_sharing_a_counter_admit_the_limit_once_not_twice() -> None:
    counters, clock = Counters(), Clock()
    a, b = (limiter(counters, clock, Rate(10, 0.1)) for _ in range(2))
    results = [await (a if i % 2 else b).take("r", "alice") for i in range(30)]
    assert sum(r == 0.0 for r in results) == 10
    assert all(math.isclose(r, 80.0) for r in results if r)  # until the window ends


async def test_batches_are_spent_in_memory_and_a_full_window_costs_no_more_calls() -> None:
    counters, clock = Counters(), Clock()
    rl = limiter(counters, clock, Rate(60, 0.6))  # 60 per 100 s, batches of 6
    allowed = [await rl.take("r", "alice") for _ in range(200)]
    assert sum(r == 0.0 for r in allowed) == 60
    assert counters.calls == 11  # ten batches, then one that found the window full
    clock.now += 80.0  # the next window
    assert await rl.take("r", "alice") == 0.0
    assert counters.calls == 12


async def test_concurrent_requests_of_one_person_never_pass_the_limit() -> None:
    counters, clock = Counters(), Clock()
    a, b = (limiter(counters, clock, Rate(20, 0.2)) for _ in range(2))
    results = await asyncio.gather(*((a if i % 2 else b).take("r", "bob") for i in range(100)))
    assert sum(r == 0.0 for r in results) == 20


async def test_people_and_rules_have_their_own_counters() -> None:
    counters, clock = Counters(), Clock()
    rl = SharedLimiter(counters.reserve, {"r": Rate(1, 0.01), "s": Rate(1, 0.01)}, clock=clock)
    assert [await rl.take("r", "alice"), await rl.take("s", "alice")] == [0.0, 0.0]
    assert await rl.take("r", "bob") == 0.0
    assert await rl.take("r", "alice") > 0


async def test_when_the_store_fails_the_local_buckets_decide_for_a_while() -> None:
    counters, clock = Counters(), Clock()
    rl = limiter(counters, clock, Rate(3, 0.03))
    counters.down = True
    results = [await rl.take("r", "carol") for _ in range(5)]
    assert results[:3] == [0.0, 0.0, 0.0]
    assert results[3] > 0  # the per-process bucket still bounds abuse
    assert counters.calls == 1  # no call per request while the store is down
    counters.down = False
    clock.now += STORE_RETRY_S
    await rl.take("r", "dave")
    assert counters.calls == 2


async def test_reads_are_counted_per_process_without_a_store_call() -> None:
    counters = Counters()
    rl = SharedLimiter(counters.reserve, {"read": Rate(2, 0.02)})
    assert [await rl.take("read", "erin") for _ in range(2)] == [0.0, 0.0]
    assert await rl.take("read", "erin") > 0
    assert counters.calls == 0


async def test_scale_zero_turns_limits_off() -> None:
    counters = Counters()
    rl = SharedLimiter(counters.reserve, {"r": Rate(1, 0.01)}, scale=0)
    assert [await rl.take("r", "x") for _ in range(5)] == [0.0] * 5
    assert counters.calls == 0
