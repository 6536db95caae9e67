"""Small helpers for bus tests: draining a queue, waiting for a condition."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from services.runtime.aws import Aws


async def drain(
    aws: Aws, queue_name: str, *, wait_s: int = 1, rounds: int = 3
) -> list[dict[str, Any]]:
    """Receive (and delete) everything currently in a queue."""
    url = await aws.queue_url(queue_name)
    out: list[dict[str, Any]] = []
    empty = 0
    while empty < rounds:
        resp = await aws.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_s,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        )
        msgs = resp.get("Messages", [])
        if not msgs:
            empty += 1
            continue
        empty = 0
        out.extend(dict(m) for m in msgs)
        await aws.sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)
            ],
        )
    return out


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout_s: float = 15.0
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await asyncio.sleep(0.05)


async def queue_depth(aws: Aws, queue_name: str) -> int:
    """Messages still in a queue, visible or in flight (deleted ones are gone)."""
    attrs = await aws.sqs.get_queue_attributes(
        QueueUrl=await aws.queue_url(queue_name),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )
    a = attrs["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])
