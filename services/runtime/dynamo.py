"""DynamoDB plumbing shared by every service: item (un)marshalling, transactions, errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

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
    """A transaction was cancelled because a condition failed; `reasons` holds one code per item."""

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


async def transact(dynamodb: DynamoDBClient, items: Sequence[Mapping[str, Any]]) -> None:
    """TransactWriteItems; a failed condition raises TransactionConflict with per-item reasons."""
    try:
        await dynamodb.transact_write_items(TransactItems=list(items))  # type: ignore[arg-type]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
        if not reasons:
            reasons = _reasons_from_message(str(exc))
        raise TransactionConflict(reasons) from exc


def _reasons_from_message(message: str) -> list[str]:
    # "… refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    if "[" not in message:
        return []
    inner = message[message.rindex("[") + 1 : message.rindex("]")]
    return [r.strip() for r in inner.split(",")]
