"""The embedded SQS's long poll, made to behave as SQS's does.

moto's `ReceiveMessage` decides once, when the poll starts, which FIFO groups are busy (have
a message in flight), and then waits for "any visible message". A visible message of a busy
group is not deliverable, yet it ends every wait at once: the poll spins on the interpreter
lock until its timeout, and when the consumer deletes the busy group's head meanwhile, the
poll still never hands out the follower. A consumer that long-polls while it works thus
burns the embedded AWS's CPU and sees followers seconds late, so Parley's consumers used to
short-poll instead: a receive call for every bit of progress (a quarter of all calls).

Here a poll re-reads which groups are busy on every look, sleeps until something changes
(a message added, deleted or made visible again, or a short tick for timers running out),
and answers as soon as something is deliverable, as SQS's long poll does. Retention is read
once per look rather than once per message.

Looking is cheap too. moto asks each message whether it is visible and whether it is delayed
by building two datetimes, and counts a queue's messages three times over for every message
sent to it (the count is part of the queue's attributes, which a send reads). The timer
queue holds every session's end timer for up to 15 minutes, so under load each send to it
and each look at it cost milliseconds of CPU, growing as the run went on (measured: with
1,000 timers waiting, a send 16.6 ms, a look that found nothing 9.6 ms). Here a look and a
count read the clock once and compare numbers.
"""

from __future__ import annotations

import time
from copy import deepcopy

from moto.core.utils import unix_time
from moto.sqs.models import Message, Queue, SQSBackend, _filter_message_attributes

# Visibility timeouts and delays run out without a notification: look again this often.
TICK_S = 0.1


def _now_ms() -> float:
    """moto's `unix_time_millis()` (a naive UTC datetime minus the epoch), without datetimes."""
    return time.time() * 1000.0


def _visible(self: Message) -> bool:
    return _now_ms() > self.visible_at


def _delayed(self: Message) -> bool:
    return _now_ms() < self.delayed_until


def _deliverable(self: Queue) -> list[Message]:
    """Visible and not delayed (moto's `Queue.messages`), the clock read once."""
    now = _now_ms()
    return [m for m in self._messages if now > m.visible_at and now >= m.delayed_until]


def _count_delayed(self: Queue) -> int:
    now = _now_ms()
    return sum(1 for m in self._messages if now < m.delayed_until)


def _count_not_visible(self: Queue) -> int:
    now = _now_ms()
    return sum(1 for m in self._messages if now <= m.visible_at)


def _count_deliverable(self: Queue) -> int:
    return len(_deliverable(self))


def _take(
    queue: Queue, count: int, visibility_timeout: int, attribute_names: list[str]
) -> list[Message]:
    """One look: up to `count` deliverable messages, in order, marked received."""
    visible = queue.messages
    for message in visible:
        if message in queue.pending_messages:  # its receiver's visibility timeout ran out
            queue.pending_messages.remove(message)
    busy = queue.pending_message_groups if queue.fifo_queue else set()
    retention_s = int(getattr(queue, "message_retention_period", 0) or 0)
    policy = queue.redrive_policy or {}
    max_receives = int(policy["maxReceiveCount"]) if "maxReceiveCount" in policy else None
    now = unix_time()
    taken: list[Message] = []
    dead: list[Message] = []
    for message in visible:
        if message.group_id is not None and message.group_id in busy:
            continue
        if retention_s and (message.sent_timestamp or 0) / 1000 + retention_s <= now:
            continue
        redrive = queue.dead_letter_queue is not None and max_receives is not None
        if redrive and message.approximate_receive_count >= (max_receives or 0):
            dead.append(message)
            continue
        queue.pending_messages.add(message)
        message.mark_received(visibility_timeout=visibility_timeout)
        copy = deepcopy(message)
        _filter_message_attributes(copy, attribute_names)
        taken.append(copy)
        if len(taken) >= count:
            break
    for message in dead:
        queue._messages.remove(message)
        queue.dead_letter_queue.add_message(message)  # type: ignore[union-attr]
    return taken


def receive_message(
    self: SQSBackend,
    queue_name: str,
    count: int,
    wait_seconds_timeout: int,
    visibility_timeout: int,
    message_attribute_names: list[str] | None = None,
) -> list[Message]:
    queue = self.get_queue(queue_name)
    deadline = time.monotonic() + wait_seconds_timeout
    while True:
        taken = _take(queue, count, visibility_timeout, message_attribute_names or [])
        left = deadline - time.monotonic()
        if taken or left <= 0:
            return taken
        with queue._messages_lock:
            queue._messages_lock.wait(min(TICK_S, left))


def _wake(queue: Queue) -> None:
    with queue._messages_lock:
        queue._messages_lock.notify_all()


def install() -> None:
    delete = Queue.delete_message
    change = SQSBackend.change_message_visibility

    def delete_message(self: Queue, receipt_handle: str) -> None:
        delete(self, receipt_handle)
        _wake(self)  # the group may be free now

    def change_message_visibility(
        self: SQSBackend, queue_name: str, receipt_handle: str, visibility_timeout: int
    ) -> None:
        change(self, queue_name, receipt_handle, visibility_timeout)
        _wake(self.get_queue(queue_name))

    Message.visible = property(_visible)  # type: ignore[assignment,method-assign]
    Message.delayed = property(_delayed)  # type: ignore[assignment,method-assign]
    Queue.messages = property(_deliverable)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages = property(_count_deliverable)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages_delayed = property(_count_delayed)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages_not_visible = property(_count_not_visible)  # type: ignore[assignment,method-assign]
    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
    Queue.delete_message = delete_message  # type: ignore[method-assign]
    SQSBackend.change_message_visibility = change_message_visibility  # type: ignore[method-assign]
