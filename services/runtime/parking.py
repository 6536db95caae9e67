"""Parking a message in its queue's DLQ with the reason it was given up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

DETAIL_MAX = 500  # keeps the attribute readable and far inside SQS's limits


def dlq_attributes(reason: str, error: str = "", attempts: int = 0) -> dict[str, Any]:
    """The message attributes a parked copy carries: `rejectReason`, and `error` and
    `attempts` when a handler gave up on it."""
    attributes: dict[str, Any] = {"rejectReason": {"DataType": "String", "StringValue": reason}}
    if error:
        attributes["error"] = {"DataType": "String", "StringValue": error[:DETAIL_MAX]}
    if attempts:
        attributes["attempts"] = {"DataType": "Number", "StringValue": str(attempts)}
    return attributes


async def send_to_dlq(
    sqs: SQSClient,
    dlq_url: str,
    msg: dict[str, Any],
    group: str,
    fifo: bool,
    reason: str,
    error: str = "",
    attempts: int = 0,
) -> None:
    """Copy the message to the DLQ (deduplicated by its message id); raises if SQS refuses."""
    kwargs: dict[str, Any] = {
        "QueueUrl": dlq_url,
        "MessageBody": msg["Body"],
        "MessageAttributes": dlq_attributes(reason, error, attempts),
    }
    if fifo:
        kwargs |= {"MessageGroupId": group, "MessageDeduplicationId": msg["MessageId"]}
    await sqs.send_message(**kwargs)
