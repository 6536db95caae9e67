"""Batched SQS deletes: up to ten per call, flushed as soon as the event loop is idle."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from services.runtime.logs import metric

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient


class DeleteBatcher:
    def __init__(self, sqs: SQSClient, queue_url: str, log: Any, progress: asyncio.Event) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._log = log
        # Set whenever a batch completes, so the poll loop can look again at once.
        self._progress = progress
        self._pending: list[tuple[str, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._in_call = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        return bool(self._pending or self._in_call)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def close(self) -> None:
        """Stop the background loop and flush whatever is still waiting."""
        self._wake.set()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def delete(self, receipt: str) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((receipt, fut))
        self._wake.set()
        await fut

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:10], self._pending[10:]
            self._in_call += 1
            try:
                resp = await self._sqs.delete_message_batch(
                    QueueUrl=self._queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": r} for i, (r, _) in enumerate(batch)],
                )
                failed = {int(f["Id"]) for f in resp.get("Failed", [])}
            except Exception:
                self._log.exception("consumer.delete_failed")
                failed = set(range(len(batch)))
            finally:
                self._in_call -= 1
                self._progress.set()
            if failed:
                metric("DeleteFailures", len(failed))
            # A failed delete only means a redelivery, which handlers absorb.
            for _, fut in batch:
                if not fut.done():
                    fut.set_result(None)
