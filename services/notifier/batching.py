"""Coalescing many concurrent single-key requests into a few batch calls.

Every event the notifier handles asks DynamoDB one small question or two (was this event
pushed already? which connections does this person have?). Asked one by one, those calls cost
more than the pushes themselves. A `Batcher` lets each handler ask for one key and await its
answer, while the keys asked in the same moment leave together in one BatchGetItem or
BatchWriteItem. Under light load a key leaves at once, alone; under heavy load keys queue
behind the calls in flight and leave in full batches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Batcher(Generic[K, V]):
    def __init__(
        self,
        call: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]],
        *,
        max_batch: int,
        max_in_flight: int = 4,
    ) -> None:
        """`call(keys)` answers distinct keys (at most `max_batch`) with a value for each."""
        self._call = call
        self._max_batch = max_batch
        self._max_in_flight = max_in_flight
        self._waiting: dict[K, list[asyncio.Future[V]]] = {}
        self._in_flight = 0
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.calls = 0

    async def get(self, key: K) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        if not self._scheduled:
            # Wait one turn of the loop so that keys asked together leave together.
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._pump)
        return await future

    def _pump(self) -> None:
        self._scheduled = False
        while self._waiting and self._in_flight < self._max_in_flight:
            keys = list(self._waiting)[: self._max_batch]
            batch = {k: self._waiting.pop(k) for k in keys}
            self._in_flight += 1
            task = asyncio.create_task(self._run(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, batch: dict[K, list[asyncio.Future[V]]]) -> None:
        self.calls += 1
        try:
            answers = await self._call(list(batch))
        except BaseException as exc:
            for futures in batch.values():
                for f in futures:
                    if f.done():
                        continue
                    if isinstance(exc, asyncio.CancelledError):
                        f.cancel()
                    else:
                        f.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            for key, futures in batch.items():
                for f in futures:
                    if f.done():
                        continue
                    if key in answers:
                        f.set_result(answers[key])
                    else:
                        f.set_exception(KeyError(f"no answer for {key!r}"))
        finally:
            self._in_flight -= 1
            self._pump()
