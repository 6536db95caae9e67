"""Driving the ledger through the real bus: run it, feed its inbox, read what it told others."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any, cast

from services.ledger import service
from services.ledger.settings import LedgerSettings
from services.ledger.store import DynamoStore
from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.runtime.dynamo import from_item
from services.wire.events import REGISTRY, Event, new_id
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.bus.helpers import drain, eventually, queue_depth


def settings(stack: Stack, **kw: object) -> LedgerSettings:
    return cast(LedgerSettings, stack.settings(LedgerSettings, inbox_visibility_s=2, **kw))


@contextlib.asynccontextmanager
async def running_ledger(stack: Stack, **kw: object) -> AsyncIterator[None]:
    """The ledger service as a task of this test, stopped (drained) on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(settings(stack, **kw), stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def store(aws: Aws, stack: Stack, **kw: object) -> DynamoStore:
    return service.store(aws, settings(stack, **kw))


async def send(aws: Aws, *events: Event) -> None:
    """Publish as their owners do: gateway intents and matcher facts on their topics."""
    for e in events:
        await publisher(aws, e.PUBLISHER).publish(e)


async def send_raw(aws: Aws, event: Event) -> None:
    """Straight into the ledger's inbox with a fresh dedup id: a true duplicate delivery."""
    await aws.sqs.send_message(
        QueueUrl=await aws.queue_url(aws.topology.inbox(Service.LEDGER).name),
        MessageBody=event.to_wire(),
        MessageGroupId=event.group(),
        MessageDeduplicationId=new_id(),
        MessageAttributes={"type": {"DataType": "String", "StringValue": event.TYPE}},
    )


async def told(aws: Aws, service_: Service) -> list[Any]:
    """Everything the ledger published that reached `service_`'s inbox, parsed.

    Call it once the ledger has stopped: it publishes before it deletes, so by then all of it
    is in the queues and a short drain finds it.
    """
    msgs = await drain(aws, aws.topology.inbox(service_).name, wait_s=0, rounds=2)
    events = [REGISTRY.parse(m["Body"]) for m in msgs]
    return [e for e in events if e.PUBLISHER == Service.LEDGER]


async def summary(aws: Aws, user_id: str, day: date | None = None) -> dict[str, Any]:
    """The read model exactly as the gateway reads it: one GetItem (empty = a fresh day)."""
    day = day or datetime.now(UTC).date()
    resp = await aws.dynamodb.get_item(
        TableName=aws.table("ledger-summaries"),
        Key={"userId": {"S": user_id}, "day": {"S": day.isoformat()}},
    )
    return from_item(resp["Item"]) if "Item" in resp else {}


async def until_summary(aws: Aws, user_id: str, **expected: object) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def check() -> bool:
        nonlocal found
        found = await summary(aws, user_id)
        return all(found.get(k) == v for k, v in expected.items())

    try:
        await eventually(check, 20)
    except AssertionError as exc:
        raise AssertionError(f"{user_id}: wanted {expected}, have {found}") from exc
    return found


async def inbox_empty(aws: Aws) -> None:
    """Wait until the ledger has handled (and deleted) everything it was sent."""
    name = aws.topology.inbox(Service.LEDGER).name

    async def empty() -> bool:
        return await queue_depth(aws, name) == 0

    await eventually(empty, 30)


__all__ = ["eventually"]
