"""Ledger benchmark: settlements per second of the pure core, and of the service through moto.

The service figures are set against moto's own round trip measured in the same run: a raw SNS
publish → SQS receive + delete, one at a time (latency) and in a burst (throughput). moto is a
functional stand-in (one Python process), so the ratios are what to watch, not the absolutes.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from services.ledger import points, service
from services.ledger.bookkeeping import Bookkeeper
from services.ledger.handlers import LedgerHandlers
from services.ledger.model import Account, DayBook, Hold, Snapshot
from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer, publisher
from services.runtime.consumer import Delivery
from services.wire.events import Event
from services.wire.events.matcher import SessionEnded
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.ledger.helpers import settings
from tests.load.bench import pct, report, summary_ms
from tests.unit.ledger import builders as b
from tests.unit.ledger.fakes import run, world

N_PURE = 20_000
N_MEMORY = 2_000
N_ROUND_TRIPS = 10
N_BURST = 25  # sessions ended at once: 50 settlements


@pytest.mark.benchmark
def test_pure_core_settlements_per_second() -> None:
    now = datetime(2031, 3, 4, 10, tzinfo=UTC)
    snaps = [
        Snapshot(
            account=Account(f"u{i}", f"h{i}", "session", now.date(), version=3),
            book=DayBook(f"u{i}", now.date(), 15, held=15, active_hold_id=f"h{i}", version=3),
            hold=Hold(f"h{i}", f"u{i}", "ticket", now.date(), "in_session", minutes=15, version=2),
        )
        for i in range(N_PURE)
    ]
    each: list[float] = []
    t0 = time.perf_counter()
    for i, s in enumerate(snaps):
        t = time.perf_counter()
        d = points.settle(
            s,
            hold_id=f"h{i}",
            session_id=f"s{i}",
            started_at=now,
            ended_at=now + timedelta(seconds=i % 900),
            cap=15,
            counts=True,
            event_id=f"e{i}",
            now=now,
        )
        each.append(time.perf_counter() - t)
        assert isinstance(d, points.Apply)
    pure_s = time.perf_counter() - t0

    # The same settlements through handlers + bookkeeper on the in-memory store (no AWS).
    w = world()
    ends: list[Event] = []
    for i in range(N_MEMORY // 2):
        run(w.deliver(b.ticket(f"a{i}", f"a{i}")))
        run(w.deliver(b.ticket(f"b{i}", f"b{i}")))
        start = b.started(f"s{i}", [(f"a{i}", f"a{i}"), (f"b{i}", f"b{i}")], w.clock())
        run(w.deliver(start))
        ends.append(b.ended(start, timedelta(minutes=3)))

    async def settle_all() -> None:
        for e in ends:
            await w.deliver(e)

    t0 = time.perf_counter()
    run(settle_all())
    memory_s = time.perf_counter() - t0
    assert w.store.book("a0", w.clock().date()).charged == 3

    report(
        "ledger: pure core (points.settle)",
        {
            "settlements": str(N_PURE),
            "settlements/s": N_PURE / pure_s,
            "p50 µs": pct([x * 1e6 for x in each], 50),
            "p99 µs": pct([x * 1e6 for x in each], 99),
            "handlers + in-memory store, settlements/s": N_MEMORY / memory_s,
        },
    )


async def _raw_round_trips(aws: Aws, n: int) -> list[float]:
    """Baseline: moto's own SNS publish → SQS long-poll receive + delete, plain aioboto3."""
    url = await aws.queue_url(aws.topology.inbox(Service.LEDGER).name)
    arn = aws.topic_arn(Service.MATCHER)
    out = []
    for i in range(n):
        body = _ended(f"raw{i}").to_wire()
        t0 = time.perf_counter()
        await aws.sns.publish(
            TopicArn=arn,
            Message=body,
            MessageGroupId=f"g{i}",
            MessageDeduplicationId=f"raw{i}",
            MessageAttributes={"type": {"DataType": "String", "StringValue": SessionEnded.TYPE}},
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


async def _raw_burst(aws: Aws, n: int) -> float:
    """Baseline throughput: n messages published in batches, received and deleted, plain."""
    url = await aws.queue_url(aws.topology.inbox(Service.LEDGER).name)
    pub = publisher(aws, Service.MATCHER)
    t0 = time.perf_counter()
    await pub.publish_many([_ended(f"burst{i}") for i in range(n)])
    seen = 0
    while seen < n:
        resp = await aws.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2
        )
        msgs = resp.get("Messages", [])
        seen += len(msgs)
        if msgs:
            await aws.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)
                ],
            )
    return time.perf_counter() - t0


def _ended(tag: str) -> SessionEnded:
    start = b.started(tag, [(f"{tag}a", f"{tag}a"), (f"{tag}b", f"{tag}b")], datetime.now(UTC))
    return b.ended(start, timedelta(minutes=4))


@pytest.mark.benchmark
async def test_service_settlements_per_second_through_moto(stack: Stack, aws: Aws) -> None:
    raw = await _raw_round_trips(aws, N_ROUND_TRIPS)
    raw_burst_s = await _raw_burst(aws, N_BURST)

    s = settings(stack)
    keeper = Bookkeeper(service.store(aws, s), service.rules(s))
    handlers = LedgerHandlers(keeper, publisher(aws, Service.LEDGER).publish_many)

    # Sessions to end: both people funded and talking (set up straight through the handlers).
    async def live_session(tag: str) -> SessionEnded:
        await asyncio.gather(
            handlers.ticket_requested(b.ticket(f"{tag}a", f"{tag}a")),
            handlers.ticket_requested(b.ticket(f"{tag}b", f"{tag}b")),
        )
        start = b.started(tag, [(f"{tag}a", f"{tag}a"), (f"{tag}b", f"{tag}b")], datetime.now(UTC))
        await handlers.session_started(start)
        return b.ended(start, timedelta(minutes=4, seconds=1))

    t_setup = time.perf_counter()
    singles = [await live_session(f"one{i}") for i in range(N_ROUND_TRIPS)]
    burst = await asyncio.gather(*(live_session(f"many{i}") for i in range(N_BURST)))
    setup_s = time.perf_counter() - t_setup

    done: dict[str, float] = {}
    settled = asyncio.Event()
    routes = handlers.routes()

    async def timed(event: SessionEnded, delivery: Delivery) -> None:
        await routes[SessionEnded.TYPE](event, delivery)
        done[event.session_id] = time.perf_counter()
        settled.set()

    consumer = await inbox_consumer(aws, Service.LEDGER, {SessionEnded.TYPE: timed}, wait_s=5)
    task = asyncio.create_task(consumer.run())
    pub = publisher(aws, Service.MATCHER)
    ours = []
    for e in singles:
        settled.clear()
        t0 = time.perf_counter()
        await pub.publish(e)
        await asyncio.wait_for(settled.wait(), 30)
        ours.append(done[e.session_id] - t0)
    t0 = time.perf_counter()
    await pub.publish_many(burst)
    while sum(1 for k in done if k.startswith("many")) < N_BURST:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    burst_s = time.perf_counter() - t0
    consumer.stop()
    await asyncio.wait_for(task, 20)

    raw_ms, ours_ms = summary_ms(raw), summary_ms(ours)
    settlements = 2 * N_BURST
    report(
        "ledger: service through moto (session.ended → 2 settlements)",
        {
            "baseline: moto publish→receive p50 ms": raw_ms["p50 ms"],
            "baseline: moto publish→receive p99 ms": raw_ms["p99 ms"],
            "baseline: moto burst msgs/s": N_BURST / raw_burst_s,
            "ledger: publish→settled p50 ms": ours_ms["p50 ms"],
            "ledger: publish→settled p99 ms": ours_ms["p99 ms"],
            "ledger: burst settlements/s": settlements / burst_s,
            "ledger: burst msgs/s": N_BURST / burst_s,
            "ratio p50 latency (ledger / moto)": ours_ms["p50 ms"] / raw_ms["p50 ms"],
            "ratio throughput msgs/s (ledger / moto)": raw_burst_s / burst_s,
            "conflict retries": str(keeper.conflicts),
            "set-up (not measured) s": setup_s,
        },
    )
    assert keeper.conflicts == 0
    charged = await service.store(aws, s).book("many0a", datetime.now(UTC).date())
    assert (charged.charged, charged.held) == (5, 0)
