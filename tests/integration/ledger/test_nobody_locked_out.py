"""Every hold gets a final answer once what it funds is over or never existed, and no hold is
released while what it funds is still going, whatever the day (docs/api.md, "The day" and
"Nobody stranded")."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from services.ledger import service
from services.ledger.bookkeeping import Bookkeeper
from services.ledger.handlers import LedgerHandlers
from services.ledger.reconcile import HoldReconciler
from services.matcher.clock import ShiftedClock, parse_iso
from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer, publisher
from services.wire.events import REGISTRY
from services.wire.events.common import Profile
from services.wire.events.gateway import (
    InviteCancelRequested,
    InviteRequested,
    MediaParticipantJoined,
    SessionStopRequested,
    TicketRequested,
)
from services.wire.names import Service
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import drain, eventually, queue_depth
from tests.integration.ledger.helpers import running_ledger, send, settings, store, until_summary
from tests.integration.ledger.helpers import summary as book
from tests.integration.matcher.helpers import matcher, settings_for

FAST = {"hold_check_s": 0.5, "hold_stale_s": 2}
PROFILE = Profile(name="Ana")


def _invite(invite_id: str) -> InviteRequested:
    return InviteRequested(
        invite_id=invite_id, from_user_id="ana", to_user_id="bo", from_profile=PROFILE
    )


async def _lose_matcher_input(aws: Aws) -> list[str]:
    """Take everything out of the matcher's inbox before any matcher reads it: lost."""
    lost = await drain(aws, aws.topology.inbox(Service.MATCHER).name, wait_s=0, rounds=2)
    return [REGISTRY.parse(m["Body"]).TYPE for m in lost]


async def _told(aws: Aws) -> list[Any]:
    """Everything that reached the notifier's inbox (call it once the services stopped)."""
    msgs = await drain(aws, aws.topology.inbox(Service.NOTIFIER).name, wait_s=0, rounds=2)
    return [REGISTRY.parse(m["Body"]) for m in msgs]


async def test_a_lost_invite_funding_frees_the_inviter_the_same_day(stack: Stack, aws: Aws) -> None:
    async with running_ledger(stack):
        await send(aws, _invite("i-lost"))
        await until_summary(aws, "ana", held=15)
    assert await _lose_matcher_input(aws) == ["invite.funded"]
    # The matcher never heard of the invite; the ledger asks about the stale hold.
    async with (
        running_ledger(stack, **FAST),
        matcher(aws, settings_for(stack), watch=False) as m,
    ):
        await until_summary(aws, "ana", held=0)
        # Ana can Join again the same day, and waits.
        await send(aws, TicketRequested(ticket_id="t-after", user_id="ana"))
        await until_summary(aws, "ana", held=15, activeHoldId="t-after")

        async def waiting() -> bool:
            return await m.state("ana") == "waiting"

        await eventually(waiting)
        # A funding that turns up now finds the invite over: it never opens.
        invite = await m.item(tables.INVITES, inviteId="i-lost")
    assert invite is not None
    assert invite["status"] == "expired"
    hold = await store(aws, stack).hold("i-lost")
    assert hold is not None
    assert (hold.status, hold.charged) == ("released", 0)
    expired = [e for e in await _told(aws) if e.TYPE == "invite.expired"]
    # Told only to her: nobody else was ever asked.
    assert [(e.invite_id, e.from_user_id, e.to_user_id) for e in expired] == [
        ("i-lost", "ana", "ana")
    ]


async def test_an_invite_withdrawn_before_its_lost_funding_releases_the_hold(
    stack: Stack, aws: Aws
) -> None:
    async with running_ledger(stack):
        await send(aws, _invite("i-gone"))
        await until_summary(aws, "ana", held=15)
    assert await _lose_matcher_input(aws) == ["invite.funded"]
    async with matcher(aws, settings_for(stack), watch=False) as m:
        # Withdrawn: the matcher keeps a tombstone without an invitee, waiting for the funding.
        await send(aws, InviteCancelRequested(invite_id="i-gone", user_id="ana"))

        async def tombstone() -> bool:
            return await m.item(tables.INVITES, inviteId="i-gone") is not None

        await eventually(tombstone)
        async with running_ledger(stack, **FAST):
            await until_summary(aws, "ana", held=0)
    withdrawn = [e for e in await _told(aws) if e.TYPE == "invite.cancelled"]
    assert [(e.invite_id, e.reason) for e in withdrawn] == [("i-gone", "withdrawn")]


async def _answered(idle: Any) -> None:
    """The asks have crossed the bus (~15 ms here) and the matcher has handled them."""
    await asyncio.sleep(0.5)
    await eventually(idle)


@contextlib.asynccontextmanager
async def _ledger_at(
    stack: Stack, aws: Aws, clock: ShiftedClock, stale_s: float
) -> AsyncIterator[HoldReconciler]:
    """The ledger's inbox handlers and hold reconciler on `clock` (the service wired as
    `service.run` wires it, with the clock injected); the reconciler runs when the test says."""
    s = settings(stack)
    db = service.store(aws, s)
    keeper = Bookkeeper(db, service.rules(s), clock=clock.now)
    publish = publisher(aws, Service.LEDGER).publish_many
    consumer = await inbox_consumer(
        aws, Service.LEDGER, LedgerHandlers(keeper, publish).routes(), visibility_timeout_s=2
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        yield HoldReconciler(keeper, db, publish, stale_s, clock=clock.now)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


async def test_a_ticket_waiting_across_midnight_keeps_its_hold_and_pays_on_its_own_day(
    stack: Stack, aws: Aws
) -> None:
    real = datetime.now(UTC)
    midnight = datetime.combine(real.date() + timedelta(days=1), time(0), UTC)
    before: date = (midnight - timedelta(days=1)).date()
    clock = ShiftedClock((midnight - timedelta(seconds=30) - real).total_seconds())  # 23:59:30
    holds = store(aws, stack)

    async def status(hold_id: str) -> str | None:
        hold = await holds.hold(hold_id)
        return hold.status if hold else None

    async def matcher_idle() -> bool:
        return await queue_depth(aws, aws.topology.inbox(Service.MATCHER).name) == 0

    async with (
        _ledger_at(stack, aws, clock, stale_s=20) as reconciler,
        matcher(aws, settings_for(stack), clock=clock, watch=False) as m,
    ):
        await send(aws, TicketRequested(ticket_id="t-ana", user_id="ana"))

        async def ana_waits() -> bool:
            return await m.state("ana") == "waiting"

        await eventually(ana_waits)
        # 00:00:25: the day of her hold has been over longer than `hold_stale_s`, and her
        # ticket still waits. The hold is asked about, and stays.
        clock.advance(55)
        assert await reconciler.run_once() == 1
        assert await status("t-ana") == "held"
        await _answered(matcher_idle)
        assert await status("t-ana") == "held"
        # 00:00:40: Bo joins; the two are paired; they both connect.
        clock.advance(15)
        await send(aws, TicketRequested(ticket_id="t-bo", user_id="bo"))

        async def both_talking() -> bool:
            return {await status("t-ana"), await status("t-bo")} == {"in_session"}

        await eventually(both_talking)
        ticket = await m.item(tables.TICKETS, ticketId="t-ana")
        assert ticket is not None
        sid = str(ticket["sessionId"])
        await send(
            aws,
            *(
                MediaParticipantJoined(session_id=sid, user_id=u, occurred_at=clock.now())
                for u in ("ana", "bo")
            ),
        )

        async def connected() -> bool:
            item = await m.item(tables.SESSIONS, sessionId=sid)
            return item is not None and "connectedAt" in item

        await eventually(connected)
        # 00:01:10: both holds are stale now, the session is live: asked about, both stay.
        clock.advance(30)
        assert await reconciler.run_once() == 2
        assert {await status("t-ana"), await status("t-bo")} == {"in_session"}
        await _answered(matcher_idle)
        assert {await status("t-ana"), await status("t-bo")} == {"in_session"}
        assert await m.state("ana") == "in_session"
        # 00:02:10: Ana stops. Her minutes go on the day her hold was placed, Bo's on today.
        clock.advance(60)
        await send(
            aws, SessionStopRequested(session_id=sid, user_id="ana", occurred_at=clock.now())
        )

        async def settled() -> bool:
            return {await status("t-ana"), await status("t-bo")} == {"settled"}

        await eventually(settled)
        session = await m.item(tables.SESSIONS, sessionId=sid)
        assert session is not None
        talked = parse_iso(session["endedAt"]) - parse_iso(session["connectedAt"])
        minutes = -(-talked // timedelta(minutes=1))
        assert minutes == 2
        earlier, today = await book(aws, "ana", before), await book(aws, "ana", midnight.date())
        assert (earlier["charged"], earlier["held"]) == (minutes, 0)
        assert today.get("charged", 0) == today.get("held", 0) == 0
        assert (await book(aws, "bo", midnight.date()))["charged"] == minutes
        ana_entries = await holds.entries("ana", before)
        assert [(e.kind, e.charged) for e in ana_entries if e.kind == "settle"] == [
            ("settle", minutes)
        ]
        # The new day starts at the full daily points: her next Join holds all of them.
        await send(aws, TicketRequested(ticket_id="t-ana-2", user_id="ana"))

        async def funded_today() -> bool:
            return (await book(aws, "ana", midnight.date())).get("held") == 15

        await eventually(funded_today)
    assert (await book(aws, "ana", before))["charged"] == minutes
