"""Bus benchmark: our publisher + consumer loop against moto's own publish→receive round trip.

moto is a functional stand-in (one Python process), so absolute numbers say little; the ratio
of our path to the raw SNS→SQS path measured in the same run is what to watch.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer, publisher
from services.runtime.consumer import Delivery
from services.wire.events.gateway import ConnectionOpened
from services.wire.names import Service
from tests.load.bench import report, summary_ms

N_ROUND_TRIPS = 20
N_THROUGHPUT = 150


async def _raw_round_trips(aws: Aws, n: int) -> list[float]:
    """Baseline: SNS publish, then SQS long-poll receive + delete, with plain aioboto3 calls."""
    url = await aws.queue_url(aws.topology.inbox(Service.NOTIFIER).name)
    arn = aws.topic_arn(Service.GATEWAY)
    out = []
    for i in range(n):
        body = ConnectionOpened(connection_id=f"raw{i}", user_id="u").to_wire()
        t0 = time.perf_counter()
        await aws.sns.publish(
            TopicArn=arn,
            Message=body,
            MessageGroupId="g",
            MessageDeduplicationId=f"raw{i}",
            MessageAttributes={"type": {"DataType": "String", "StringValue": "connection.opened"}},
        )
        while True:
            resp = await aws.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
            if resp.get("Messages"):
                break
        out.append(time.perf_counter() - t0)
        await aws.sqs.delete_message(
            QueueUrl=url, ReceiptHandle=resp["Messages"][0]["ReceiptHandle"]
        )
    return out


@pytest.mark.benchmark
async def test_bus_round_trip_and_throughput_against_moto_baseline(aws: Aws) -> None:
    raw = await _raw_round_trips(aws, N_ROUND_TRIPS)

    arrived: dict[str, float] = {}
    got = asyncio.Event()

    async def handle(event: ConnectionOpened, delivery: Delivery) -> None:
        arrived[event.connection_id] = time.perf_counter()
        got.set()

    consumer = await inbox_consumer(aws, Service.NOTIFIER, {"connection.opened": handle}, wait_s=5)
    task = asyncio.create_task(consumer.run())
    pub = publisher(aws, Service.GATEWAY)
    ours = []
    for i in range(N_ROUND_TRIPS):
        got.clear()
        t0 = time.perf_counter()
        await pub.publish(ConnectionOpened(connection_id=f"rt{i}", user_id="u"))
        await asyncio.wait_for(got.wait(), 30)
        ours.append(arrived[f"rt{i}"] - t0)

    # Throughput: many people (groups) at once, published in batches.
    events = [
        ConnectionOpened(connection_id=f"tp{i}", user_id=f"u{i % 50}") for i in range(N_THROUGHPUT)
    ]
    t0 = time.perf_counter()
    await pub.publish_many(events)
    while sum(1 for k in arrived if k.startswith("tp")) < N_THROUGHPUT:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - t0
    consumer.stop()
    await task

    raw_s, ours_s = summary_ms(raw), summary_ms(ours)
    report(
        "bus: publish → handler through the embedded AWS",
        {
            "moto raw SNS→SQS round trip p50 ms": raw_s["p50 ms"],
            "moto raw SNS→SQS round trip p99 ms": raw_s["p99 ms"],
            "Publisher→Consumer handler p50 ms": ours_s["p50 ms"],
            "Publisher→Consumer handler p99 ms": ours_s["p99 ms"],
            "ratio ours/raw (p50)": ours_s["p50 ms"] / raw_s["p50 ms"],
            f"throughput, {N_THROUGHPUT} events, 50 groups (msg/s)": N_THROUGHPUT / elapsed,
        },
    )
    assert consumer.handled == N_ROUND_TRIPS + N_THROUGHPUT
