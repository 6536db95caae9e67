"""Benchmark: from the second Join to the first remote video frame decoded on both screens.

The whole path a person waits through: gateway → ledger → matcher → notifier → browser →
join credentials → direct WebRTC → first decoded frame, on the local stack.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.browser import Person, person
from tests.e2e.stack import LocalStack, add_people
from tests.load.bench import pct, report

ROUNDS = 5


async def _first_frame(p: Person, timeout_s: float = 30) -> float:
    deadline = time.monotonic() + timeout_s
    while await p.frames_decoded() <= 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{p.name}: no remote frame within {timeout_s} s")
        await asyncio.sleep(0.03)
    return time.perf_counter()


@pytest.mark.benchmark
async def test_match_to_first_remote_frame(local_stack: LocalStack, browser: Browser) -> None:
    add_people(local_stack, "erin", "frank")
    erin, frank = await person(browser, "erin"), await person(browser, "frank")
    samples: list[float] = []
    try:
        for p in (erin, frank):
            await p.sign_in(local_stack.url)
            await p.devices_ready()  # checked once, before timing: Join then joins at once
        for _ in range(ROUNDS):
            await erin.by("join").click()
            await expect(erin.by("waiting")).to_be_visible()
            t0 = time.perf_counter()
            await frank.by("join").click()
            ends = await asyncio.gather(_first_frame(erin), _first_frame(frank))
            samples.append(max(ends) - t0)
            await erin.stop()
            for p in (erin, frank):
                await expect(p.by("summary")).to_be_visible(timeout=30_000)
                await p.by("back-home").click()
                await expect(p.by("join")).to_be_enabled(timeout=30_000)
    finally:
        await erin.context.close()
        await frank.context.close()
    ms = [s * 1000 for s in samples]
    report(
        f"match → first remote frame on both screens ({ROUNDS} rounds)",
        {"p50 ms": pct(ms, 50), "p99 ms": pct(ms, 99), "min ms": min(ms)},
    )
    assert len(samples) == ROUNDS
