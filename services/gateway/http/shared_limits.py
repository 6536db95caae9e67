"""Rate limits shared by every gateway process: fixed windows counted in DynamoDB.

Each rule's token bucket (`burst`, `per_s`) becomes a window of `burst / per_s` seconds
allowing `burst` requests: the same sustained rate, and a burst of at most twice the limit
across a window's edge. The count lives in the `gateway-ratelimits` table, one item per
(rule, person, window), so any number of gateway tasks share it and a restart forgets nothing.

The hot path stays in memory: a process reserves a batch of a window's requests with one
conditional `ADD` (never past the limit), spends them locally, and remembers a full window
until it ends, so a flood costs no DynamoDB call at all. A batch reserved but not spent is
lost when its window ends: limits err towards fewer requests, never more. Batches are a tenth
of the limit (at least 1), so tight rules are exact and reads cost one write per few requests.

Reads (`read`) stay per process on purpose: a person reading once a minute would start a
new window, and so pay a DynamoDB write (~1.8 ms of the gateway's CPU, ~5 ms of latency) on
every read, a write per read to bound something that costs little; N tasks times the read limit
still bounds it. Every intent route (queue, invites, sessions, signal, reports, preferences)
shares its limit.

If DynamoDB cannot be reached the per-process buckets (`ratelimit.RateLimiter`) take over
for a while: limits keep bounding abuse without making DynamoDB's outage everyone's.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from services.gateway.http.ratelimit import RULES, Rate, RateLimiter
from services.runtime.logs import metric

# reserve(who, window, want, limit, expires_at) -> how many of `want` the counter granted.
Reserve = Callable[[str, str, int, int, int], Awaitable[int]]
# Rules each process counts on its own (see the module docstring).
PER_PROCESS = frozenset({"read"})
# After a failed reservation, the local buckets decide for this long before trying again.
STORE_RETRY_S = 5.0


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float

    @classmethod
    def of(cls, rate: Rate) -> Window:
        return cls(rate.burst, rate.burst / rate.per_s if rate.per_s > 0 else 86400.0)

    @property
    def batch(self) -> int:
        return max(1, self.limit // 10)


@dataclass
class _Allowance:
    window: int  # the window's index (start / seconds)
    left: int = 0  # reserved here and not spent yet
    full: bool = False  # the shared counter has nothing more to give in this window


class SharedLimiter:
    def __init__(
        self,
        reserve: Reserve,
        rules: Mapping[str, Rate] = RULES,
        *,
        scale: float = 1.0,
        clock: Callable[[], float] = time.time,
        max_keys: int = 100_000,
        per_process: frozenset[str] = PER_PROCESS,
    ) -> None:
        self.enabled = scale > 0
        self._per_process = per_process
        self._reserve = reserve
        self._windows = {name: Window.of(rate.scaled(scale)) for name, rate in rules.items()}
        self._clock = clock
        self._max_keys = max_keys
        self._fallback = RateLimiter(rules, scale=scale)
        self._store_failed_at = float("-inf")
        self._allowances: OrderedDict[tuple[str, str], _Allowance] = OrderedDict()
        self._pending: dict[tuple[str, str], asyncio.Future[None]] = {}
        self.reservations = 0

    def window(self, rule: str) -> Window:
        return self._windows[rule]

    async def take(self, rule: str, who: str) -> float:
        """0.0 if the request may go ahead, else seconds until it may."""
        if not self.enabled:
            return 0.0
        if rule in self._per_process:
            return self._fallback.take(rule, who)
        w = self._windows[rule]
        key = (rule, who)
        while True:
            now = self._clock()
            index = math.floor(now / w.seconds)
            a = self._allowance(key, index)
            if a.left > 0:
                a.left -= 1
                return 0.0
            if a.full:
                return (index + 1) * w.seconds - now
            if now - self._store_failed_at < STORE_RETRY_S:
                return self._fallback.take(rule, who)
            pending = self._pending.get(key)
            if pending is not None:
                # One reservation per person and rule at a time; the others share its batch.
                await asyncio.shield(pending)
                continue
            done = asyncio.get_running_loop().create_future()
            self._pending[key] = done
            try:
                await self._reserve_batch(key, w, index)
            finally:
                del self._pending[key]
                done.set_result(None)

    async def _reserve_batch(self, key: tuple[str, str], w: Window, index: int) -> None:
        rule, who = key
        self.reservations += 1
        expires = math.ceil((index + 1) * w.seconds) + 60
        try:
            got = await self._reserve(who, f"{rule}#{index}", w.batch, w.limit, expires)
        except (BotoCoreError, ClientError) as exc:
            self._store_failed_at = self._clock()
            structlog.get_logger().warning("ratelimit.store_unavailable", error=str(exc)[:300])
            metric("RateLimitStoreUnavailable")
            return
        a = self._allowance(key, index)
        a.left += got
        if got < w.batch:
            a.full = True

    def _allowance(self, key: tuple[str, str], index: int) -> _Allowance:
        a = self._allowances.get(key)
        if a is None or a.window != index:
            a = _Allowance(index)
            self._allowances[key] = a
            while len(self._allowances) > self._max_keys:
                # Forgetting a window's allowance only loses its reserved requests: fewer, safe.
                self._allowances.popitem(last=False)
        self._allowances.move_to_end(key)
        return a
