"""Levels through the bus: what a ticket's funding says of its person's levels reaches the
waiting set and the pairing core, peers at adjacent levels talk at once, a tandem that does not
fit still talks at once, and the prompts are pitched at the lower of the two levels."""

from __future__ import annotations

from services.runtime.aws import Aws
from services.wire.events.common import Cefr
from services.wire.events.gateway import TicketRequested
from services.wire.events.ledger import TicketFunded
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.matcher.helpers import Matcher, matcher, settings_for, users_of


def join(
    user: str,
    ticket: str,
    speaks: tuple[str, ...],
    learns: tuple[str, ...],
    levels: dict[str, Cefr],
    welcomes_from: Cefr = "A1",
) -> tuple[TicketRequested, TicketFunded]:
    common = {"ticket_id": ticket, "user_id": user, "speaks": speaks, "learns": learns}
    extra = {"levels": levels, "welcomes_from": welcomes_from}
    return TicketRequested(**common, **extra), TicketFunded(**common, **extra, minutes=15)


async def _waiting_item(m: Matcher, ticket: str) -> dict[str, object]:
    items = [i for i in await m.scan(tables.WAITING) if i["ticketId"] == ticket]
    assert items, f"{ticket} is not waiting"
    return items[0]


async def test_peers_at_adjacent_levels_talk_at_once_with_prompts_at_the_lower_level(
    stack: Stack, aws: Aws
) -> None:
    # Both learn Spanish and speak different languages: before levels nothing brought them
    # together until both accepted anyone (far away here). Rated A2 and B1: peers.
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(*join("pia", "tp", ("de",), ("es",), {"es": "A2"}, "B2"))
        await m.notifier.wait_for("ticket.waiting", ticket_id="tp")
        item = await _waiting_item(m, "tp")
        assert (item["levels"], item["welcomesFrom"]) == ({"es": "A2"}, "B2")

        await m.send(*join("ana", "ta", ("en",), ("es",), {"es": "B1"}))
        (started,) = await m.notifier.wait_for("session.started")
        assert users_of(started.participants) == {"ana", "pia"}
        (topic,) = await m.notifier.wait_for("session.topic_changed")
        assert (topic.language, topic.band) == ("es", "A")  # Pia's A2 is the lower level

    ticket = await m.item(tables.TICKETS, ticketId="ta")
    assert ticket is not None
    assert ticket["levels"] == {"es": "B1"}


async def test_a_tandem_that_does_not_fit_still_talks_at_once(stack: Stack, aws: Aws) -> None:
    # Ana welcomes learners from C1; Nina rated her English A1. Nobody fitter waits: a
    # preference never makes anyone wait who could talk.
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(*join("ana", "ta", ("en",), ("es",), {"es": "B1"}, "C1"))
        await m.notifier.wait_for("ticket.waiting", ticket_id="ta")
        await m.send(*join("nina", "tn", ("es",), ("en",), {"en": "A1"}))
        (started,) = await m.notifier.wait_for("session.started")
        assert users_of(started.participants) == {"ana", "nina"}
        (topic,) = await m.notifier.wait_for("session.topic_changed")
        # The learner's level in the session's language (the other one speaks it).
        assert (topic.language, topic.band) in (("en", "A"), ("es", "B"))


async def test_peers_two_steps_apart_wait_as_before(stack: Stack, aws: Aws) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(*join("pia", "tp", ("de",), ("es",), {"es": "A1"}))
        await m.notifier.wait_for("ticket.waiting", ticket_id="tp")
        await m.send(*join("ana", "ta", ("en",), ("es",), {"es": "B1"}))
        await m.notifier.wait_for("ticket.waiting", ticket_id="ta")
        m.clock.advance(3001)  # both now accept anyone: then they talk, as any two may
        (started,) = await m.notifier.wait_for("session.started")
        assert users_of(started.participants) == {"ana", "pia"}
