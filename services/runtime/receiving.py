"""One receive that a stopping consumer can leave without losing what it took."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient


async def receive_or_release(
    sqs: SQSClient,
    queue_url: str,
    *,
    max_messages: int,
    wait_s: int,
    visibility_timeout_s: int,
    stopping: asyncio.Event,
) -> list[dict[str, Any]]:
    """ReceiveMessage; if `stopping` is set meanwhile, hand back whatever it took, return []."""
    poll = asyncio.ensure_future(
        sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_s,
            VisibilityTimeout=visibility_timeout_s,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
    )
    stopper = asyncio.ensure_future(stopping.wait())
    done, _ = await asyncio.wait({poll, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if poll in done:
        return [dict(m) for m in poll.result().get("Messages", [])]
    # Stopping mid-poll. Abandoning the request would not stop the server side: the poll
    # would still take messages and hide them for a visibility timeout. So let it finish
    # (it is bounded by its wait) and hand back whatever it took at once.
    try:
        resp = await asyncio.wait_for(poll, wait_s + 5)
    except Exception:
        return []
    for msg in resp.get("Messages", []):
        with contextlib.suppress(Exception):
            await sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=0
            )
    return []
