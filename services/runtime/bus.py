"""Wiring a service to the bus: its publisher, inbox consumer, timers and idempotency table."""

from __future__ import annotations

from collections.abc import Mapping

from services.runtime.aws import Aws
from services.runtime.consumer import Consumer, ConsumerOptions, Handler
from services.runtime.idempotency import Idempotency
from services.runtime.publisher import Publisher, TimerScheduler
from services.runtime.suspects import StartLog
from services.wire.names import Service
from services.wire.topology import Queue


def publisher(aws: Aws, service: Service) -> Publisher:
    return Publisher(aws.sns, aws.topic_arn(service), service)


def idempotency(aws: Aws, service: Service) -> Idempotency:
    return Idempotency(aws.dynamodb, aws.table(f"{service}-processed"))


async def _consumer(
    aws: Aws, queue: Queue, handlers: Mapping[str, Handler], **overrides: float
) -> Consumer:
    s = aws.settings
    options = ConsumerOptions(
        fifo=queue.fifo,
        wait_s=s.poll_wait_s,
        concurrency=s.consumer_concurrency,
        visibility_timeout_s=queue.visibility_timeout_s,
        shutdown_timeout_s=s.shutdown_timeout_s,
        duplicate_delivery=s.duplicate_delivery,
    )
    for key, value in overrides.items():
        setattr(options, key, value)
    return Consumer(
        aws.sqs,
        await aws.queue_url(queue.name),
        handlers,
        dlq_url=await aws.queue_url(queue.dlq),
        options=options,
        name=queue.name,
        # Counts of runs started after a crash, kept with the owner's processed events.
        starts=StartLog(aws.dynamodb, aws.table(f"{queue.owner}-processed")),
    )


async def inbox_consumer(
    aws: Aws, service: Service, handlers: Mapping[str, Handler], **overrides: float
) -> Consumer:
    return await _consumer(aws, aws.topology.inbox(service), handlers, **overrides)


async def timer_consumer(
    aws: Aws, service: Service, handlers: Mapping[str, Handler], **overrides: float
) -> Consumer:
    queue = aws.topology.timer_queue(service)
    if queue is None:
        raise ValueError(f"{service} has no timer queue")
    return await _consumer(aws, queue, handlers, **overrides)


async def timer_scheduler(aws: Aws, service: Service) -> TimerScheduler:
    queue = aws.topology.timer_queue(service)
    if queue is None:
        raise ValueError(f"{service} has no timer queue")
    return TimerScheduler(aws.sqs, await aws.queue_url(queue.name), service)
