"""How long a received message stays hidden: held while it is worked on, given back early."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient


class Visibility:
    def __init__(self, sqs: SQSClient, queue_url: str, timeout_s: int, log: Any) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._timeout_s = timeout_s
        self._log = log

    async def keep(self, receipt: str) -> None:
        """Heartbeat until cancelled: the message stays in flight however long it is held."""
        period = max(1.0, self._timeout_s / 2)
        while True:
            await asyncio.sleep(period)
            await self.set(receipt, self._timeout_s)

    async def set(self, receipt: str, seconds: int) -> None:
        try:
            await self._sqs.change_message_visibility(
                QueueUrl=self._queue_url, ReceiptHandle=receipt, VisibilityTimeout=seconds
            )
        except Exception:
            self._log.warning("consumer.visibility_failed", exc_info=True)
