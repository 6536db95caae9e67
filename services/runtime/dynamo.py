"""DynamoDB plumbing shared by every service: item (un)marshalling, transactions, errors."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from services.runtime.retry import DYNAMODB_BACKOFF, Backoff, RetriesSpent, classify_cancellation

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

_ser = TypeSerializer()
_de = TypeDeserializer()


def to_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """Python values → DynamoDB attribute values (floats become Decimals; None is dropped)."""
    return {
        k: _ser.serialize(Decimal(str(v)) if isinstance(v, float) else v)
        for k, v in data.items()
        if v is not None
    }


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values → Python values (whole Decimals become ints)."""
    out: dict[str, Any] = {}
    for k, v in item.items():
        value = _de.deserialize(v)
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        out[k] = value
    return out


def values(**kw: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments: values(s="waiting") → {":s": …}."""
    return {f":{k}": _ser.serialize(v) for k, v in kw.items()}


class TransactionConflict(Exception):
    """A transaction was cancelled because a condition failed: the state moved since it was
    read. `reasons` holds one code per item. (Throttles and transactions crossing each other
    never raise this: `transact` retries them.)"""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__(f"transaction cancelled: {list(reasons)}")
        self.reasons = list(reasons)

    def failed(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"


def is_condition_failure(exc: BaseException) -> bool:
    return (
        isinstance(exc, ClientError)
        and exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
    )


def cancellation_reasons(exc: ClientError) -> list[str] | None:
    """The per-item reasons of a cancelled transaction; None for any other error."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    found = exc.response.get("CancellationReasons", [])
    reasons = [str(r.get("Code", "None")) for r in found]
    return reasons or _reasons_from_message(str(exc))


async def transact(
    dynamodb: DynamoDBClient,
    items: Sequence[Mapping[str, Any]],
    *,
    backoff: Backoff = DYNAMODB_BACKOFF,
    rng: random.Random | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """TransactWriteItems. A failed condition raises TransactionConflict with per-item reasons.

    A cancellation that only says "not now" (the table throttled an item, or another
    transaction was writing one) is retried with `backoff`; still refused when its budget is
    spent, it raises RetriesSpent (transient). Any other cancellation is a bug and raises as
    it came.
    """
    started = time.monotonic()
    retry = 0
    while True:
        try:
            await dynamodb.transact_write_items(TransactItems=list(items))  # type: ignore[arg-type]
            return
        except ClientError as exc:
            reasons = cancellation_reasons(exc)
            if reasons is None:
                raise
            match classify_cancellation(reasons):
                case "condition":
                    raise TransactionConflict(reasons) from exc
                case "error":
                    raise
            retry += 1
            wait = backoff.delay(retry, time.monotonic() - started, rng)
            if wait is None:
                raise RetriesSpent(
                    f"transaction still cancelled {reasons} after {retry} tries "
                    f"in {backoff.budget_s:g} s"
                ) from exc
            await sleep(wait)


def _reasons_from_message(message: str) -> list[str]:
    # "… refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    if "[" not in message:
        return []
    inner = message[message.rindex("[") + 1 : message.rindex("]")]
    return [r.strip() for r in inner.split(",")]
