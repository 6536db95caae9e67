"""The consumer loop against real SQS FIFO queues on the embedded AWS."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from services.runtime.aws import Aws
from services.runtime.bus import idempotency, inbox_consumer, publisher
from services.runtime.consumer import Delivery
from services.wire.events.gateway import TicketRequested
from services.wire.names import Service
from tests.integration.bus.helpers import drain, eventually, queue_depth


async def _run(consumer: Any) -> asyncio.Task[None]:
    return asyncio.create_task(consumer.run())


async def _stop(consumer: Any, task: asyncio.Task[None]) -> None:
    consumer.stop()
    await asyncio.wait_for(task, 20)


async def test_handler_that_keeps_failing_is_parked_in_the_dlq_and_consumer_keeps_going(
    aws: Aws,
) -> None:
    seen: list[str] = []
    attempts = 0

    async def handle(event: TicketRequested, delivery: Delivery) -> None:
        nonlocal attempts
        if event.ticket_id == "poison":
            attempts += 1
            raise RuntimeError("cannot handle this one")
        seen.append(event.ticket_id)

    consumer = await inbox_consumer(
        aws, Service.LEDGER, {"ticket.requested": handle}, retry_base_s=0.0, retry_attempts=3
    )
    task = await _run(consumer)
    pub = publisher(aws, Service.GATEWAY)
    await pub.publish(TicketRequested(ticket_id="poison", user_id="p1"))
    await pub.publish(TicketRequested(ticket_id="fine-1", user_id="p2"))

    queue = aws.topology.inbox(Service.LEDGER)
    dlq_url = await aws.queue_url(queue.dlq)

    async def in_dlq() -> bool:
        attrs = await aws.sqs.get_queue_attributes(
            QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return attrs["Attributes"]["ApproximateNumberOfMessages"] == "1"

    await eventually(in_dlq, 30)
    # Still alive after the poison message: a later one is handled.
    await pub.publish(TicketRequested(ticket_id="fine-2", user_id="p3"))
    await eventually(lambda: "fine-2" in seen)
    await _stop(consumer, task)

    assert attempts == 3  # the consumer's own budget, not the queue's maxReceiveCount
    assert sorted(seen) == ["fine-1", "fine-2"]
    dead = await drain(aws, queue.dlq)
    assert json.loads(dead[0]["Body"])["payload"]["ticketId"] == "poison"
    assert dead[0]["MessageAttributes"]["rejectReason"]["StringValue"] == "handler_failed"


async def test_invalid_message_is_parked_in_dlq_with_its_reason_not_a_crash(aws: Aws) -> None:
    handled: list[str] = []

    async def handle(event: TicketRequested, delivery: Delivery) -> None:
        handled.append(event.ticket_id)

    queue = aws.topology.inbox(Service.LEDGER)
    url = await aws.queue_url(queue.name)
    consumer = await inbox_consumer(aws, Service.LEDGER, {"ticket.requested": handle})
    task = await _run(consumer)
    bad_bodies = [
        "not json at all",
        json.dumps(
            {
                "type": "ticket.requested",
                "id": "x",
                "occurredAt": "2026-01-01T00:00:00Z",
                "payload": {"ticketId": "t", "userId": 42},
            }
        ),
        json.dumps({"type": "no.such.type", "id": "y", "payload": {}}),
    ]
    for i, body in enumerate(bad_bodies):
        await aws.sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageGroupId="g", MessageDeduplicationId=f"bad{i}"
        )
    await publisher(aws, Service.GATEWAY).publish(TicketRequested(ticket_id="good", user_id="u"))
    await eventually(lambda: handled == ["good"] and consumer.parked == 3)
    await _stop(consumer, task)

    dead = await drain(aws, queue.dlq)
    reasons = sorted(m["MessageAttributes"]["rejectReason"]["StringValue"] for m in dead)
    assert reasons == ["invalid_payload", "not_json", "unknown_type"]
    assert await drain(aws, queue.name, rounds=1) == []


async def test_duplicate_delivery_has_one_effect_through_idempotency(aws: Aws) -> None:
    effects: list[str] = []
    idem = idempotency(aws, Service.LEDGER)
    table = aws.table("ledger-summaries")

    async def handle(event: TicketRequested, delivery: Delivery) -> None:
        applied = await idem.transact(
            event.id,
            [
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"userId": {"S": event.user_id}, "day": {"S": "2026-11-22"}},
                        "UpdateExpression": "ADD held :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                }
            ],
        )
        if applied:
            effects.append(event.id)

    consumer = await inbox_consumer(aws, Service.LEDGER, {"ticket.requested": handle})
    task = await _run(consumer)
    event = TicketRequested(ticket_id="t1", user_id="dup")
    url = await aws.queue_url(aws.topology.inbox(Service.LEDGER).name)
    # The same event twice with different dedup ids: the queue cannot catch it, the handler must.
    for dedup in ("a", "b"):
        await aws.sqs.send_message(
            QueueUrl=url,
            MessageBody=event.to_wire(),
            MessageGroupId=event.group(),
            MessageDeduplicationId=dedup,
        )
    await eventually(lambda: consumer.handled == 2)
    await _stop(consumer, task)

    item = await aws.dynamodb.get_item(
        TableName=table, Key={"userId": {"S": "dup"}, "day": {"S": "2026-11-22"}}
    )
    assert item["Item"]["held"]["N"] == "1"
    assert effects == [event.id]


async def test_messages_of_one_group_run_in_order_while_groups_run_concurrently(aws: Aws) -> None:
    order: dict[str, list[int]] = {"a": [], "b": []}
    running = 0
    peak = 0

    async def handle(event: TicketRequested, delivery: Delivery) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        order[event.user_id].append(int(event.ticket_id))
        running -= 1

    pub = publisher(aws, Service.GATEWAY)
    events = [TicketRequested(ticket_id=str(i), user_id=u) for i in range(6) for u in ("a", "b")]
    await pub.publish_many(events)
    consumer = await inbox_consumer(aws, Service.LEDGER, {"ticket.requested": handle})
    task = await _run(consumer)
    await eventually(lambda: len(order["a"]) + len(order["b"]) == 12)
    await _stop(consumer, task)

    assert order == {"a": list(range(6)), "b": list(range(6))}
    assert peak == 2  # one per group, both groups at once


async def test_long_handler_keeps_its_message_invisible(aws: Aws) -> None:
    calls = 0

    async def slow(event: TicketRequested, delivery: Delivery) -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(3.5)

    # Visibility 2 s: without the heartbeat the message would come back mid-handler.
    consumer = await inbox_consumer(
        aws, Service.LEDGER, {"ticket.requested": slow}, visibility_timeout_s=2
    )
    task = await _run(consumer)
    await publisher(aws, Service.GATEWAY).publish(TicketRequested(ticket_id="slow", user_id="u"))
    await eventually(lambda: consumer.handled == 1, 20)
    await _stop(consumer, task)
    assert calls == 1


@pytest.mark.parametrize("n", [3])
async def test_stop_drains_in_flight_work_before_returning(aws: Aws, n: int) -> None:
    started = asyncio.Event()
    finished: list[str] = []

    async def slow(event: TicketRequested, delivery: Delivery) -> None:
        started.set()
        await asyncio.sleep(1.0)
        finished.append(event.ticket_id)

    await publisher(aws, Service.GATEWAY).publish_many(
        [TicketRequested(ticket_id=f"t{i}", user_id=f"u{i}") for i in range(n)]
    )
    consumer = await inbox_consumer(aws, Service.LEDGER, {"ticket.requested": slow})
    task = await _run(consumer)
    await asyncio.wait_for(started.wait(), 15)
    await _stop(consumer, task)
    assert sorted(finished) == sorted(f"t{i}" for i in range(consumer.handled))
    assert consumer.handled >= 1
    # What was handled was deleted: nothing comes back.
    assert await queue_depth(aws, aws.topology.inbox(Service.LEDGER).name) == n - consumer.handled


async def test_shutdown_is_bounded_and_unfinished_work_is_released_at_once(aws: Aws) -> None:
    started = asyncio.Event()

    async def stuck(event: TicketRequested, delivery: Delivery) -> None:
        started.set()
        await asyncio.sleep(3600)

    await publisher(aws, Service.GATEWAY).publish(TicketRequested(ticket_id="stuck", user_id="u"))
    consumer = await inbox_consumer(
        aws, Service.LEDGER, {"ticket.requested": stuck}, shutdown_timeout_s=1.0
    )
    task = await _run(consumer)
    await asyncio.wait_for(started.wait(), 15)
    t0 = asyncio.get_running_loop().time()
    await _stop(consumer, task)
    assert asyncio.get_running_loop().time() - t0 < 5

    # Released, not left invisible for the visibility timeout: it is there to take right away.
    url = await aws.queue_url(aws.topology.inbox(Service.LEDGER).name)
    resp = await aws.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    assert [json.loads(m["Body"])["payload"]["ticketId"] for m in resp.get("Messages", [])] == [
        "stuck"
    ]


async def test_a_failure_holds_back_the_rest_of_its_group_so_order_survives_retries(
    aws: Aws,
) -> None:
    handled: list[str] = []
    failures = 0

    async def flaky_first(event: TicketRequested, delivery: Delivery) -> None:
        nonlocal failures
        if event.ticket_id == "1" and failures < 2:
            failures += 1
            raise RuntimeError("transient")
        handled.append(event.ticket_id)

    await publisher(aws, Service.GATEWAY).publish_many(
        [TicketRequested(ticket_id=str(i), user_id="same") for i in range(1, 5)]
    )
    consumer = await inbox_consumer(
        aws, Service.LEDGER, {"ticket.requested": flaky_first}, retry_base_s=0.0
    )
    task = await _run(consumer)
    await eventually(lambda: len(handled) == 4, 30)
    await _stop(consumer, task)
    assert failures == 2
    assert handled == ["1", "2", "3", "4"]
