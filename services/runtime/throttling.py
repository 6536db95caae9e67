"""Throttled AWS calls, absorbed and counted: botocore hooks on every client `Aws` opens.

- **Counted.** Every attempt an AWS service refused as throttled — whoever retries it
  (botocore inside one call, `dynamo.transact` around a transaction, the consumer around a
  handler) — is one `Throttled` metric (dimensions `Service`, `Table` for DynamoDB: the
  table of each throttled item of a cancelled transaction, or each table a throttled call
  names). Hooked on botocore's `needs-retry` event, which fires after every attempt.
- **Backed off for DynamoDB.** botocore's standard retry mode starts its backoff at 1 s for
  every service; DynamoDB answers in milliseconds, so its clients get the same standard
  conditions (throttles, 5xx, dropped connections, retry quota) with `retry.DYNAMODB_BACKOFF`:
  full jitter from 50 ms, inside `retry.CALL_BUDGET_S`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from aiobotocore.retries.standard import AioRetryHandler, AioRetryPolicy, AioStandardRetryConditions
from botocore.retries import quota
from botocore.retries.base import BaseRetryBackoff
from botocore.retries.standard import MaxAttemptsChecker, RetryEventAdapter, RetryQuotaChecker

from services.runtime.logs import metric
from services.runtime.retry import (
    DYNAMODB_BACKOFF,
    DYNAMODB_MAX_ATTEMPTS,
    THROTTLE_CANCELLATIONS,
    Backoff,
    is_throttle,
)

# Not in botocore's standard list, but a single write crossing a transaction only means "not
# now" too.
_ALSO_RETRIED = frozenset({"TransactionConflictException"})
_STARTED = "parley_retry_started"


def throttled_tables(
    operation: str, body: Mapping[str, Any], error: Mapping[str, Any]
) -> list[str]:
    """The tables one throttled DynamoDB attempt counts against (none if it was not throttled).

    A cancelled transaction names its throttled items (`CancellationReasons`, in the order of
    `TransactItems`); a throttled call counts against each table it names.
    """
    code = str(error.get("Code", ""))
    if code == "TransactionCanceledException":
        items = body.get("TransactItems", [])
        reasons = error.get("CancellationReasons", [])
        return sorted(
            {
                _item_table(items[i])
                for i, r in enumerate(reasons)
                if i < len(items) and r.get("Code") in THROTTLE_CANCELLATIONS
            }
            - {""}
        )
    if not is_throttle(code):
        return []
    if "TableName" in body:
        return [str(body["TableName"])]
    tables = set(body.get("RequestItems", {}))
    tables |= {_item_table(i) for i in body.get("TransactItems", [])}
    return sorted(tables - {""}) or [f"({operation})"]


def _item_table(item: Mapping[str, Any]) -> str:
    for body in item.values():  # Put / Update / Delete / ConditionCheck / Get
        return str(body.get("TableName", ""))
    return ""


def _count(service: str, attempts: int = 0, **kwargs: Any) -> None:
    response = kwargs.get("response")
    if not response:
        return
    parsed = response[1]
    error = dict(parsed.get("Error") or {})
    code = str(error.get("Code", ""))
    if code == "TransactionCanceledException":
        error["CancellationReasons"] = parsed.get("CancellationReasons", [])
    elif not is_throttle(code):
        return
    operation = kwargs["operation"].name
    fields = {"aws": service, "operation": operation, "code": code, "attempt": attempts}
    if service != "dynamodb":
        if is_throttle(code):
            metric("Throttled", 1, **fields)
        return
    try:
        params = json.loads(kwargs.get("request_dict", {}).get("body") or b"{}")
    except (ValueError, TypeError):
        params = {}
    for table in throttled_tables(operation, params, error):
        metric("Throttled", 1, dims=("Table",), Table=table, **fields)


class _BudgetedBackoff(BaseRetryBackoff):
    """botocore's backoff interface over a `retry.Backoff` (elapsed from the first refusal)."""

    def __init__(self, backoff: Backoff) -> None:
        self._backoff = backoff

    def delay_amount(self, context: Any) -> float | None:  # type: ignore[override]
        started = context.request_context.setdefault(_STARTED, time.monotonic())
        return self._backoff.delay(context.attempt_number, time.monotonic() - started)


class _Conditions(AioStandardRetryConditions):
    """botocore's standard conditions, and a write crossing a transaction."""

    def __init__(self, max_attempts: int) -> None:
        super().__init__(max_attempts=max_attempts)
        self._max = MaxAttemptsChecker(max_attempts)

    async def is_retryable(self, context: Any) -> bool:  # type: ignore[override]
        if context.get_error_code() in _ALSO_RETRIED:
            return bool(self._max.is_retryable(context))
        return bool(await super().is_retryable(context))


def _back_off_for_dynamodb(client: Any, backoff: Backoff, max_attempts: int) -> None:
    events, name = client.meta.events, "dynamodb"
    retry_quota = RetryQuotaChecker(quota.RetryQuota())
    handler = AioRetryHandler(
        retry_policy=AioRetryPolicy(
            retry_checker=_Conditions(max_attempts), retry_backoff=_BudgetedBackoff(backoff)
        ),
        retry_event_adapter=RetryEventAdapter(),
        retry_quota=retry_quota,  # type: ignore[arg-type]
    )
    # In place of the standard handler botocore registered under this id (same quota rules).
    unique_id = f"retry-config-{name}"
    events.unregister(f"needs-retry.{name}", unique_id=unique_id)
    events.register(f"after-call.{name}", retry_quota.release_retry_quota)
    events.register(f"needs-retry.{name}", handler.needs_retry, unique_id=unique_id)


def register(client: Any) -> None:
    """Count `client`'s throttled attempts; a DynamoDB client also gets its backoff."""
    service = client.meta.service_model.service_id.hyphenize()
    if service == "dynamodb":
        _back_off_for_dynamodb(client, DYNAMODB_BACKOFF, DYNAMODB_MAX_ATTEMPTS)

    def count(**kwargs: Any) -> None:
        _count(service, **kwargs)

    client.meta.events.register(f"needs-retry.{service}", count)
