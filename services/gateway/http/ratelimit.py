"""Per-person rate limits: the rules, and one token bucket per (rule, person) in memory (pure,
clock injected).

The limits that hold across gateway processes are `shared_limits.SharedLimiter`'s, counted in
DynamoDB; these in-memory buckets count the `read` rule and stand in while DynamoDB cannot be
reached. Each process keeps its own, so with N processes a person gets at most N times their
rate; that still bounds abuse. The ledger and the matcher stay the authorities on what a person
may actually do.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    burst: int  # requests allowed at once
    per_s: float  # sustained requests per second

    def scaled(self, scale: float) -> Rate:
        return Rate(max(1, math.ceil(self.burst * scale)), self.per_s * scale)


# Generous for people, tight for scripts. `signal` carries ICE candidates in bursts.
RULES: dict[str, Rate] = {
    "read": Rate(60, 10.0),
    "preferences": Rate(10, 0.2),
    "queue": Rate(8, 0.25),
    "invite": Rate(6, 0.2),
    "answer": Rate(10, 0.5),
    "session": Rate(12, 0.5),
    "signal": Rate(120, 10.0),
    "safety": Rate(5, 0.05),
    "export": Rate(3, 0.01),
    # WebSocket connects (`$connect` / `GET /v1/ws`): 30 a minute; a tab reconnects a few
    # times an hour (token renewal, network changes, deploys).
    "connect": Rate(30, 0.5),
}


class RateLimiter:
    def __init__(
        self,
        rules: Mapping[str, Rate] = RULES,
        *,
        scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.enabled = scale > 0
        self._rules = {name: rate.scaled(scale) for name, rate in rules.items()}
        self._clock = clock
        self._max_keys = max_keys
        # (rule, person) -> (tokens left, when they were counted); least recently used first.
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()

    def rule(self, name: str) -> Rate:
        return self._rules[name]

    def take(self, rule: str, who: str) -> float:
        """0.0 if the request may go ahead (one token taken), else seconds until it may."""
        if not self.enabled:
            return 0.0
        rate = self._rules[rule]
        now = self._clock()
        key = (rule, who)
        tokens, at = self._buckets.pop(key, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + (now - at) * rate.per_s)
        if tokens >= 1.0:
            self._remember(key, tokens - 1.0, now)
            return 0.0
        self._remember(key, tokens, now)
        if rate.per_s <= 0:
            return math.inf
        return (1.0 - tokens) / rate.per_s

    def forget(self, rule: str, who: str) -> None:
        """Drop a bucket that will not be asked again (a closed connection's)."""
        self._buckets.pop((rule, who), None)

    def _remember(self, key: tuple[str, str], tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max_keys:
            # Forgetting the stalest bucket only ever grants more: fine under memory pressure.
            self._buckets.popitem(last=False)


def retry_after_header(wait_s: float) -> str:
    """Whole seconds, at least 1 (`Retry-After` has no fractions)."""
    return str(max(1, math.ceil(min(wait_s, 3600.0))))
