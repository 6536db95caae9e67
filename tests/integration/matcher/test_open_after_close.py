"""An open that comes back after its close leaves no tab open (embedded AWS over HTTP).

A `connection.opened` whose delete failed is received again after the `connection.closed`
behind it in its group was handled; a redrive can bring one back days later. The matcher's
picture of who has a tab open must not take it for a new tab, or the abandon rule never
cancels the ticket of someone who walked away.
"""

from __future__ import annotations

from services.runtime.aws import Aws
from services.wire.events.gateway import ConnectionClosed, ConnectionOpened
from services.wire.events.matcher import TicketCancelled
from services.wire.names import Service
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually, queue_depth
from tests.integration.matcher.helpers import Matcher, join, matcher, settings_for


async def test_an_open_redelivered_after_its_close_does_not_keep_the_ticket_waiting(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack, abandon_after_s=2.0)) as m:
        opened = ConnectionOpened(connection_id="c-gone", user_id="u-gone")
        requested, funded = join("u-gone", "t-gone")
        await m.send(opened, requested, funded)
        await eventually(lambda: _status(m, "t-gone", "waiting"), 15)
        await m.send(ConnectionClosed(connection_id="c-gone", user_id="u-gone"))
        await eventually(lambda: _tabs(m, "u-gone", set()), 15)

        await m.send(opened)  # the same message again, after its close
        await eventually(lambda: _status(m, "t-gone", "cancelled"), 15)
        assert await _tabs(m, "u-gone", set())
        await eventually(lambda: _told_cancelled(m, "t-gone"), 15)


async def test_a_new_tab_after_a_closed_one_still_counts(stack: Stack, aws: Aws) -> None:
    async with matcher(aws, settings_for(stack, abandon_after_s=1.0)) as m:
        requested, funded = join("u-back", "t-back")
        await m.send(ConnectionOpened(connection_id="c-1", user_id="u-back"), requested, funded)
        await eventually(lambda: _status(m, "t-back", "waiting"), 15)
        await m.send(
            ConnectionOpened(connection_id="c-2", user_id="u-back"),  # a reload
            ConnectionClosed(connection_id="c-1", user_id="u-back"),
        )
        await eventually(lambda: _tabs(m, "u-back", {"c-2"}), 15)
        await m.send(ConnectionOpened(connection_id="c-1", user_id="u-back"))  # a late copy
        await m.send(ConnectionOpened(connection_id="c-2", user_id="u-back"))  # a duplicate
        await eventually(lambda: _handled_everything(m), 15)
        assert await _tabs(m, "u-back", {"c-2"})
        assert await _status(m, "t-back", "waiting")


async def _status(m: Matcher, ticket_id: str, status: str) -> bool:
    item = await m.item(tables.TICKETS, ticketId=ticket_id)
    return item is not None and item.get("status") == status


async def _tabs(m: Matcher, user_id: str, expected: set[str]) -> bool:
    person = await m.item(tables.PEOPLE, userId=user_id)
    return person is not None and set(person.get("connections") or ()) == expected


async def _handled_everything(m: Matcher) -> bool:
    return await queue_depth(m.aws, m.aws.topology.inbox(Service.MATCHER).name) == 0


def _told_cancelled(m: Matcher, ticket_id: str) -> bool:
    return any(isinstance(e, TicketCancelled) and e.ticket_id == ticket_id for e in m.ledger.events)
