"""Join and leave the matching queue: `ticket.requested` / `ticket.cancel_requested`.

The answer comes later as pushed messages (`ticket.waiting`, `ticket.rejected`,
`session.started`, `ticket.cancelled`); the 202 carries the ticket id they will name. The
matcher-people pre-check only spares an obvious round trip: the ledger stays authoritative.
"""

from __future__ import annotations

import asyncio

from services.gateway.http.problems import Problem
from services.gateway.http.spec import Call, Operation
from services.gateway.models import JoinQueueIn, TicketRef
from services.gateway.people.profiles import Profiles
from services.gateway.people.views import (
    iso,
    languages,
    levels,
    open_ticket,
    state_of,
    welcomes_from,
)
from services.wire.events import derive_id, new_id
from services.wire.events.gateway import TicketCancelRequested, TicketRequested


async def join_queue(call: Call) -> TicketRef:
    uid, profiles = call.me.user_id, Profiles(call.ctx.aws)
    profile, person = await asyncio.gather(
        profiles.ensure(call.me, iso(call.now)), call.ctx.reads.person(uid)
    )
    state = state_of(person)
    if state == "waiting":
        raise Problem(409, "already-waiting", "you are already waiting for a partner")
    if state == "in_session":
        raise Problem(409, "in-session", "you are already in a conversation")
    ticket_id = new_id()
    await call.ctx.publisher.publish(
        TicketRequested(
            id=derive_id("ticket.requested", ticket_id),
            ticket_id=ticket_id,
            user_id=uid,
            speaks=languages(profile, "speaks"),
            learns=languages(profile, "learns"),
            levels=levels(profile),
            welcomes_from=welcomes_from(profile),
        )
    )
    await profiles.remember(uid, "Ticket", ticket_id, iso(call.now))
    return TicketRef(ticket_id=ticket_id)


async def leave_queue(call: Call) -> TicketRef:
    uid = call.me.user_id
    tickets, profile = await asyncio.gather(
        call.ctx.reads.recent_tickets(uid), Profiles(call.ctx.aws).get(uid)
    )
    ticket = open_ticket(tickets, profile, call.now)
    if ticket is None:
        raise Problem(404, "no-ticket", "you are not waiting for a partner")
    await call.ctx.publisher.publish(
        TicketCancelRequested(
            id=derive_id("ticket.cancel_requested", ticket.ticket_id),
            ticket_id=ticket.ticket_id,
            user_id=uid,
        )
    )
    return TicketRef(ticket_id=ticket.ticket_id)


OPERATIONS = (
    Operation(
        "POST",
        "/v1/queue",
        "Join the matching queue",
        "queue",
        "joinQueue",
        handler=join_queue,
        body=JoinQueueIn,
        reply=TicketRef,
        status=202,
        rule="queue",
        problems=((409, "already-waiting"), (409, "in-session")),
        description="Publishes `ticket.requested` with my languages and levels; the outcome "
        "is pushed.",
    ),
    Operation(
        "DELETE",
        "/v1/queue",
        "Leave the matching queue",
        "queue",
        "leaveQueue",
        handler=leave_queue,
        reply=TicketRef,
        status=202,
        rule="queue",
        problems=((404, "no-ticket"),),
        description="Publishes `ticket.cancel_requested`; `ticket.cancelled` is pushed.",
    ),
)
