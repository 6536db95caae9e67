"""What a consumer is told about each message, and how it is tuned."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from services.runtime.retry import RetryPolicy, is_transient


@dataclass(frozen=True)
class Delivery:
    """What the handler may want to know about the message carrying its event."""

    message_id: str
    group: str
    receive_count: int
    sent_at_ms: int
    attempt: int = 1  # this consumer's attempt at the message (retries happen in process)


Handler = Callable[[Any, Delivery], Awaitable[None]]


@dataclass
class ConsumerOptions:
    fifo: bool = True
    wait_s: int = 10
    concurrency: int = 16
    visibility_timeout_s: int = 30
    shutdown_timeout_s: float = 20.0
    # In-process retries, see RetryPolicy: base * 2**(attempt-1), capped, per kind of error.
    retry_attempts: int = 5
    retry_base_s: float = 1.0
    retry_cap_s: float = 20.0
    transient_attempts: int = 12
    transient_cap_s: float = 120.0
    retry_jitter: float = 0.2
    # Messages held in memory at most (running, queued behind their group, backing off);
    # 0 means 4 times concurrency.
    max_held: int = 0
    # Hand every message to its handler a second time once the first succeeded (chaos runs).
    duplicate_delivery: bool = False
    transient: Callable[[BaseException], bool] = is_transient

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=int(self.retry_attempts),
            base_s=self.retry_base_s,
            cap_s=self.retry_cap_s,
            transient_attempts=int(self.transient_attempts),
            transient_cap_s=self.transient_cap_s,
            jitter=self.retry_jitter,
        )
