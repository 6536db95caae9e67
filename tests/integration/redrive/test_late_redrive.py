"""A redrive on the DLQ's last day changes nothing that was finished (embedded AWS over HTTP).

A message can come back long after it was handled: it sat in the DLQ (14 days) and someone
moved it back. By then DynamoDB's TTL has deleted whatever expired meanwhile. Markers saying
"this was handled" must still be there, whatever else is gone; these tests run DynamoDB's TTL
as it would have run on the day of the redrive, then hand the redriven copy to its handler.
"""

from __future__ import annotations

import time
from typing import Any

from services.matcher.clock import SystemClock
from services.matcher.flows import tickets
from services.matcher.rooms import NoRooms
from services.matcher.service import build
from services.runtime.aws import Aws
from services.runtime.dynamo import from_item
from services.runtime.idempotency import DEFAULT_TTL_S
from services.wire.events.gateway import TicketCancelRequested
from services.wire.names import Service
from services.wire.tables import ALL_TABLES, Table
from services.wire.tables import matcher as tables
from services.wire.topology import DLQ_RETENTION_S, INBOX_RETENTION_S, MARKER_TTL_S
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, settings_for

DAY_S = 24 * 3600


async def ttl_pass(aws: Aws, owner: Service, at_epoch: float) -> int:
    """What DynamoDB's TTL has deleted from `owner`'s tables by `at_epoch` (it never deletes
    an item before its time; the embedded AWS never deletes at all)."""
    deleted = 0
    for table in ALL_TABLES:
        if table.writer != owner or not table.ttl_attribute:
            continue
        for item in await _scan(aws, table):
            expires = item.get(table.ttl_attribute)
            if isinstance(expires, int | float) and expires < at_epoch:
                key = {table.hash_key.name: item[table.hash_key.name]}
                if table.range_key:
                    key[table.range_key.name] = item[table.range_key.name]
                await aws.dynamodb.delete_item(
                    TableName=aws.table(table.logical),
                    Key={k: {table_key_type(table, k): str(v)} for k, v in key.items()},
                )
                deleted += 1
    return deleted


def table_key_type(table: Table, name: str) -> str:
    keys = [table.hash_key, table.range_key]
    return next(k.type for k in keys if k is not None and k.name == name)


async def _scan(aws: Aws, table: Table) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": aws.table(table.logical)}
    while True:
        resp = await aws.dynamodb.scan(**kwargs)
        items += [from_item(i) for i in resp.get("Items", [])]
        if "LastEvaluatedKey" not in resp:
            return items
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def test_markers_outlive_every_redrive_the_queues_allow() -> None:
    # In the inbox until its retention runs out, then the DLQ's whole retention, then the
    # inbox again after the redrive: the marker is still there after all of it.
    assert DEFAULT_TTL_S == MARKER_TTL_S
    assert DEFAULT_TTL_S > 2 * INBOX_RETENTION_S + DLQ_RETENTION_S


async def test_a_ticket_funded_redriven_on_the_dlqs_last_day_does_not_bring_back_its_person(
    stack: Stack, aws: Aws
) -> None:
    """Someone joined, waited and left; thirteen days later the ledger's `ticket.funded` for
    that ticket is redriven from the DLQ while someone else waits. Without its marker the
    matcher would take the old ticket for a new one (its item is long gone too) and pair the
    person who left two weeks ago with whoever waits now."""
    settings = settings_for(stack, relax_one_sided_s=0.0, relax_anyone_s=0.0)
    m = await build(aws, settings, SystemClock(), NoRooms())
    requested, funded = join("gone", "t-old")
    await tickets.on_requested(m, requested)
    await tickets.on_funded(m, funded)
    await tickets.on_cancel_requested(m, TicketCancelRequested(ticket_id="t-old", user_id="gone"))
    assert await _ticket_status(aws, "t-old") == "cancelled"

    day_13 = time.time() + 13 * DAY_S
    assert await ttl_pass(aws, Service.MATCHER, day_13) > 0  # the finished ticket's items went
    now_requested, now_funded = join("here", "t-now")
    await tickets.on_requested(m, now_requested)
    await tickets.on_funded(m, now_funded)

    await tickets.on_funded(m, funded)  # the redriven copy

    assert await _scan(aws, tables.SESSIONS) == []
    people = {p["userId"]: p for p in await _scan(aws, tables.PEOPLE)}
    assert people["here"]["state"] == "waiting"
    assert people.get("gone", {}).get("state", "free") == "free"
    assert [e.ticket_id for e in await m.waitlist.read()] == ["t-now"]


async def _ticket_status(aws: Aws, ticket_id: str) -> str | None:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table(tables.TICKETS.logical),
        Key={"ticketId": {"S": ticket_id}},
        ConsistentRead=True,
    )
    return resp["Item"]["status"]["S"] if "Item" in resp else None
