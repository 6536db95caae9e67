"""The consumer loop: long-poll an SQS queue and hand typed events to handlers.

- Messages of one group run one at a time, in arrival order; groups run concurrently, up to
  `concurrency` handlers at once. A standard queue has no groups: every message is its own.
  Success deletes the message (batched).
- **A failure holds back its group but charges only the failing message.** The head is
  retried *in process*, with the consumer's own attempt count per message id, while it and
  the followers received with it stay in flight (a heartbeat keeps every held message
  invisible). SQS returns nothing more of a FIFO group while one of its messages is in
  flight, so the followers are received once, not again and again while the head fails.
  Transient errors (throttling, 5xx, timeouts, dropped connections) back off to minutes;
  others get a few quick attempts (services/runtime/retry.py). Then the head is parked in
  the DLQ with its reason (`rejectReason=handler_failed`, `error`, `attempts`) and the
  followers go on. A group backing off does not count against `concurrency`, so it is
  never a lane the others queue behind; `max_held` bounds what sits in memory.
- **A message that keeps killing its process is parked by the consumer's own count.** SQS
  counts a receive for every message it returns, so a head that crash-loops its process
  would take the followers received with it to the DLQ at `maxReceiveCount`. A message that
  comes back unfinished (`ApproximateReceiveCount` > 1) is a suspect: it runs alone, each
  such start is counted in the service's processed-events table, and after `CRASH_STARTS`
  of them it is parked (`rejectReason=crashed_consumer`) instead of started again
  (services/runtime/suspects.py). The queue's `maxReceiveCount` stays a backstop only.
- A message that can never be handled (not JSON, unknown type, bad payload) is parked in the
  DLQ at once with its reason.
- The loop always long-polls, also while work is in flight: SQS answers a long poll as soon as
  a message is deliverable, a follower included once its group's head is deleted (the
  embedded AWS does the same, services/devstack/moto_sqs.py). One receive per arrival instead
  of one per bit of progress.
- `stop` ends polling; work not yet started and heads backing off are released at once;
  running handlers drain for up to `shutdown_timeout_s`, then are cancelled and released.
  A message released unfinished takes the followers held here with it, so order holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from services.runtime.consumer_options import ConsumerOptions, Delivery, Handler
from services.runtime.deletes import DeleteBatcher
from services.runtime.duplicates import twice
from services.runtime.groups import Groups
from services.runtime.logs import emf, get_logger, log_with_metrics
from services.runtime.parking import DETAIL_MAX, send_to_dlq
from services.runtime.receiving import receive_or_release
from services.runtime.suspects import StartLog, is_suspect
from services.runtime.visibility import Visibility
from services.wire.events import REGISTRY, Event, InvalidMessage, Registry
from services.wire.topology import CRASH_STARTS

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

__all__ = ["Consumer", "ConsumerOptions", "Delivery", "Handler"]


_SHORT_POLL_PAUSE_S = 0.2


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
        starts: StartLog | None = None,
        crash_starts: int = CRASH_STARTS,
    ) -> None:
        self._sqs = sqs
        self.queue_url = queue_url
        self._dlq_url = dlq_url
        self._opts = options or ConsumerOptions()
        self._log = get_logger(queue=name)
        self._handlers = dict(handlers)
        if self._opts.duplicate_delivery:
            self._handlers = {t: twice(h, self._log) for t, h in handlers.items()}
        self._policy = self._opts.policy()
        self._registry = registry
        self._stopping = asyncio.Event()
        self._running = asyncio.Semaphore(int(self._opts.concurrency))
        # A suspect takes every slot, one suspect at a time: it runs with nothing beside it.
        self._alone = asyncio.Lock()
        self._starts = starts
        self._crash_starts = crash_starts
        self._tasks: set[asyncio.Task[None]] = set()
        concurrency = int(self._opts.concurrency)
        self._groups = Groups(concurrency, int(self._opts.max_held) or 4 * concurrency)
        # message id → attempts made here; dropped when the message is deleted or parked.
        self._attempts: dict[str, int] = {}
        self._progress = asyncio.Event()
        self._deletes = DeleteBatcher(sqs, queue_url, self._log, self._progress)
        timeout = int(self._opts.visibility_timeout_s)
        self._visibility = Visibility(sqs, queue_url, timeout, self._log)
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
            self._log.info(
                "consumer.stopped", handled=self.handled, failed=self.failed, parked=self.parked
            )

    async def _watch(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.stop()

    async def _poll_once(self) -> None:
        # Wait for room before polling so received messages never sit waiting in memory.
        free = self._groups.room()
        while free == 0:
            self._progress.clear()
            free = self._groups.room()
            if free or self._stopping.is_set():
                break
            await self._wait_progress(1.0)
            free = self._groups.room()
        if free == 0:
            return
        try:
            # A long poll even while work is in flight: it answers as soon as anything is
            # deliverable, a follower included once its group's head is deleted.
            messages = await self._receive(free, self._opts.wait_s)
        except asyncio.CancelledError:
            raise
        except Exception:
            self._log.exception("consumer.receive_failed")
            messages = []
            await self._sleep_unless_stopping(1.0)
        for msg in messages:
            self._start(msg)
        if not messages and self._opts.wait_s == 0:
            # Short polls only (a setting): pause until progress so the poll does not spin.
            self._progress.clear()
            await self._wait_progress(_SHORT_POLL_PAUSE_S)

    async def _wait_progress(self, timeout_s: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout_s)
            return True
        return False

    async def _receive(self, max_messages: int, wait_s: int) -> list[dict[str, Any]]:
        return await receive_or_release(
            self._sqs,
            self.queue_url,
            max_messages=max_messages,
            wait_s=wait_s,
            visibility_timeout_s=self._opts.visibility_timeout_s,
            stopping=self._stopping,
        )

    def _start(self, msg: dict[str, Any]) -> None:
        attrs = msg.get("Attributes", {})
        group = attrs.get("MessageGroupId") if self._opts.fifo else None
        group = group or msg["MessageId"]
        lock, seq = self._groups.take(group)
        task = asyncio.create_task(self._process(msg, group, lock, seq))
        self._tasks.add(task)
        task.add_done_callback(self._finished(group))

    def _finished(self, group: str) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._groups.done(group)
            self._progress.set()

        return done

    async def _process(self, msg: dict[str, Any], group: str, lock: asyncio.Lock, seq: int) -> None:
        receipt = msg["ReceiptHandle"]
        # Every held message stays invisible, followers queued behind their head included:
        # one that reappeared would be received a second time and charged for it.
        heartbeat = asyncio.create_task(self._visibility.keep(receipt))
        try:
            async with lock:
                if self._groups.must_release(group, seq) or self._stopping.is_set():
                    await self._release(group, receipt)
                    return
                await self._dispatch(msg, group, receipt)
        except asyncio.CancelledError:
            # Shutdown ran out of time: let another consumer have it straight away.
            self._groups.release(group)
            with contextlib.suppress(Exception):
                await asyncio.shield(self._visibility.set(receipt, 0))
            raise
        finally:
            heartbeat.cancel()

    async def _dispatch(self, msg: dict[str, Any], group: str, receipt: str) -> None:
        try:
            event = self._registry.parse(msg["Body"])
        except InvalidMessage as exc:
            self._log.error(
                "consumer.invalid_message",
                reason=exc.reason,
                detail=exc.detail,
                message_id=msg["MessageId"],
                **emf({"InvalidMessages": (1, "Count")}),
            )
            await self._park(msg, group, exc.reason)
            return
        log = self._log.bind(
            event_type=event.TYPE, event_id=event.id, group=group, message_id=msg["MessageId"]
        )
        handler = self._handlers.get(event.TYPE)
        if handler is None:
            log.warning("consumer.no_handler")
            await self._delete(receipt)
            return
        attrs = msg.get("Attributes", {})
        delivery = Delivery(
            message_id=msg["MessageId"],
            group=group,
            receive_count=int(attrs.get("ApproximateReceiveCount", "1")),
            sent_at_ms=int(attrs.get("SentTimestamp", "0")),
        )
        await self._handle(handler, event, delivery, msg, log)

    async def _start_count(self, delivery: Delivery, log: Any) -> int:
        """Count one more start of a message that came back (0 if it cannot be counted)."""
        if self._starts is None:
            return 0
        try:
            return await self._starts.started(delivery.message_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Not counted, still run: SQS's maxReceiveCount remains the backstop.
            log.warning("consumer.starts_unrecorded", exc_info=True)
            return 0

    @contextlib.asynccontextmanager
    async def _slot(self, alone: bool) -> AsyncIterator[None]:
        """Room to run a handler; `alone`: wait until nothing else runs, and let nothing start
        meanwhile, so that if the process dies, only this message is to blame."""
        if not alone:
            async with self._running:
                yield
            return
        async with self._alone:
            taken = 0
            try:
                for _ in range(int(self._opts.concurrency)):
                    await self._running.acquire()
                    taken += 1
                yield
            finally:
                for _ in range(taken):
                    self._running.release()

    async def _handle(
        self, handler: Handler, event: Event, delivery: Delivery, msg: dict[str, Any], log: Any
    ) -> None:
        """Try until the handler succeeds or its attempts are spent; the group waits meanwhile."""
        mid, receipt = delivery.message_id, msg["ReceiptHandle"]
        suspect = is_suspect(delivery.receive_count)
        while True:
            attempt = self._attempts.get(mid, 0) + 1
            self._attempts[mid] = attempt
            started = time.monotonic()
            starts = 0
            try:
                async with self._slot(alone=suspect):
                    # Counted once it is sure to start, alone: a death now is its own doing.
                    if suspect and attempt == 1:
                        starts = await self._start_count(delivery, log)
                    if starts <= self._crash_starts:
                        await handler(event, replace(delivery, attempt=attempt))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failed += 1
                transient = self._opts.transient(exc)
                delay = self._policy.delay(attempt, transient)
                error = f"{type(exc).__name__}: {exc}"[:DETAIL_MAX]
                log.warning(
                    "consumer.handler_failed",
                    attempt=attempt,
                    transient=transient,
                    retry_in_s=None if delay is None else round(delay, 2),
                    error=error,
                    receive_count=delivery.receive_count,
                    exc_info=attempt == 1 or delay is None,
                    **emf({"HandlerErrors": (1, "Count")}),
                )
                if delay is None:
                    await self._park(msg, delivery.group, "handler_failed", error, attempt)
                    return
                if not await self._back_off(delivery.group, delay):
                    await self._release(delivery.group, receipt)
                    return
                continue
            break
        if starts > self._crash_starts:
            # Its first run (not counted) and every counted start since ended in a death.
            error = f"started {starts} times, each time its consumer died before it finished"
            await self._park(msg, delivery.group, "crashed_consumer", error, starts)
            return
        self._attempts.pop(mid, None)
        await self._delete(receipt)
        self.handled += 1
        sent = delivery.sent_at_ms
        age_s = max(0.0, time.time() - sent / 1000) if sent else 0.0
        log_with_metrics(
            log,
            "consumer.handled",
            {
                "MessagesHandled": (1, "Count"),
                "HandlerSeconds": (round(time.monotonic() - started, 4), "Seconds"),
                "InboxAgeSeconds": (round(age_s, 3), "Seconds"),
            },
            receive_count=delivery.receive_count,
            attempt=attempt,
        )

    async def _back_off(self, group: str, delay: float) -> bool:
        """Wait before the next attempt; False if the consumer is stopping meanwhile."""
        self._groups.stall(group)
        self._progress.set()  # room for other groups to be received
        try:
            return not await self._sleep_unless_stopping(delay)
        finally:
            self._groups.resume(group)

    async def _park(
        self, msg: dict[str, Any], group: str, reason: str, error: str = "", attempts: int = 0
    ) -> None:
        """Move a message to the DLQ with why, then delete it from the inbox."""
        self.parked += 1
        mid = msg["MessageId"]
        self._log.error(
            "consumer.parked",
            reason=reason,
            error=error or None,
            attempts=attempts or None,
            message_id=mid,
            group=group,
            **emf({"MessagesParked": (1, "Count")}),
        )
        if self._dlq_url:
            try:
                dlq, fifo = self._dlq_url, self._opts.fifo
                await send_to_dlq(self._sqs, dlq, msg, group, fifo, reason, error, attempts)
            except Exception:
                # Left in the inbox (and its group with it): the next receive tries again,
                # and maxReceiveCount moves it to the DLQ if this never succeeds.
                self._log.exception("consumer.park_failed", message_id=mid)
                await self._release(group, msg["ReceiptHandle"], self._opts.visibility_timeout_s)
                return
        self._attempts.pop(mid, None)
        await self._delete(msg["ReceiptHandle"])

    async def _release(self, group: str, receipt: str, after_s: int = 0) -> None:
        """Give a message back unfinished; the followers held here go back with it."""
        self._groups.release(group)
        await self._visibility.set(receipt, after_s)

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

    async def _sleep_unless_stopping(self, seconds: float) -> bool:
        """Sleep; True if the consumer began stopping meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()
