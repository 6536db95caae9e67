"""Token buckets: bursts up to the limit, a steady rate after it, and an honest Retry-After."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from services.gateway.http.ratelimit import Rate, RateLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(rate: Rate, clock: Clock, scale: float = 1.0) -> RateLimiter:
    return RateLimiter({"r": rate}, scale=scale, clock=clock)


def test_a_burst_is_allowed_then_the_next_request_waits_one_refill() -> None:
    clock = Clock()
    rl = limiter(Rate(3, 0.5), clock)
    assert [rl.take("r", "alice") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert math.isclose(rl.take("r", "alice"), 2.0)
    clock.now += 2.0
    assert rl.take("r", "alice") == 0.0


def test_people_have_separate_buckets() -> None:
    clock = Clock()
    rl = limiter(Rate(1, 0.1), clock)
    assert rl.take("r", "alice") == 0.0
    assert rl.take("r", "alice") > 0
    assert rl.take("r", "bob") == 0.0


def test_scale_zero_turns_limits_off_and_scale_shrinks_bursts() -> None:
    clock = Clock()
    off = limiter(Rate(1, 0.001), clock, scale=0)
    assert all(off.take("r", "a") == 0.0 for _ in range(100))
    small = limiter(Rate(10, 1.0), clock, scale=0.2)
    assert small.rule("r") == Rate(2, 0.2)


def test_memory_is_bounded_by_forgetting_the_stalest_buckets() -> None:
    clock = Clock()
    rl = RateLimiter({"r": Rate(1, 0.001)}, clock=clock, max_keys=10)
    for i in range(100):
        rl.take("r", f"p{i}")
    assert len(rl._buckets) == 10


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert retry_after_header(0.01) == "1"
    assert retry_after_header(2.2) == "3"
    assert retry_after_header(math.inf) == "3600"


gaps = st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(
    burst=st.integers(min_value=1, max_value=20),
    per_s=st.floats(min_value=0.05, max_value=20),
    gaps=gaps,
)
def test_never_more_than_burst_plus_rate_times_elapsed(
    burst: int, per_s: float, gaps: list[float]
) -> None:
    clock = Clock()
    rl = limiter(Rate(burst, per_s), clock)
    start, allowed = clock.now, 0
    for gap in gaps:
        clock.now += gap
        allowed += rl.take("r", "x") == 0.0
    assert allowed <= burst + (clock.now - start) * per_s + 1e-9


@settings(max_examples=200, deadline=None)
@given(
    burst=st.integers(min_value=1, max_value=10),
    per_s=st.floats(min_value=0.05, max_value=10),
    gaps=gaps,
)
def test_waiting_the_retry_after_is_always_enough(
    burst: int, per_s: float, gaps: list[float]
) -> None:
    clock = Clock()
    rl = limiter(Rate(burst, per_s), clock)
    for gap in gaps:
        clock.now += gap
        wait = rl.take("r", "x")
        if wait > 0:
            clock.now += wait + 1e-9
            assert rl.take("r", "x") == 0.0
