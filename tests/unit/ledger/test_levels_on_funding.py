"""A redelivered request is funded again with the same levels: they travel on the request."""

from __future__ import annotations

from services.wire.events.gateway import TicketRequested
from tests.unit.ledger.fakes import world


async def test_a_redelivered_request_funds_again_with_the_same_levels() -> None:
    w = world()
    req = TicketRequested(
        ticket_id="t1",
        user_id="ana",
        speaks=("en",),
        learns=("ja",),
        levels={"ja": "A2"},
        welcomes_from="C1",
    )
    await w.deliver(req)
    w.clock.advance(seconds=40)
    await w.deliver(req)
    first, again = w.bus.of("ticket.funded")
    assert first.to_wire() == again.to_wire()
    assert (again.levels, again.welcomes_from) == ({"ja": "A2"}, "C1")
    assert w.store.book("ana", w.clock().date()).held == 15
