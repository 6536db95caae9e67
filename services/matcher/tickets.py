"""Tickets: requested → funded → waiting → matched | cancelled | rejected.

`ticket.funded` arrives grouped by person: joins run side by side across people, tasks and
instances; the waiting set in DynamoDB and the pairing transaction keep them consistent.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from services.matcher import outbox, waitlist
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
from services.matcher.records import FINAL_TICKET, Person
from services.matcher.waiting import LookingFor, Waiting
from services.matcher.waitlist import Entrant
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
            items.append(waitlist.delete(m.tables.waiting, event.ticket_id))
            person = await m.store.person(event.user_id)
            if person.state == "waiting" and person.ticket_id == event.ticket_id:
                items.append(person_to(m.tables, person, "free", now))
        try:
            await m.commit(event.id, items, [cancelled(event.ticket_id, event.user_id)])
        except TransactionConflict:
            continue
        metric("TicketsCancelled", 1, ticket_id=event.ticket_id, before_funding=was is None)
        return
    raise RuntimeError(f"cancelling {event.ticket_id} kept conflicting")


async def on_funded(m: Matcher, event: TicketFunded) -> None:
    """Read, write, read again: look for a partner among those waiting; if there is none,
    wait, then look once more. Of two compatible people joining at the same moment at least
    one sees the other in its second look (each wrote before it read), so nobody is left
    waiting beside a compatible partner, whatever instance handles whom."""
    for _ in range(MAX_ATTEMPTS):
        ticket, person, pairs, snapshot = await asyncio.gather(
            m.store.ticket(event.ticket_id),
            m.store.person(event.user_id),
            m.store.pairs(event.user_id),
            m.waitlist.read(),
        )
        if ticket is not None and ticket.status != "requested":
            await m.flush_for(event.id)
            if ticket.status == "waiting":
                # Handled before, up to the wait: the second look may not have happened.
                await _look_again(m, event.ticket_id, snapshot)
            return  # cancelled before funding, or handled before
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
            avoid=pairs.blocked,
            met=frozenset(pairs.met_today(m.today(now))),
        )
        outcome = await seek(m, w, person, event.id, fresh=True, snapshot=snapshot)
        if outcome is Outcome.MATCHED:
            return
        if outcome is Outcome.CHANGED:
            continue
        if not await _wait(m, w, person, event.id, now):
            continue
        waiting = Person(w.user_id, "waiting", ticket_id=w.ticket_id)
        await seek(m, w, waiting, None, fresh=False, attempts=2)
        return
    raise RuntimeError(f"funding {event.ticket_id} kept conflicting")


async def _look_again(m: Matcher, ticket_id: str, snapshot: list[Entrant]) -> Outcome:
    """Look for a partner for a ticket that already waits (a redelivery, a relax timer)."""
    me = next((e for e in snapshot if e.ticket_id == ticket_id), None)
    if me is None:
        return Outcome.CHANGED  # no longer waiting
    w = me.waiting(m.today(m.now()))
    person = Person(w.user_id, "waiting", ticket_id=w.ticket_id)
    return await seek(m, w, person, None, fresh=False, snapshot=snapshot, attempts=2)


async def _wait(m: Matcher, w: Waiting, person: Person, marker: str, now: datetime) -> bool:
    """Nobody for `w` now: into the waiting set, with the ticket and the person."""
    level = w.accepts(now.timestamp(), m.relax)
    items = [
        ticket_waiting(m.tables, w, level.looking_for, now),
        person_to(m.tables, person, "waiting", now, ticket_id=w.ticket_id),
        waitlist.put(m.tables.waiting, w, m.today(now), now),
    ]
    actions = [_waiting_event(w, level.looking_for), *_relax_timer(m, w, now)]
    try:
        await m.commit(marker, items, actions)
    except TransactionConflict:
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
    for at, level in w.relax_steps(m.relax):
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


async def on_relax_due(m: Matcher, timer: TicketRelaxDue) -> None:
    """Look again with wider criteria; tell the person what we now look for."""
    ticket, snapshot = await asyncio.gather(m.store.ticket(timer.ticket_id), m.waitlist.read())
    if ticket is None or ticket.status != "waiting":
        return
    if await _look_again(m, timer.ticket_id, snapshot) is not Outcome.NOBODY:
        return
    me = next(e for e in snapshot if e.ticket_id == timer.ticket_id)
    w = me.waiting(m.today(m.now()))
    now = m.now()
    looking_for = w.accepts(now.timestamp(), m.relax).looking_for
    items, actions = [], _relax_timer(m, w, now)
    if looking_for != ticket.looking_for:
        items.append(ticket_looking_for(m.tables, w.ticket_id, looking_for, now))
        actions.insert(0, _waiting_event(w, looking_for))
    if not items and not actions:
        return
    with contextlib.suppress(TransactionConflict):  # it stopped waiting meanwhile
        await m.commit(timer.id, items, actions)
