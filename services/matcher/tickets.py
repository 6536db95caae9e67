"""Tickets: requested → funded → waiting → matched | cancelled | rejected.

`ticket.funded` arrives grouped by pool, so one pool's joins are handled one at a time
across all matcher instances while different pools run side by side.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from services.matcher import outbox
from services.matcher.clock import from_epoch
from services.matcher.context import MAX_ATTEMPTS, Matcher, component_log
from services.matcher.items import (
    person_to,
    ticket_final,
    ticket_looking_for,
    ticket_requested,
    ticket_waiting,
)
from services.matcher.matching import Outcome, seek
from services.matcher.outbox import Action
from services.matcher.records import FINAL_TICKET, Person, Ticket
from services.matcher.waiting import LookingFor, Waiting
from services.runtime.dynamo import TransactionConflict, transact
from services.runtime.logs import metric
from services.wire.events.base import derive_id
from services.wire.events.common import pool_key
from services.wire.events.gateway import TicketCancelRequested, TicketRequested
from services.wire.events.ledger import TicketFunded, TicketRejected
from services.wire.events.matcher import TicketCancelled, TicketWaiting
from services.wire.events.timers import TicketRelaxDue

log = component_log("tickets")


async def on_requested(m: Matcher, event: TicketRequested) -> None:
    """Record the ticket; a later (or earlier) funding or cancel moves it on."""
    item = ticket_requested(
        m.tables,
        event.ticket_id,
        event.user_id,
        event.speaks,
        event.learns,
        pool_key(event.speaks, event.learns),
        m.now(),
    )
    with contextlib.suppress(TransactionConflict):  # recorded before, or further along
        await transact(m.store.db, [item])


async def on_rejected(m: Matcher, event: TicketRejected) -> None:
    """The ledger would not fund it: the ticket is over before it began."""
    for _ in range(MAX_ATTEMPTS):
        ticket = await m.store.ticket(event.ticket_id)
        if ticket is not None and ticket.status != "requested":
            return
        was = ticket.status if ticket else None
        entry = ticket_final(
            m.tables, event.ticket_id, event.user_id, was, "rejected", m.now(), event.reason
        )
        try:
            await transact(m.store.db, [entry])
        except TransactionConflict:
            continue
        return


def cancelled(ticket_id: str, user_id: str) -> Action:
    # One id per ticket: however many inputs lead here, the ledger releases once.
    event = TicketCancelled(
        id=derive_id("ticket.cancelled", ticket_id), ticket_id=ticket_id, user_id=user_id
    )
    return outbox.publish(event)


async def on_cancel_requested(m: Matcher, event: TicketCancelRequested) -> None:
    for _ in range(MAX_ATTEMPTS):
        ticket = await m.store.ticket(event.ticket_id)
        if ticket is not None and ticket.user_id and ticket.user_id != event.user_id:
            log.warning("ticket.cancel_not_owner", ticket_id=event.ticket_id)
            return
        if ticket is not None and ticket.status in FINAL_TICKET:
            await m.flush_for(event.id)
            return
        now = m.now()
        was = ticket.status if ticket else None
        items = [ticket_final(m.tables, event.ticket_id, event.user_id, was, "cancelled", now)]
        if ticket is not None and ticket.status == "waiting":
            person = await m.store.person(event.user_id)
            if person.state == "waiting" and person.ticket_id == event.ticket_id:
                items.append(person_to(m.tables, person, "free", now))
        try:
            await m.commit(event.id, items, [cancelled(event.ticket_id, event.user_id)])
        except TransactionConflict:
            continue
        m.pools.discard(event.ticket_id)
        metric("TicketsCancelled", 1, ticket_id=event.ticket_id, before_funding=was is None)
        return
    raise RuntimeError(f"cancelling {event.ticket_id} kept conflicting")


async def on_funded(m: Matcher, event: TicketFunded) -> None:
    for _ in range(MAX_ATTEMPTS):
        ticket = await m.store.ticket(event.ticket_id)
        if ticket is not None and ticket.status != "requested":
            if ticket.status == "waiting" and event.ticket_id not in m.pools:
                await _adopt(m, ticket)
            await m.flush_for(event.id)
            return  # cancelled before funding, or handled before
        person = await m.store.person(event.user_id)
        now = m.now()
        if not person.free:
            # The ledger should have refused; still, one person is never in two places.
            log.warning("ticket.person_busy", ticket_id=event.ticket_id, state=person.state)
            was = ticket.status if ticket else None
            item = ticket_final(m.tables, event.ticket_id, event.user_id, was, "cancelled", now)
            try:
                await m.commit(event.id, [item], [cancelled(event.ticket_id, event.user_id)])
            except TransactionConflict:
                continue
            return
        w = Waiting(
            ticket_id=event.ticket_id,
            user_id=event.user_id,
            speaks=event.speaks,
            learns=event.learns,
            since=now.timestamp(),
            minutes=event.minutes,
            pool=pool_key(event.speaks, event.learns),
        )
        await _learn_pairs(m, w, now)
        outcome = await seek(m, w, person, event.id, fresh=True)
        if outcome is Outcome.MATCHED:
            return
        if outcome is Outcome.CHANGED:
            continue
        if await _wait(m, w, person, event.id, now):
            return
    raise RuntimeError(f"funding {event.ticket_id} kept conflicting")


async def _wait(m: Matcher, w: Waiting, person: Person, marker: str, now: datetime) -> bool:
    """Nobody for `w` now: into the pool. It joins the in-memory pool before the commit so a
    concurrent join can already pair with it (that commit accepts a ticket still `requested`,
    and this one then fails and finds the ticket matched)."""
    level = w.accepts(now.timestamp(), m.pools.relax)
    items = [
        ticket_waiting(m.tables, w, level.looking_for, now),
        person_to(m.tables, person, "waiting", now, ticket_id=w.ticket_id),
    ]
    actions = [_waiting_event(w, level.looking_for), *_relax_timer(m, w, now)]
    m.pools.add(w)
    try:
        await m.commit(marker, items, actions)
    except TransactionConflict:
        m.pools.discard(w.ticket_id)
        return False
    metric("TicketsWaiting", 1, ticket_id=w.ticket_id, pool=w.pool)
    return True


def _waiting_event(w: Waiting, looking_for: LookingFor) -> Action:
    event = TicketWaiting(
        id=derive_id("ticket.waiting", w.ticket_id, looking_for),
        ticket_id=w.ticket_id,
        user_id=w.user_id,
        looking_for=looking_for,
        waiting_since=from_epoch(w.since),
    )
    return outbox.publish(event)


def _relax_timer(m: Matcher, w: Waiting, now: datetime) -> list[Action]:
    """The next moment `w`'s search widens, if it still can."""
    for at, level in w.relax_steps(m.pools.relax):
        if at > now.timestamp():
            due = from_epoch(at)
            timer = TicketRelaxDue(
                id=derive_id("timer.ticket_relax", w.ticket_id, level.looking_for),
                ticket_id=w.ticket_id,
                pool=w.pool,
                due_at=due,
            )
            return [outbox.timer(timer, due)]
    return []


async def _learn_pairs(m: Matcher, w: Waiting, now: datetime) -> None:
    pairs = await m.store.pairs(w.user_id)
    w.avoid |= pairs.blocked
    w.met |= pairs.met_today(m.today(now))


async def _adopt(m: Matcher, ticket: Ticket) -> Waiting:
    """A waiting ticket this instance did not know (placed by another, or before a restart)."""
    w = ticket.waiting()
    await _learn_pairs(m, w, m.now())
    m.pools.add(w)
    return w


async def on_relax_due(m: Matcher, timer: TicketRelaxDue) -> None:
    """Look again with wider criteria; tell the person what we now look for."""
    ticket = await m.store.ticket(timer.ticket_id)
    if ticket is None or ticket.status != "waiting":
        m.pools.discard(timer.ticket_id)
        return
    w = m.pools.get(timer.ticket_id) or await _adopt(m, ticket)
    person = Person(ticket.user_id, "waiting", ticket_id=ticket.ticket_id)
    outcome = await seek(m, w, person, timer.id, fresh=False)
    if outcome is not Outcome.NOBODY:
        return
    m.pools.add(w)
    now = m.now()
    looking_for = w.accepts(now.timestamp(), m.pools.relax).looking_for
    items, actions = [], _relax_timer(m, w, now)
    if looking_for != ticket.looking_for:
        items.append(ticket_looking_for(m.tables, w.ticket_id, looking_for, now))
        actions.insert(0, _waiting_event(w, looking_for))
    if not items and not actions:
        return
    try:
        await m.commit(timer.id, items, actions)
    except TransactionConflict:
        m.pools.discard(w.ticket_id)  # it stopped waiting meanwhile
