"""A waiting ticket is never deleted by its TTL while its owner still waits."""

from __future__ import annotations

import time

from services.matcher.tables.waiting_layout import Layout
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item, values
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.matcher.helpers import join, matcher, settings_for

DAY = 24 * 3600


async def test_the_reconciler_keeps_a_waiting_tickets_ttl_fresh(stack: Stack, aws: Aws) -> None:
    async with matcher(aws, settings_for(stack, reconcile_s=0.5)) as m:
        await m.send(*join("ana", "t1"))
        await m.notifier.wait_for("ticket.waiting", ticket_id="t1")
        # Two days of waiting later (as far as the TTL can tell): a minute before expiry.
        soon = int(time.time()) + 60
        for table, key in (
            (tables.TICKETS, {"ticketId": "t1"}),
            (tables.WAITING, {"shard": Layout().home_of("t1"), "ticketId": "t1"}),
        ):
            await aws.dynamodb.update_item(
                TableName=aws.table(table.logical),
                Key=to_item(key),
                UpdateExpression="SET expiresAt = :e",
                ExpressionAttributeValues=values(e=soon),
            )

        async def fresh() -> bool:
            ticket = await m.item(tables.TICKETS, ticketId="t1")
            waiting = await m.item(tables.WAITING, shard=Layout().home_of("t1"), ticketId="t1")
            return all(i and int(i["expiresAt"]) > time.time() + DAY for i in (ticket, waiting))

        await eventually(fresh, 10)
        ticket = await m.item(tables.TICKETS, ticketId="t1")
    assert ticket is not None
    assert ticket["status"] == "waiting"
