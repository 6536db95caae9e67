"""Per-person order: turns in one person's lane run in the order taken; lanes are independent."""

from __future__ import annotations

import asyncio

import pytest

from services.notifier.lanes import Lanes, Turn


async def _work(turn: Turn, log: list[str], name: str, before_s: float, hold_s: float) -> None:
    try:
        await asyncio.sleep(before_s)  # e.g. looking up connections
        await turn.wait()
        log.append(f"{name}:start")
        await asyncio.sleep(hold_s)  # posting
        log.append(f"{name}:end")
    finally:
        turn.end()


async def test_a_later_turn_waits_for_an_earlier_slower_one_of_the_same_person() -> None:
    lanes, log = Lanes(), list[str]()
    first, second = lanes.take("ann"), lanes.take("ann")
    await asyncio.gather(
        _work(first, log, "first", before_s=0.03, hold_s=0.01),
        _work(second, log, "second", before_s=0.0, hold_s=0.0),
    )
    assert log == ["first:start", "first:end", "second:start", "second:end"]
    assert len(lanes) == 0  # nothing left behind once everyone is done


async def test_people_never_wait_for_each_other() -> None:
    lanes, log = Lanes(), list[str]()
    slow, fast = lanes.take("ann"), lanes.take("ben")
    await asyncio.gather(
        _work(slow, log, "ann", before_s=0.0, hold_s=0.05),
        _work(fast, log, "ben", before_s=0.01, hold_s=0.0),
    )
    assert log.index("ben:end") < log.index("ann:end")


async def test_a_turn_whose_holder_failed_still_lets_the_next_one_go() -> None:
    lanes, log = Lanes(), list[str]()
    broken, after = lanes.take("ann"), lanes.take("ann")

    async def fails() -> None:
        try:
            await broken.wait()
            raise RuntimeError("post failed")
        finally:
            broken.end()

    results = await asyncio.gather(
        fails(), _work(after, log, "after", 0, 0), return_exceptions=True
    )
    assert isinstance(results[0], RuntimeError)
    assert log == ["after:start", "after:end"]


async def test_cancelling_a_waiting_turn_leaves_the_earlier_one_running() -> None:
    lanes = Lanes()
    first, second = lanes.take("ann"), lanes.take("ann")
    waiting = asyncio.ensure_future(second.wait())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not first.done.done()
    first.end()
    second.end()
    assert len(lanes) == 0
