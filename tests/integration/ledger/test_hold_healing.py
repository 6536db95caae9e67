"""The ledger heals its holds: a lost final event, and a hold left over from a past day (asked
about like any other)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.ledger.bookkeeping import Bookkeeper
from services.ledger.service import rules
from services.runtime.aws import Aws
from services.wire.events import derive_id
from services.wire.events.gateway import TicketCancelRequested, TicketRequested
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.ledger.helpers import (
    running_ledger,
    send,
    settings,
    store,
    summary,
    told,
    until_summary,
)
from tests.integration.matcher.helpers import matcher, settings_for

FAST = {"hold_check_s": 0.5, "hold_stale_s": 2}


async def test_a_hold_whose_cancel_was_lost_is_released_once_the_matcher_is_asked(
    stack: Stack, aws: Aws
) -> None:
    async with running_ledger(stack):
        await send(aws, TicketRequested(ticket_id="t1", user_id="ana"))
        await until_summary(aws, "ana", held=15)
    # The matcher cancels the ticket, and its `ticket.cancelled` to the ledger is lost (the
    # test's collector takes it out of the ledger's inbox).
    async with matcher(aws, settings_for(stack)) as m:
        await m.notifier.wait_for("ticket.waiting", ticket_id="t1")
        await m.send(TicketCancelRequested(ticket_id="t1", user_id="ana"))
        await m.ledger.wait_for("ticket.cancelled", ticket_id="t1")
    assert (await summary(aws, "ana"))["held"] == 15
    # Both run again: the ledger finds the hold stale, asks, and the matcher answers.
    async with (
        running_ledger(stack, **FAST),
        matcher(aws, settings_for(stack), watch=False),
    ):
        after = await until_summary(aws, "ana", held=0)
        hold = await store(aws, stack).hold("t1")
    assert hold is not None
    assert (hold.status, hold.charged) == ("released", 0)
    assert "activeHoldId" not in after
    assert (await store(aws, stack).account("ana")).active_hold_id is None
    # Released by the matcher's own `ticket.cancelled`, sent again with its first id.
    entries = await store(aws, stack).entries("ana", datetime.now(UTC).date())
    release = [e for e in entries if e.key == "release#t1"]
    assert [e.event_id for e in release] == [derive_id("ticket.cancelled", "t1")]


async def test_a_hold_from_a_past_day_is_asked_about_and_released_once_its_ticket_is_over(
    stack: Stack, aws: Aws
) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    keeper = Bookkeeper(store(aws, stack), rules(settings(stack)), clock=lambda: yesterday)
    placed = await keeper.place(hold_id="old", user_id="bo", kind="ticket", event_id="e-old")
    assert placed.hold is not None
    assert placed.hold.status == "held"
    # A past day's hold is asked about like any other (it is never released while what it
    # funds goes on); the matcher never saw this ticket, so it cancels it and answers.
    async with (
        running_ledger(stack, **FAST),
        matcher(aws, settings_for(stack), watch=False),
    ):

        async def released() -> bool:
            hold = await store(aws, stack).hold("old")
            return hold is not None and hold.status == "released"

        await eventually(released, 20)
        await send(aws, TicketRequested(ticket_id="new", user_id="bo"))
        today = await until_summary(aws, "bo", held=15)
    old_book = await summary(aws, "bo", yesterday.date())
    assert (old_book["held"], old_book["charged"]) == (0, 0)
    assert today["activeHoldId"] == "new"
    changed = [e for e in await told(aws, Service.NOTIFIER) if e.TYPE == "points.changed"]
    assert [(e.day, e.held) for e in changed if e.day == yesterday.date()] == [
        (yesterday.date(), 0)
    ]
    # Released by the matcher's `ticket.cancelled`, on the day the hold was placed.
    entries = await store(aws, stack).entries("bo", yesterday.date())
    release = [e for e in entries if e.key == "release#old"]
    assert [e.event_id for e in release] == [derive_id("ticket.cancelled", "old")]
