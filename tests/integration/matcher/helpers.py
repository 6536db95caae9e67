"""Running the matcher against a test's slice of the embedded AWS, and watching what it says.

The matcher runs as it does in production (`services.matcher.service.run`): its input
arrives through SNS FIFO → its SQS inbox, published the way the gateway and the ledger
publish; what it publishes is read back from the notifier's and ledger's inboxes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.matcher.clock import ShiftedClock
from services.matcher.rooms import Rooms
from services.matcher.service import run
from services.matcher.settings import MatcherSettings
from services.runtime.aws import Aws
from services.runtime.bus import publisher, timer_scheduler
from services.runtime.dynamo import from_item, to_item
from services.wire.events import REGISTRY, Event
from services.wire.events.common import Participant
from services.wire.events.gateway import TicketRequested
from services.wire.events.ledger import TicketFunded
from services.wire.names import Service
from services.wire.tables import Table
from services.wire.tables import matcher as tables

QUIET = {"relax_one_sided_s": 3000.0, "relax_anyone_s": 3000.0}


@dataclass
class Inbox:
    """Collects (and deletes) every event arriving in one service's inbox."""

    aws: Aws
    service: Service
    events: list[Event] = field(default_factory=list)

    async def poll(self, stop: asyncio.Event) -> None:
        url = await self.aws.queue_url(self.aws.topology.inbox(self.service).name)
        while not stop.is_set():
            resp = await self.aws.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            msgs = resp.get("Messages", [])
            if msgs:
                # Deleted before they are seen: a test that stops collecting once it saw an
                # event must not leave that message in flight (it would come back later).
                await self.aws.sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(msgs)
                    ],
                )
            self.events.extend(REGISTRY.parse(m["Body"]) for m in msgs)

    def of(self, type_: str, **where: Any) -> list[Any]:
        return [
            e
            for e in self.events
            if type_ == e.TYPE and all(getattr(e, k) == v for k, v in where.items())
        ]

    async def wait_for(
        self, type_: str, count: int = 1, timeout_s: float = 15.0, **where: Any
    ) -> list[Any]:
        deadline = time.monotonic() + timeout_s
        while len(found := self.of(type_, **where)) < count:
            if time.monotonic() > deadline:
                seen = [(e.TYPE, getattr(e, "reason", None)) for e in self.events]
                raise AssertionError(f"{count} x {type_} {where} not seen; saw {seen}")
            await asyncio.sleep(0.05)
        return found


@dataclass
class Matcher:
    """A running matcher plus the handles a test needs."""

    aws: Aws
    settings: MatcherSettings
    clock: ShiftedClock
    notifier: Inbox
    ledger: Inbox
    stop: asyncio.Event
    task: asyncio.Task[Any]

    async def send(self, *events: Event) -> None:
        """Publish as their publisher would (gateway or ledger), through SNS."""
        for e in events:
            await publisher(self.aws, e.PUBLISHER).publish(e)

    async def fire(self, timer: Event) -> None:
        """Deliver a timer now (as SQS would once its delay is over)."""
        sched = await timer_scheduler(self.aws, Service.MATCHER)
        await sched.schedule(timer, datetime.now(UTC))

    async def item(self, table: Table, **key: str) -> dict[str, Any] | None:
        resp = await self.aws.dynamodb.get_item(
            TableName=self.aws.table(table.logical), Key=to_item(key), ConsistentRead=True
        )
        return from_item(resp["Item"]) if "Item" in resp else None

    async def scan(self, table: Table) -> list[dict[str, Any]]:
        resp = await self.aws.dynamodb.scan(TableName=self.aws.table(table.logical))
        return [from_item(i) for i in resp.get("Items", [])]

    async def state(self, user_id: str) -> str:
        item = await self.item(tables.PEOPLE, userId=user_id)
        return str(item["state"]) if item else "free"

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


@contextlib.asynccontextmanager
async def matcher(
    aws: Aws,
    settings: MatcherSettings,
    *,
    rooms: Rooms | None = None,
    clock: ShiftedClock | None = None,
    watch: bool = True,
    start: bool = True,
) -> AsyncIterator[Matcher]:
    """A matcher running in this process (`start`), and collectors of what it publishes
    (`watch`). Without `start`, only the handles: something else is the matcher."""
    stop = asyncio.Event()
    clock = clock or ShiftedClock()
    notifier, ledger = Inbox(aws, Service.NOTIFIER), Inbox(aws, Service.LEDGER)
    pollers = [asyncio.create_task(i.poll(stop)) for i in (notifier, ledger)] if watch else []
    task = asyncio.create_task(
        run(settings, stop, clock=clock, rooms=rooms) if start else stop.wait()
    )
    m = Matcher(aws, settings, clock, notifier, ledger, stop, task)
    try:
        yield m
    finally:
        stop.set()
        for poller in pollers:
            poller.cancel()
        await asyncio.wait_for(asyncio.gather(task, *pollers, return_exceptions=True), 30)
        if not task.cancelled() and task.exception():
            raise task.exception()  # type: ignore[misc]


def settings_for(stack: Any, **overrides: Any) -> MatcherSettings:
    s = stack.settings(MatcherSettings, **(QUIET | overrides))
    assert isinstance(s, MatcherSettings)
    return s


def join(
    user: str,
    ticket: str,
    speaks: tuple[str, ...] = (),
    learns: tuple[str, ...] = (),
    minutes: int = 15,
) -> tuple[TicketRequested, TicketFunded]:
    """What pressing Join leads to: the gateway's request and the ledger's funding."""
    return (
        TicketRequested(ticket_id=ticket, user_id=user, speaks=speaks, learns=learns),
        TicketFunded(ticket_id=ticket, user_id=user, minutes=minutes, speaks=speaks, learns=learns),
    )


def users_of(participants: tuple[Participant, ...]) -> set[str]:
    return {p.user_id for p in participants}


def body(msg: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(msg["Body"]))


def only(items: list[Any], pred: Callable[[Any], bool] = lambda _: True) -> Any:
    found = [i for i in items if pred(i)]
    assert len(found) == 1, found
    return found[0]
