"""A ticket whose answer from the ledger never came (a lost `ticket.funded` or
`ticket.rejected`) is closed by the reconciler, not left "looking" for good; one that was
answered is never touched, and a funding that comes after the close does not revive it."""

from __future__ import annotations

from services.matcher.clock import ShiftedClock
from services.matcher.flows import stale_requests, tickets
from services.matcher.repair import reconcile
from services.matcher.rooms import NoRooms
from services.matcher.service import build
from services.runtime.aws import Aws
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, settings_for


async def test_a_ticket_left_requested_is_closed_once_and_a_late_funding_does_not_revive_it(
    stack: Stack, aws: Aws
) -> None:
    clock = ShiftedClock()
    m = await build(aws, settings_for(stack, requested_stale_s=60), clock, NoRooms())
    lost, late_funding = join("ana", "t-lost")  # the ledger's answer to this one is lost
    await tickets.on_requested(m, lost)
    answered, funded = join("bo", "t-answered")
    await tickets.on_requested(m, answered)
    await tickets.on_funded(m, funded)

    # Too fresh: the answer may be on its way.
    assert await stale_requests.close_unanswered(m) == 0
    assert (await m.store.ticket("t-lost")).status == "requested"  # type: ignore[union-attr]

    clock.advance(61)
    assert await reconcile.reconcile(m) >= 1
    closed = await m.store.ticket("t-lost")
    assert closed is not None
    assert closed.status == "cancelled"
    assert (await m.store.ticket("t-answered")).status == "waiting"  # type: ignore[union-attr]
    # Idempotent across passes and instances: nothing left to close.
    assert await stale_requests.close_unanswered(m) == 0

    # The answer turns up after all: the ticket stays over and Ana is not put in the queue.
    await tickets.on_funded(m, late_funding)
    assert (await m.store.ticket("t-lost")).status == "cancelled"  # type: ignore[union-attr]
    assert (await m.store.person("ana")).state != "waiting"
