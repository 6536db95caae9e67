"""Publishing through SNS FIFO reaches exactly the inboxes whose filter policies match."""

from __future__ import annotations

import json

from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.wire.events.gateway import ConnectionOpened, TicketRequested
from services.wire.names import Service
from tests.integration.bus.helpers import drain


async def test_ticket_requested_reaches_ledger_and_matcher_but_not_notifier(aws: Aws) -> None:
    event = TicketRequested(ticket_id="t1", user_id="u1", speaks=("en",), learns=("es",))
    await publisher(aws, Service.GATEWAY).publish(event)

    topo = aws.topology
    got = {svc: await drain(aws, topo.inbox(svc).name) for svc in Service if svc != Service.GATEWAY}

    assert [json.loads(m["Body"])["id"] for m in got[Service.LEDGER]] == [event.id]
    assert [json.loads(m["Body"])["id"] for m in got[Service.MATCHER]] == [event.id]
    assert got[Service.NOTIFIER] == []
    msg = got[Service.LEDGER][0]
    assert msg["Attributes"]["MessageGroupId"] == "user#u1"
    assert msg["Attributes"]["MessageDeduplicationId"] == event.id
    assert msg["MessageAttributes"]["type"]["StringValue"] == "ticket.requested"


async def test_connection_event_reaches_the_notifier_and_the_matcher_not_the_ledger(
    aws: Aws,
) -> None:
    await publisher(aws, Service.GATEWAY).publish(
        ConnectionOpened(connection_id="c1", user_id="u1")
    )
    topo = aws.topology
    assert len(await drain(aws, topo.inbox(Service.NOTIFIER).name)) == 1
    assert len(await drain(aws, topo.inbox(Service.MATCHER).name)) == 1
    assert await drain(aws, topo.inbox(Service.LEDGER).name, rounds=1) == []


async def test_a_service_cannot_publish_another_services_event(aws: Aws) -> None:
    import pytest

    with pytest.raises(ValueError, match="may not publish"):
        await publisher(aws, Service.LEDGER).publish(TicketRequested(ticket_id="t", user_id="u"))


async def test_publish_many_keeps_order_within_a_group(aws: Aws) -> None:
    events = [TicketRequested(ticket_id=f"t{i}", user_id="same-person") for i in range(13)]
    await publisher(aws, Service.GATEWAY).publish_many(events)
    got = await drain(aws, aws.topology.inbox(Service.LEDGER).name)
    assert [json.loads(m["Body"])["payload"]["ticketId"] for m in got] == [
        e.ticket_id for e in events
    ]
