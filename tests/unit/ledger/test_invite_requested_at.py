"""The inviter's funding carries when the gateway took the invite, so the matcher can tell a
funding that comes after the invite's deadline (docs/api.md `POST /v1/invites` `expiresAt`)."""

from __future__ import annotations

from services.wire.events.ledger import InviteFunded
from tests.unit.ledger import builders as b
from tests.unit.ledger.fakes import world


async def test_a_late_funding_says_when_the_invite_was_requested_not_when_it_was_funded() -> None:
    w = world()
    request = b.invite("i1", "ana", "bo")
    w.clock.advance(seconds=30)  # handled long after the gateway took it
    await w.deliver(request)
    (funded,) = w.bus.of("invite.funded")
    assert isinstance(funded, InviteFunded)
    assert funded.requested_at == request.occurred_at
