"""When a failed handler is tried again, and when it is given up: pure, no I/O.

Two kinds of failure. A *transient* one (throttling, a 5xx, a timeout, a dropped connection)
says nothing about the message: it backs off to minutes and gets many attempts, so a short
outage of DynamoDB, SNS or LiveKit heals without anyone noticing. Any other error is likely
the message's own (or a bug) and is given up after a few quick attempts, so it does not hold
its group back for long.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import aiohttp
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

# Error codes AWS answers when the request was fine but the service could not take it now.
TRANSIENT_CODES = frozenset(
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
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "KMSThrottlingException",
    }
)
# Reasons inside a cancelled DynamoDB transaction that only mean "try again".
_TRANSIENT_CANCELLATIONS = frozenset({"TransactionConflict", "ThrottlingError"})


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
            codes = {str(r.get("Code", "")) for r in reasons} - {"None", ""}
            return bool(codes) and codes <= _TRANSIENT_CANCELLATIONS
        return False
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.status >= 500 or exc.status == 429
    return isinstance(
        exc,
        BotoConnectionError
        | HTTPClientError
        | aiohttp.ClientConnectionError
        | TimeoutError
        | ConnectionError,
    )


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
