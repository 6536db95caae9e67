"""Throttling costs time, never state: the matcher under a throttled DynamoDB.

The embedded AWS refuses a share of the calls on this test's tables as DynamoDB does when it
throttles (services/devstack/faults.py). Joins are still matched, nothing is parked in a DLQ,
and the writes the matcher used to let go of when a transaction was cancelled are kept.
"""

from __future__ import annotations

from services.devstack.embedded_aws import MotoServer
from services.runtime.aws import Aws
from services.wire.events.gateway import TicketRequested
from services.wire.names import Service
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually, queue_depth
from tests.integration.faults import faults
from tests.integration.matcher.helpers import join, matcher, settings_for, users_of

# Pairs who suit each other and nobody else (one language each way).
PAIRS = [(("en",), ("es",)), (("de",), ("fr",)), (("ja",), ("ko",))]


async def _nothing_parked(aws: Aws) -> None:
    for queue in aws.topology.queues:
        if queue.owner == Service.MATCHER:
            assert await queue_depth(aws, queue.dlq) == 0, queue.dlq


async def test_joins_under_throttling_are_matched_and_nothing_is_parked_or_lost(
    moto_server: MotoServer, stack: Stack, aws: Aws
) -> None:
    with faults(moto_server, stack, throttle=0.3, conflict=0.05) as injected:
        async with matcher(aws, settings_for(stack)) as m:
            for i, (speaks, learns) in enumerate(PAIRS):
                await m.send(*join(f"a{i}", f"ta{i}", speaks, learns))
                await m.send(*join(f"b{i}", f"tb{i}", learns, speaks))
            started = await m.notifier.wait_for("session.started", len(PAIRS), timeout_s=30)
            inbox = aws.topology.inbox(Service.MATCHER).name

            async def inbox_empty() -> bool:
                return await queue_depth(aws, inbox) == 0

            await eventually(inbox_empty, 20)
        seen = injected()

    assert seen["throttled"] > 10, seen  # it really was throttled, often
    assert sorted(sorted(users_of(s.participants)) for s in started) == [
        [f"a{i}", f"b{i}"] for i in range(len(PAIRS))
    ]
    assert len(m.ledger.of("session.started")) == len(PAIRS)  # announced once each
    for i in range(len(PAIRS)):
        for who in (f"a{i}", f"b{i}"):
            ticket = await m.item(tables.TICKETS, ticketId=f"t{who}")
            assert ticket is not None
            assert ticket["status"] == "matched"
            assert await m.state(who) == "in_session"
    await _nothing_parked(aws)


async def test_a_throttled_ticket_request_is_recorded_not_dropped(
    moto_server: MotoServer, stack: Stack, aws: Aws
) -> None:
    requests = [TicketRequested(ticket_id=f"t{i}", user_id=f"u{i}") for i in range(8)]
    with faults(moto_server, stack, throttle=0.5) as injected:
        async with matcher(aws, settings_for(stack), watch=False) as m:
            await m.send(*requests)

            async def all_recorded() -> bool:
                found = [await m.item(tables.TICKETS, ticketId=r.ticket_id) for r in requests]
                return all(t is not None and t["status"] == "requested" for t in found)

            await eventually(all_recorded, 20)
        assert injected()["throttled"] > 0
    await _nothing_parked(aws)


async def test_a_throttled_wider_search_is_still_recorded_and_announced(
    moto_server: MotoServer, stack: Stack, aws: Aws
) -> None:
    # Nobody suits anybody before "anyone", which never comes: each search widens once.
    languages = [("en", "es"), ("de", "fr"), ("ja", "ko"), ("pt", "it")]
    people = [(f"p{i}", (speaks,), (learns,)) for i, (speaks, learns) in enumerate(languages)]
    settings = settings_for(stack, relax_one_sided_s=1.0, relax_anyone_s=3000.0)
    with faults(moto_server, stack, throttle=0.5) as injected:
        async with matcher(aws, settings) as m:
            for user, speaks, learns in people:
                await m.send(*join(user, f"t{user}", speaks, learns))
            for user, _, _ in people:
                await m.notifier.wait_for(
                    "ticket.waiting", ticket_id=f"t{user}", looking_for="one_sided", timeout_s=20
                )
        assert injected()["throttled"] > 0
    for user, _, _ in people:
        ticket = await m.item(tables.TICKETS, ticketId=f"t{user}")
        assert ticket is not None
        assert (ticket["status"], ticket["lookingFor"]) == ("waiting", "one_sided")
    await _nothing_parked(aws)
