"""A funded ticket carries its person's levels to the matcher, exactly as they were asked for."""

from __future__ import annotations

from services.runtime.aws import Aws
from services.wire.events.gateway import TicketRequested
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.ledger.helpers import running_ledger, send, told, until_summary


async def test_ticket_funded_carries_the_levels_and_welcomes_from_of_the_request(
    stack: Stack, aws: Aws
) -> None:
    asked = TicketRequested(
        ticket_id="t1",
        user_id="ana",
        speaks=("en", "fr"),
        learns=("es", "de"),
        levels={"es": "B2", "de": "A1"},
        welcomes_from="B1",
    )
    plain = TicketRequested(ticket_id="t2", user_id="bo", speaks=("es",), learns=("en",))
    async with running_ledger(stack):
        await send(aws, asked, plain)
        await until_summary(aws, "ana", held=15)
        await until_summary(aws, "bo", held=15)
    funded = {e.user_id: e for e in await told(aws, Service.MATCHER) if e.TYPE == "ticket.funded"}
    assert (funded["ana"].levels, funded["ana"].welcomes_from) == ({"es": "B2", "de": "A1"}, "B1")
    assert (funded["ana"].speaks, funded["ana"].learns) == (("en", "fr"), ("es", "de"))
    # Someone who never said: no levels, and they welcome learners of every level.
    assert (funded["bo"].levels, funded["bo"].welcomes_from) == ({}, "A1")
