"""A failing message holds back its group but charges only itself (embedded AWS over HTTP).

SQS counts a receive for every message it returns. A consumer that gave the followers of a
failing head back to the queue would get them charged for the head's failures and, after
`maxReceiveCount`, dead-lettered with it. These tests watch the receive counts and the DLQ.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from botocore.exceptions import ClientError

from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer, publisher
from services.runtime.consumer import Consumer, ConsumerOptions, Delivery
from services.wire.events.gateway import TicketRequested
from services.wire.names import Service
from tests.integration.bus.helpers import drain, eventually, queue_depth


def _throttled() -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "TransactWriteItems",
    )


async def _stop(consumer: Consumer, task: asyncio.Task[None]) -> None:
    consumer.stop()
    await asyncio.wait_for(task, 20)


async def test_followers_of_a_head_failing_for_60_s_are_never_dead_lettered(aws: Aws) -> None:
    queue = aws.topology.inbox(Service.LEDGER)
    failing_until = time.monotonic() + 60.0
    handled: list[tuple[str, str, int, int]] = []  # (user, ticket, receive count, attempt)
    head_attempts = 0

    async def handle(event: TicketRequested, delivery: Delivery) -> None:
        nonlocal head_attempts
        if event.ticket_id == "1" and event.user_id == "pool":
            head_attempts += 1
            if time.monotonic() < failing_until:
                raise _throttled()  # e.g. a DynamoDB hiccup on a busy group
        handled.append((event.user_id, event.ticket_id, delivery.receive_count, delivery.attempt))

    await publisher(aws, Service.GATEWAY).publish_many(
        [TicketRequested(ticket_id=str(i), user_id="pool") for i in range(1, 8)]
    )
    # Backoff capped at 4 s and a 2 s visibility timeout, so a minute covers many attempts
    # and dozens of heartbeats; the SQS redrive (maxReceiveCount) would have fired long ago
    # if attempts were receives.
    consumer = await inbox_consumer(
        aws,
        Service.LEDGER,
        {"ticket.requested": handle},
        visibility_timeout_s=2,
        retry_base_s=0.5,
        transient_cap_s=4.0,
        transient_attempts=100,
        retry_jitter=0.0,
        concurrency=1,
    )
    task = asyncio.create_task(consumer.run())
    await eventually(lambda: head_attempts >= 2, 15)
    # Other groups go on meanwhile, even with room for one handler at a time.
    await publisher(aws, Service.GATEWAY).publish(TicketRequested(ticket_id="x", user_id="other"))
    await eventually(lambda: ("other", "x", 1, 1) in handled, 15)
    assert not [h for h in handled if h[0] == "pool"]

    await eventually(lambda: sum(h[0] == "pool" for h in handled) == 7, 90)
    await _stop(consumer, task)

    pool = [h for h in handled if h[0] == "pool"]
    assert [h[1] for h in pool] == [str(i) for i in range(1, 8)]  # order held
    assert head_attempts > queue.max_receive_count
    assert pool[0][3] == head_attempts  # the head's own attempts, all in one receive
    assert {h[2] for h in pool} == {1}  # nobody was received twice
    assert await drain(aws, queue.dlq, rounds=1) == []
    assert await queue_depth(aws, queue.name) == 0


async def test_a_message_failing_every_time_is_parked_with_its_reason_and_followers_go_on(
    aws: Aws,
) -> None:
    queue = aws.topology.inbox(Service.LEDGER)
    handled: list[tuple[str, int]] = []
    attempts: list[int] = []

    async def handle(event: TicketRequested, delivery: Delivery) -> None:
        if event.ticket_id == "poison":
            attempts.append(delivery.attempt)
            raise RuntimeError("cannot handle this one")
        handled.append((event.ticket_id, delivery.receive_count))

    await publisher(aws, Service.GATEWAY).publish_many(
        [TicketRequested(ticket_id=t, user_id="same") for t in ("poison", "f1", "f2", "f3")]
    )
    consumer = await inbox_consumer(
        aws, Service.LEDGER, {"ticket.requested": handle}, retry_base_s=0.05, retry_attempts=4
    )
    task = asyncio.create_task(consumer.run())
    await eventually(lambda: len(handled) == 3, 30)
    await _stop(consumer, task)

    assert attempts == [1, 2, 3, 4]  # its own attempts, no more
    assert handled == [("f1", 1), ("f2", 1), ("f3", 1)]
    dead = await drain(aws, queue.dlq)
    assert len(dead) == 1
    assert json.loads(dead[0]["Body"])["payload"]["ticketId"] == "poison"
    attrs: dict[str, Any] = dead[0]["MessageAttributes"]
    assert attrs["rejectReason"]["StringValue"] == "handler_failed"
    assert attrs["error"]["StringValue"] == "RuntimeError: cannot handle this one"
    assert attrs["attempts"]["StringValue"] == "4"
    assert consumer.parked == 1
    assert await queue_depth(aws, queue.name) == 0


async def test_stop_while_a_head_backs_off_releases_it_and_its_followers_in_order(
    aws: Aws,
) -> None:
    queue = aws.topology.inbox(Service.LEDGER)
    tries = 0

    async def handle(event: TicketRequested, delivery: Delivery) -> None:
        nonlocal tries
        if event.ticket_id == "1":
            tries += 1
            raise _throttled()

    await publisher(aws, Service.GATEWAY).publish_many(
        [TicketRequested(ticket_id=str(i), user_id="same") for i in range(1, 4)]
    )
    consumer = await inbox_consumer(
        aws, Service.LEDGER, {"ticket.requested": handle}, retry_base_s=60.0, retry_jitter=0.0
    )
    task = asyncio.create_task(consumer.run())
    await eventually(lambda: tries == 1, 15)
    t0 = time.monotonic()
    await _stop(consumer, task)
    assert time.monotonic() - t0 < 5  # the backoff does not hold up shutdown
    assert consumer.handled == 0

    # All three are back at once, for the next consumer, head first.
    url = await aws.queue_url(queue.name)
    resp = await aws.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2, VisibilityTimeout=5
    )
    bodies = [json.loads(m["Body"])["payload"]["ticketId"] for m in resp.get("Messages", [])]
    assert bodies == ["1", "2", "3"]


class _CountingSqs:
    """The real SQS client, counting the receives it makes."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.receives = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    async def receive_message(self, **kwargs: Any) -> Any:
        self.receives += 1
        return await self._sqs.receive_message(**kwargs)


async def test_a_head_backing_off_does_not_spin_the_poll(aws: Aws) -> None:
    tries = 0

    async def handle(event: TicketRequested, delivery: Delivery) -> None:
        nonlocal tries
        tries += 1
        if tries < 3:
            raise _throttled()

    queue = aws.topology.inbox(Service.LEDGER)
    counting = _CountingSqs(aws.sqs)
    options = ConsumerOptions(wait_s=1, retry_base_s=3.0, retry_jitter=0.0)
    consumer = Consumer(
        counting,  # type: ignore[arg-type]
        await aws.queue_url(queue.name),
        {"ticket.requested": handle},
        dlq_url=await aws.queue_url(queue.dlq),
        options=options,
    )
    await publisher(aws, Service.GATEWAY).publish(TicketRequested(ticket_id="1", user_id="u"))
    task = asyncio.create_task(consumer.run())
    await eventually(lambda: tries >= 1, 15)
    before, t0 = counting.receives, time.monotonic()
    await eventually(lambda: consumer.handled == 1, 30)  # backs off 3 s, then 6 s
    waited = time.monotonic() - t0
    await _stop(consumer, task)
    polls = counting.receives - before
    # Twenty short polls a second would be ~180 here; long polls of 1 s make about one a second.
    assert waited > 8
    assert polls <= 2 * waited, (polls, waited)
