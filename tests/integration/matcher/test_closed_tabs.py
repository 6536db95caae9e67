"""A closed tab does not leave a ticket waiting for nobody: whether the last tab closes while
the ticket waits, or already while it is being funded (the ledger slow or restarting)."""

from __future__ import annotations

from services.runtime.aws import Aws
from services.wire.events.gateway import ConnectionClosed, ConnectionOpened
from services.wire.events.matcher import TicketCancelled
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.matcher.helpers import Matcher, join, matcher, settings_for


async def test_a_tab_closed_while_waiting_cancels_the_ticket(stack: Stack, aws: Aws) -> None:
    async with matcher(aws, settings_for(stack, abandon_after_s=1.0)) as m:
        requested, funded = join("u-wait", "t-wait")
        await m.send(ConnectionOpened(connection_id="c1", user_id="u-wait"), requested, funded)
        await eventually(lambda: _status(m, "t-wait", "waiting"), 15)
        await m.send(ConnectionClosed(connection_id="c1", user_id="u-wait"))
        await eventually(lambda: _status(m, "t-wait", "cancelled"), 15)
        await eventually(lambda: _told_cancelled(m, "t-wait"), 15)


async def test_a_tab_closed_before_the_ticket_was_funded_still_cancels_it(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack, abandon_after_s=1.0)) as m:
        requested, funded = join("u-early", "t-early")
        await m.send(ConnectionOpened(connection_id="c2", user_id="u-early"), requested)
        await eventually(lambda: _status(m, "t-early", "requested"), 15)
        await m.send(ConnectionClosed(connection_id="c2", user_id="u-early"))

        async def tab_gone() -> bool:
            person = await m.item(tables.PEOPLE, userId="u-early")
            return person is not None and not person.get("connections")

        await eventually(tab_gone, 15)
        await m.send(funded)  # the funding comes after the person has gone
        await eventually(lambda: _status(m, "t-early", "cancelled"), 15)
        await eventually(lambda: _told_cancelled(m, "t-early"), 15)
        assert await m.state("u-early") == "free"


async def _status(m: Matcher, ticket_id: str, status: str) -> bool:
    item = await m.item(tables.TICKETS, ticketId=ticket_id)
    return item is not None and item.get("status") == status


def _told_cancelled(m: Matcher, ticket_id: str) -> bool:
    events = m.ledger.events
    return any(isinstance(e, TicketCancelled) and e.ticket_id == ticket_id for e in events)
