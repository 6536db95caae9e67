"""Throttling costs time, never state: the ledger under a throttled DynamoDB charges a
finished session exactly once, and parks nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from services.devstack.embedded_aws import MotoServer
from services.runtime.aws import Aws
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.bus.helpers import queue_depth
from tests.integration.faults import faults
from tests.integration.ledger.helpers import (
    inbox_empty,
    running_ledger,
    send,
    send_raw,
    store,
    summary,
    told,
    until_summary,
)
from tests.unit.ledger import builders as b


async def test_a_session_ended_under_throttling_charges_each_person_once(
    moto_server: MotoServer, stack: Stack, aws: Aws
) -> None:
    now = datetime.now(UTC)
    start = b.started("s1", [("ana", "t1"), ("bo", "t2")], now)
    end = b.ended(start, timedelta(minutes=4, seconds=10))
    with faults(moto_server, stack, throttle=0.3, conflict=0.05) as injected:
        async with running_ledger(stack):
            await send(aws, b.ticket("t1", "ana"), b.ticket("t2", "bo"))
            await until_summary(aws, "ana", held=15)
            await until_summary(aws, "bo", held=15)
            await send(aws, start)
            await until_summary(aws, "bo", activeKind="session")
            await send(aws, end)
            await send_raw(aws, end)  # and once more, as SQS may deliver it
            await until_summary(aws, "ana", charged=5, held=0)
            await until_summary(aws, "bo", charged=5, held=0)
            await inbox_empty(aws)
        seen = injected()

    assert seen["throttled"] > 5, seen
    for user in ("ana", "bo"):
        book = await summary(aws, user)
        assert (book["charged"], book["held"]) == (5, 0)
        entries = await store(aws, stack).entries(user, now.date())
        assert Counter(e.key.split("#")[0] for e in entries) == {"hold": 1, "start": 1, "settle": 1}
    changed = [e for e in await told(aws, Service.NOTIFIER) if e.TYPE == "points.changed"]
    settled = {(e.user_id, e.id) for e in changed if e.used == 5}
    assert sorted(u for u, _ in settled) == ["ana", "bo"]  # one id each, however often it ran
    assert await queue_depth(aws, aws.topology.inbox(Service.LEDGER).dlq) == 0
