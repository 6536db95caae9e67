"""Coalescing concurrent single-key requests into batch calls."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import pytest

from services.notifier.batching import Batcher


class Backend:
    def __init__(self, delay_s: float = 0.0, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.delay_s = delay_s
        self.fail = fail
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, keys: Sequence[str]) -> Mapping[str, str]:
        self.calls.append(list(keys))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
            if self.fail:
                raise RuntimeError("backend down")
            return {k: k.upper() for k in keys}
        finally:
            self.in_flight -= 1


async def test_keys_asked_together_leave_together_and_each_gets_its_own_answer() -> None:
    backend = Backend()
    batcher = Batcher(backend, max_batch=100)
    answers = await asyncio.gather(*(batcher.get(k) for k in ["a", "b", "c", "a"]))
    assert answers == ["A", "B", "C", "A"]
    assert backend.calls == [["a", "b", "c"]]  # one call, the repeated key asked once


async def test_batches_never_exceed_their_size_and_calls_in_flight_are_bounded() -> None:
    backend = Backend(delay_s=0.01)
    batcher = Batcher(backend, max_batch=25, max_in_flight=2)
    keys = [f"k{i}" for i in range(230)]
    answers = await asyncio.gather(*(batcher.get(k) for k in keys))
    assert answers == [k.upper() for k in keys]
    assert max(len(c) for c in backend.calls) == 25
    assert sorted(k for c in backend.calls for k in c) == sorted(keys)
    assert backend.most_in_flight == 2


async def test_under_light_load_a_key_leaves_at_once_alone() -> None:
    backend = Backend()
    batcher = Batcher(backend, max_batch=100)
    assert await batcher.get("a") == "A"
    assert await batcher.get("b") == "B"
    assert backend.calls == [["a"], ["b"]]


async def test_keys_arriving_while_calls_are_in_flight_queue_up_into_the_next_batch() -> None:
    backend = Backend(delay_s=0.02)
    batcher = Batcher(backend, max_batch=100, max_in_flight=1)
    first = asyncio.ensure_future(batcher.get("a"))
    await asyncio.sleep(0.005)  # "a" is in flight now
    rest = [asyncio.ensure_future(batcher.get(k)) for k in ("b", "c", "d")]
    await asyncio.gather(first, *rest)
    assert backend.calls == [["a"], ["b", "c", "d"]]


async def test_a_failed_call_fails_every_waiter_of_that_batch_and_the_next_batch_still_runs() -> (
    None
):
    backend = Backend(fail=True)
    batcher = Batcher(backend, max_batch=10)
    results = await asyncio.gather(batcher.get("a"), batcher.get("b"), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    backend.fail = False
    assert await batcher.get("c") == "C"


async def test_a_key_the_backend_forgot_is_an_error_for_its_waiter_only() -> None:
    async def forgetful(keys: Sequence[str]) -> Mapping[str, str]:
        return {k: k for k in keys if k != "lost"}

    batcher = Batcher(forgetful, max_batch=10)
    found, lost = await asyncio.gather(
        batcher.get("kept"), batcher.get("lost"), return_exceptions=True
    )
    assert found == "kept"
    assert isinstance(lost, KeyError)


async def test_a_waiter_that_gives_up_does_not_disturb_the_others() -> None:
    backend = Backend(delay_s=0.02)
    batcher = Batcher(backend, max_batch=10)
    impatient = asyncio.ensure_future(batcher.get("a"))
    patient = asyncio.ensure_future(batcher.get("a"))
    await asyncio.sleep(0.005)
    impatient.cancel()
    assert await patient == "A"
    with pytest.raises(asyncio.CancelledError):
        await impatient
