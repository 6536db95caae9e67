"""When a failed call or handler is tried again, and when it is given up: pure, no I/O.

Two kinds of failure. A *transient* one (throttling, a 5xx, a timeout, a dropped connection)
says nothing about the message: it backs off to minutes and gets many attempts, so a short
outage of DynamoDB, SNS or LiveKit heals without anyone noticing. Any other error is likely
the message's own (or a bug) and is given up after a few quick attempts, so it does not hold
its group back for long.

Throttling costs time, never state. One AWS call is first retried where it is made — botocore
for a single call, `dynamo.transact` for a transaction the table throttled or another
transaction crossed — with exponential backoff and full jitter inside `CALL_BUDGET_S`
(`Backoff`). Only a failed condition means the state moved (`classify_cancellation`). A call
still refused when its budget is spent raises `RetriesSpent`, which is transient: the consumer
tries the message again later, it is never parked for it early.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import aiohttp
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

# Error codes AWS answers when a request was throttled: the request was fine, the rate not.
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "LimitExceededException",
        "SlowDown",
        "KMSThrottlingException",
    }
)
# Error codes AWS answers when the request was fine but the service could not take it now.
TRANSIENT_CODES = THROTTLE_CODES | frozenset(
    {
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)

# Reasons inside a cancelled DynamoDB transaction (`CancellationReasons[].Code`).
CONDITION_FAILED = "ConditionalCheckFailed"
# The table or an index was throttled for that item.
THROTTLE_CANCELLATIONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})
# Only "try again": throttled, or another transaction was writing the same item.
RETRYABLE_CANCELLATIONS = THROTTLE_CANCELLATIONS | {"TransactionConflict"}

Cancellation = Literal["condition", "retry", "error"]


def classify_cancellation(reasons: Iterable[str]) -> Cancellation:
    """What a cancelled transaction means, from its per-item reasons.

    `condition`: an item's condition failed — the state moved, read again and decide again
    (this wins over anything else: retrying the same write cannot succeed). `retry`: every
    reason only says "not now" — the same write can succeed later. `error`: anything else
    (ValidationError, ItemCollectionSizeLimitExceeded, no reason at all) — a bug, not a race.
    """
    codes = {r for r in reasons} - {"None", ""}
    if CONDITION_FAILED in codes:
        return "condition"
    if codes and codes <= RETRYABLE_CANCELLATIONS:
        return "retry"
    return "error"


class RetriesSpent(RuntimeError):
    """A call was still throttled, or its transaction still crossed by others, when its retry
    budget ran out. Transient: the message is tried again later, with the consumer's backoff."""

    transient = True


class Contended(RuntimeError):
    """An optimistic read-decide-write loop kept finding the state changed under it. Others
    are making progress on the same items: transient, the message comes back later."""

    transient = True


# Errors a later attempt can succeed at without anything else changing (besides the codes).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    RetriesSpent,
    Contended,
    BotoConnectionError,
    HTTPClientError,
    aiohttp.ClientConnectionError,
    TimeoutError,
    ConnectionError,
)


def is_throttle(code: str) -> bool:
    return code in THROTTLE_CODES


def is_transient(exc: BaseException) -> bool:
    """True for errors a later attempt can succeed at without anything else changing. An
    error may say so itself with a boolean `transient` attribute."""
    declared = getattr(exc, "transient", None)
    if isinstance(declared, bool):
        return declared
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in TRANSIENT_CODES or status >= 500 or status == 429:
            return True
        if code == "TransactionCanceledException":
            reasons = exc.response.get("CancellationReasons", [])
            return classify_cancellation(str(r.get("Code", "")) for r in reasons) == "retry"
        return False
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.status >= 500 or exc.status == 429
    return isinstance(exc, TRANSIENT_ERRORS)


@dataclass(frozen=True)
class RetryPolicy:
    """Delays grow base * 2**(attempt-1) up to a cap; jitter spreads retries of many messages."""

    attempts: int = 5  # ordinary errors: 1 + 2 + 4 + 8 s, then parked (~15 s)
    base_s: float = 1.0
    cap_s: float = 20.0
    transient_attempts: int = 12  # transient errors: up to 2 min apart, ~10 min in all
    transient_cap_s: float = 120.0
    jitter: float = 0.2

    def delay(
        self, attempt: int, transient: bool, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (1-based); None: give up."""
        budget = self.transient_attempts if transient else self.attempts
        if attempt >= budget:
            return None
        cap = self.transient_cap_s if transient else self.cap_s
        delay = min(cap, self.base_s * 2.0 ** (attempt - 1))
        if self.jitter:
            delay *= 1 - self.jitter * (rng or random).random()
        return delay

    def worst_case_s(self, transient: bool = True) -> float:
        """How long a message can hold its group back before it is parked (no jitter)."""
        budget = self.transient_attempts if transient else self.attempts
        cap = self.transient_cap_s if transient else self.cap_s
        return sum(min(cap, self.base_s * 2.0 ** (n - 1)) for n in range(1, budget))


# How long one AWS call may keep retrying throttles and crossed transactions before it gives
# up (`RetriesSpent`). Well inside the inbox's visibility timeout (30 s, renewed every 15 s
# by the consumer's heartbeat) and its shutdown drain (20 s): a handler in a throttling storm
# is not caught mid-retry by a drain, and a handler makes a few calls, not one.
CALL_BUDGET_S = 10.0


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter inside a time budget.

    Retry n waits a random time in [0, min(cap, base * 2**(n-1))] (full jitter: racers that
    collided once spread out instead of colliding again in lockstep), and never past the
    budget: the last wait is cut to what is left, and once it is spent there is no retry.
    DynamoDB answers in milliseconds, so the base is small (botocore's own DynamoDB default
    before its standard mode was 50 ms; its standard mode starts at 1 s for every service).
    """

    base_s: float = 0.05
    cap_s: float = 2.0
    budget_s: float = CALL_BUDGET_S

    def ceiling(self, retry: int) -> float:
        """The longest wait before retry number `retry` (1-based)."""
        return min(self.cap_s, self.base_s * 2.0 ** max(0, retry - 1))

    def delay(self, retry: int, elapsed_s: float, rng: random.Random | None = None) -> float | None:
        """Seconds to wait before retry number `retry`, `elapsed_s` after the call began;
        None: the budget is spent, give up."""
        left = self.budget_s - elapsed_s
        if left <= 0:
            return None
        return min(left, (rng or random).random() * self.ceiling(retry))

    def worst_case_s(self, retries: int) -> float:
        """The most `retries` retries can wait in all (every jitter at its top), budget-capped."""
        return min(self.budget_s, sum(self.ceiling(n) for n in range(1, retries + 1)))


# DynamoDB calls: single calls (botocore's retry handler, runtime/throttling.py) and
# transactions (dynamo.transact) back off alike.
DYNAMODB_BACKOFF = Backoff()
# Attempts botocore makes at one DynamoDB call (the budget usually ends it first: nine waits
# at their longest add up to 9.15 s).
DYNAMODB_MAX_ATTEMPTS = 10
