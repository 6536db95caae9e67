"""One global token bucket for joins: whoever asks takes the next free slot, in order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    """At most `rate` takes per second (bursts of `burst`). A take reserves a slot, possibly in
    the future (the bucket goes negative), so waiting people are served first come first
    served and the offered rate holds however many people wait."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._at = clock()

    def reserve(self, until: float = float("inf")) -> float | None:
        """Seconds to wait before the reserved slot; None (nothing taken) if it is past `until`."""
        now = self._clock()
        tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
        if now + wait > until:
            self._tokens, self._at = tokens, now
            return None
        self._tokens, self._at = tokens - 1.0, now
        return wait

    async def take(self, until: float = float("inf")) -> bool:
        """Wait for a slot; False if none is free before `until`."""
        wait = self.reserve(until)
        if wait is None:
            return False
        if wait > 0:
            await self._sleep(wait)
        return True
