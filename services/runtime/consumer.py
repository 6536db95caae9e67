"""The consumer loop: long-poll an SQS queue and hand typed events to handlers.

- Messages of one group run one at a time, in arrival order; groups run concurrently up to
  `concurrency` messages in flight. A standard queue has no groups: every message is its own.
- Success deletes the message (batched). A handler error leaves it for redelivery after a short
  backoff; after the queue's maxReceiveCount SQS moves it to the DLQ. Later messages of a
  failed group are released too, so order holds.
- A message that can never be handled (not JSON, unknown type, bad payload) is parked in the
  DLQ at once with its reason, and deleted from the inbox.
- Long handlers keep their message invisible with a heartbeat.
- While work is in flight the loop short-polls: a long poll started while one of our own groups
  is in flight can only return that group's next message once we delete, and on the embedded
  AWS such a poll even starves the delete until it times out.
- `stop` ends polling; in-flight work drains for up to `shutdown_timeout_s`, then whatever is
  left is cancelled and its messages made visible again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.runtime.deletes import DeleteBatcher
from services.runtime.logs import emf, get_logger, log_with_metrics
from services.wire.events import REGISTRY, Event, InvalidMessage, Registry

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient


@dataclass(frozen=True)
class Delivery:
    """What the handler may want to know about the message carrying its event."""

    message_id: str
    group: str
    receive_count: int
    sent_at_ms: int


Handler = Callable[[Any, Delivery], Awaitable[None]]


@dataclass
class ConsumerOptions:
    fifo: bool = True
    wait_s: int = 10
    concurrency: int = 16
    visibility_timeout_s: int = 30
    shutdown_timeout_s: float = 20.0
    # Delay before a failed message is retried: base * 2**(receives-1), capped.
    retry_base_s: float = 1.0
    retry_cap_s: float = 20.0


class Consumer:
    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        handlers: Mapping[str, Handler],
        *,
        dlq_url: str | None = None,
        options: ConsumerOptions | None = None,
        registry: Registry = REGISTRY,
        name: str = "inbox",
    ) -> None:
        self._sqs = sqs
        self.queue_url = queue_url
        self._dlq_url = dlq_url
        self._handlers = dict(handlers)
        self._opts = options or ConsumerOptions()
        self._registry = registry
        self._log = get_logger(queue=name)
        self._stopping = asyncio.Event()
        self._room = asyncio.Semaphore(self._opts.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._pending: dict[str, int] = {}
        # group → the last receive number when one of its messages failed: messages received
        # up to then queue behind the failure and are released; later receipts run normally.
        self._failed_groups: dict[str, int] = {}
        self._received = 0
        self._progress = asyncio.Event()
        self._deletes = DeleteBatcher(sqs, queue_url, self._log, self._progress)
        self.handled = 0
        self.failed = 0
        self.parked = 0

    def stop(self) -> None:
        self._stopping.set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Poll until `stop` (or `self.stop()`), then drain and return."""
        watcher = asyncio.create_task(self._watch(stop)) if stop else None
        self._deletes.start()
        self._log.info("consumer.started", wait_s=self._opts.wait_s)
        try:
            while not self._stopping.is_set():
                await self._poll_once()
        finally:
            await self._drain()
            await self._deletes.close()
            if watcher:
                watcher.cancel()
            self._log.info("consumer.stopped", handled=self.handled, failed=self.failed)

    async def _watch(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.stop()

    async def _poll_once(self) -> None:
        # Wait for room before polling so received messages never sit waiting in memory.
        await self._room.acquire()
        free = 1
        while free < 10 and not self._room.locked():
            await self._room.acquire()
            free += 1
        busy = bool(self._tasks) or self._deletes.busy
        try:
            messages = await self._receive(free, 0 if busy else self._opts.wait_s)
        except asyncio.CancelledError:
            raise
        except Exception:
            self._log.exception("consumer.receive_failed")
            messages = []
            await self._sleep_unless_stopping(1.0)
        if busy and not messages:
            # Poll again as soon as something finishes (or shortly, whatever comes first).
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), 0.05)
        for _ in range(free - len(messages)):
            self._room.release()
        for msg in messages:
            self._start(msg)

    async def _receive(self, max_messages: int, wait_s: int) -> list[dict[str, Any]]:
        poll = asyncio.ensure_future(
            self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=max_messages,
                WaitTimeSeconds=wait_s,
                VisibilityTimeout=self._opts.visibility_timeout_s,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        )
        stopper = asyncio.ensure_future(self._stopping.wait())
        done, _ = await asyncio.wait({poll, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if poll not in done:
            # Stopping mid-poll. Abandoning the request would not stop the server side: the poll
            # would still take messages and hide them for a visibility timeout. So let it
            # finish (it is bounded by its wait) and hand back whatever it took at once.
            try:
                resp = await asyncio.wait_for(poll, wait_s + 5)
            except Exception:
                return []
            for msg in resp.get("Messages", []):
                await self._set_visibility(msg["ReceiptHandle"], 0)
            return []
        return [dict(m) for m in poll.result().get("Messages", [])]

    def _start(self, msg: dict[str, Any]) -> None:
        attrs = msg.get("Attributes", {})
        group = attrs.get("MessageGroupId") if self._opts.fifo else None
        group = group or msg["MessageId"]
        self._pending[group] = self._pending.get(group, 0) + 1
        lock = self._locks.setdefault(group, asyncio.Lock())
        self._received += 1
        task = asyncio.create_task(self._process(msg, group, lock, self._received))
        self._tasks.add(task)
        task.add_done_callback(self._finished(group))

    def _finished(self, group: str) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._room.release()
            self._pending[group] -= 1
            if self._pending[group] == 0:
                del self._pending[group]
                self._locks.pop(group, None)
                self._failed_groups.pop(group, None)

        return done

    async def _process(self, msg: dict[str, Any], group: str, lock: asyncio.Lock, seq: int) -> None:
        attrs = msg.get("Attributes", {})
        delivery = Delivery(
            message_id=msg["MessageId"],
            group=group,
            receive_count=int(attrs.get("ApproximateReceiveCount", "1")),
            sent_at_ms=int(attrs.get("SentTimestamp", "0")),
        )
        receipt = msg["ReceiptHandle"]
        async with lock:
            if seq <= self._failed_groups.get(group, 0):
                await self._set_visibility(receipt, 0)
                return
            try:
                event = self._registry.parse(msg["Body"])
            except InvalidMessage as exc:
                await self._park(msg, group, exc)
                return
            log = self._log.bind(
                event_type=event.TYPE, event_id=event.id, group=group, message_id=msg["MessageId"]
            )
            handler = self._handlers.get(event.TYPE)
            if handler is None:
                log.warning("consumer.no_handler")
                await self._delete(receipt)
                return
            await self._run_handler(handler, event, delivery, receipt, log)

    async def _run_handler(
        self, handler: Handler, event: Event, delivery: Delivery, receipt: str, log: Any
    ) -> None:
        heartbeat = asyncio.create_task(self._keep_invisible(receipt))
        started = time.monotonic()
        try:
            await handler(event, delivery)
        except asyncio.CancelledError:
            # Shutdown ran out of time: let another consumer have it straight away.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._set_visibility(receipt, 0))
            raise
        except Exception as exc:
            self.failed += 1
            self._failed_groups[delivery.group] = self._received
            delay = min(
                self._opts.retry_cap_s,
                self._opts.retry_base_s * 2 ** (delivery.receive_count - 1),
            )
            log.exception(
                "consumer.handler_failed",
                receive_count=delivery.receive_count,
                retry_in_s=delay,
                error=type(exc).__name__,
                **emf({"HandlerErrors": (1, "Count")}),
            )
            await self._set_visibility(receipt, int(delay))
            return
        finally:
            heartbeat.cancel()
        await self._delete(receipt)
        self.handled += 1
        age_s = max(0.0, time.time() - delivery.sent_at_ms / 1000) if delivery.sent_at_ms else 0.0
        log_with_metrics(
            log,
            "consumer.handled",
            {
                "MessagesHandled": (1, "Count"),
                "HandlerSeconds": (round(time.monotonic() - started, 4), "Seconds"),
                "InboxAgeSeconds": (round(age_s, 3), "Seconds"),
            },
            receive_count=delivery.receive_count,
        )

    async def _keep_invisible(self, receipt: str) -> None:
        period = max(1.0, self._opts.visibility_timeout_s / 2)
        while True:
            await asyncio.sleep(period)
            await self._set_visibility(receipt, self._opts.visibility_timeout_s)

    async def _park(self, msg: dict[str, Any], group: str, exc: InvalidMessage) -> None:
        self.parked += 1
        self._log.error(
            "consumer.invalid_message",
            reason=exc.reason,
            detail=exc.detail,
            message_id=msg["MessageId"],
            **emf({"InvalidMessages": (1, "Count")}),
        )
        if self._dlq_url:
            kwargs: dict[str, Any] = {
                "QueueUrl": self._dlq_url,
                "MessageBody": msg["Body"],
                "MessageAttributes": {
                    "rejectReason": {"DataType": "String", "StringValue": exc.reason},
                },
            }
            if self._opts.fifo:
                kwargs |= {"MessageGroupId": group, "MessageDeduplicationId": msg["MessageId"]}
            try:
                await self._sqs.send_message(**kwargs)
            except Exception:
                self._log.exception("consumer.park_failed", message_id=msg["MessageId"])
                return  # left in the inbox: maxReceiveCount moves it to the DLQ anyway
        await self._delete(msg["ReceiptHandle"])

    async def _set_visibility(self, receipt: str, seconds: int) -> None:
        try:
            await self._sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt, VisibilityTimeout=seconds
            )
        except Exception:
            self._log.warning("consumer.visibility_failed", exc_info=True)

    async def _delete(self, receipt: str) -> None:
        await self._deletes.delete(receipt)

    async def _drain(self) -> None:
        if not self._tasks:
            return
        self._log.info("consumer.draining", in_flight=len(self._tasks))
        _, pending = await asyncio.wait(set(self._tasks), timeout=self._opts.shutdown_timeout_s)
        for task in pending:
            task.cancel()
        if pending:
            self._log.warning("consumer.drain_timeout", cancelled=len(pending))
            await asyncio.wait(pending, timeout=5)

    async def _sleep_unless_stopping(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
