"""An accept that was refused once can succeed later: each attempt is decided on its own.

The ledger and the matcher both run here, wired through the real bus; the test publishes what
the gateway would (the invite, presses of Join / Leave / Accept / Stop).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from services.runtime.aws import Aws
from services.wire.events.common import Profile, accept_hold_id
from services.wire.events.gateway import (
    InviteAcceptRequested,
    InviteRequested,
    SessionStopRequested,
    TicketCancelRequested,
    TicketRequested,
)
from services.wire.names import Service
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.ledger.helpers import running_ledger, send, store, summary, until_summary
from tests.integration.matcher.helpers import Inbox, matcher, settings_for


@contextlib.asynccontextmanager
async def watching(aws: Aws) -> AsyncIterator[Inbox]:
    stop = asyncio.Event()
    notifier = Inbox(aws, Service.NOTIFIER)
    task = asyncio.create_task(notifier.poll(stop))
    try:
        yield notifier
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


def press_accept(attempt: str) -> InviteAcceptRequested:
    return InviteAcceptRequested(invite_id="i1", user_id="bob", attempt_id=attempt)


async def test_an_accept_refused_while_busy_succeeds_on_the_next_press(
    stack: Stack, aws: Aws
) -> None:
    invite = InviteRequested(
        invite_id="i1", from_user_id="alice", to_user_id="bob", from_profile=Profile(name="Al")
    )
    async with (
        running_ledger(stack),
        matcher(aws, settings_for(stack), watch=False) as m,
        watching(aws) as notifier,
    ):
        await send(aws, invite)
        await notifier.wait_for("invite.opened", invite_id="i1")
        # Bob is in the queue for a moment: his first press is refused (one thing at a time).
        await send(aws, TicketRequested(ticket_id="t1", user_id="bob"))
        await notifier.wait_for("ticket.waiting", ticket_id="t1")
        await send(aws, press_accept("a1"))
        (refused,) = await notifier.wait_for("invite.accept_rejected", invite_id="i1")
        # He leaves the queue and presses Accept again: this attempt is funded and starts.
        await send(aws, TicketCancelRequested(ticket_id="t1", user_id="bob"))
        await until_summary(aws, "bob", held=0)
        await send(aws, press_accept("a2"))
        (started,) = await notifier.wait_for("session.started", timeout_s=20)
        await send(aws, SessionStopRequested(session_id=started.session_id, user_id="alice"))
        await notifier.wait_for("session.ended")
        # Nobody connected media here: the session is free, the hold is settled at 0.
        await until_summary(aws, "bob", held=0, activeHoldId=None)
        # A press that arrives late, after the invite was accepted, gets its points back.
        await send(aws, press_accept("a3"))
        ledger = store(aws, stack)
        a3 = None
        for _ in range(100):
            a3 = await ledger.hold(accept_hold_id("i1", "a3"))
            if a3 is not None and a3.status != "held":
                break
            await asyncio.sleep(0.1)
        sessions = await m.scan(tables.SESSIONS)

    assert (refused.reason, refused.attempt_id) == ("already_waiting", "a1")
    assert [(p.user_id, p.hold_id) for p in started.participants] == [
        ("alice", "i1"),
        ("bob", accept_hold_id("i1", "a2")),
    ]
    a1 = await ledger.hold(accept_hold_id("i1", "a1"))
    a2 = await ledger.hold(accept_hold_id("i1", "a2"))
    statuses = [(h.status, h.charged) if h else None for h in (a1, a2, a3)]
    assert statuses == [("rejected", 0), ("settled", 0), ("released", 0)]
    assert (await summary(aws, "bob")).get("held") == 0
    assert [s["sessionId"] for s in sessions] == [started.session_id]
    assert len(notifier.of("session.started")) == 1
