"""One matcher instance at a time reads the whole waiting set: the sweep takes turns by a lease
in the waiting table, taken over when its holder stops or dies (sweep_lease)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from services.matcher.repair.sweep_lease import SweepLease
from services.matcher.tables import waitlist
from services.runtime.aws import Aws
from tests.conftest import Stack
from tests.integration.matcher.helpers import matcher, settings_for


async def test_one_instance_holds_the_sweep_and_another_takes_over_once_it_lapses(
    stack: Stack, aws: Aws
) -> None:
    table = aws.table("matcher-waiting")
    a, b = (SweepLease(aws.dynamodb, table, period_s=1.0) for _ in range(2))
    t = time.time()
    assert await a.turn(t)
    assert not await b.turn(t + 0.5)  # a holds it until t + 2
    assert await a.turn(t + 1.0)  # a renews: until t + 3
    assert not await b.turn(t + 2.5)
    # a stops renewing (it died): once the lease has lapsed, b takes over, and a, were it
    # still running, would find it lost at its next turn.
    assert await b.turn(t + 3.5)
    assert not await a.turn(t + 3.6)
    assert not a.holds()
    assert b.holds()


async def test_a_released_lease_is_taken_at_the_next_turn(stack: Stack, aws: Aws) -> None:
    table = aws.table("matcher-waiting")
    a, b = (SweepLease(aws.dynamodb, table, period_s=1.0) for _ in range(2))
    t = time.time()
    assert await a.turn(t)
    await a.release()
    assert await b.turn(t + 0.1)  # not once the lease lapses


async def test_of_two_running_matchers_one_reads_the_whole_waiting_set(
    stack: Stack, aws: Aws
) -> None:
    settings = settings_for(stack, pool_sweep_s=0.2)
    reads: list[str] = []
    original = waitlist.Waitlist.read

    ten = asyncio.Event()

    async def counted(self: Any) -> Any:
        reads.append(str(id(self)))
        if len(reads) >= 10:
            ten.set()
        return await original(self)

    waitlist.Waitlist.read = counted  # type: ignore[method-assign]
    try:
        async with matcher(aws, settings, watch=False), matcher(aws, settings, watch=False):
            # Both started (slowly, on a busy machine), then sweeping every 0.2 s.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ten.wait(), 30)
            seen = list(reads)  # as both run (the first to stop hands the lease over)
    finally:
        waitlist.Waitlist.read = original  # type: ignore[method-assign]
    by_instance = {r: seen.count(r) for r in set(seen)}
    # Ten sweeps, all by one of the two.
    assert len(by_instance) == 1, by_instance
    assert max(by_instance.values()) >= 10
