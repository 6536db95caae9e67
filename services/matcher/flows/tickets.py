"""Tickets: requested → funded → waiting → matched | cancelled | rejected.

`ticket.funded` arrives grouped by person: joins run side by side across people, tasks and
instances; the waiting set in DynamoDB and the pairing transaction keep them consistent.

A write is let go only when its own condition failed (the ticket was recorded before, or moved
on): a throttled one is retried, and raises if it never gets through — never swallowed.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from services.matcher.clock import from_epoch
from services.matcher.context import MAX_ATTEMPTS, Matcher, component_log
from services.matcher.core.waiting import LookingFor, Waiting
from services.matcher.flows.matching import Outcome, fresh_look, seek
from services.matcher.tables import outbox, waitlist
from services.matcher.tables.items import (
    person_to,
    ticket_final,
    ticket_looking_for,
    ticket_requested,
    ticket_waiting,
)
from services.matcher.tables.outbox import Action
from services.matcher.tables.records import FINAL_TICKET, Pairs, Person
from services.matcher.tables.waitlist import Entrant
from services.runtime.dynamo import TransactionConflict, is_condition_failure, to_item, transact
from services.runtime.dynamo import values as attr_values
from services.runtime.logs import metric
from services.runtime.retry import Contended
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
    try:
        await transact(m.store.db, [item])
    except TransactionConflict as exc:
        if not exc.failed(0):
            raise
        # Its condition failed: recorded before, or further along already.


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
    raise Contended(f"rejecting {event.ticket_id} kept conflicting")


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
            items += waitlist.delete(
                m.tables.waiting, m.waitlist.layout, event.ticket_id, ticket.speaks, ticket.learns
            )
            person = await m.store.person(event.user_id)
            if person.state == "waiting" and person.ticket_id == event.ticket_id:
                items.append(person_to(m.tables, person, "free", now))
        try:
            await m.commit(event.id, items, [cancelled(event.ticket_id, event.user_id)])
        except TransactionConflict:
            continue
        metric("TicketsCancelled", 1, ticket_id=event.ticket_id, before_funding=was is None)
        return
    raise Contended(f"cancelling {event.ticket_id} kept conflicting")


async def on_funded(m: Matcher, event: TicketFunded) -> None:
    """Read, write, read again: look for a partner among those waiting; if there is none,
    wait, then look once more. Of two compatible people joining at the same moment at least
    one sees the other in its second look (each wrote before it read), so nobody is left
    waiting beside a compatible partner, whatever instance handles whom.

    The first pass takes the usual for granted — the ticket is fresh and its person free (the
    ledger funds no one who is busy) — and lets the transaction's conditions check it, which
    saves two reads on the critical path; anything else reads them and decides.
    """
    optimistic = True
    for _ in range(MAX_ATTEMPTS):
        if optimistic:
            person = Person(event.user_id)
            pairs, snapshot = await asyncio.gather(
                m.store.pairs(event.user_id), fresh_look(m, event.speaks, event.learns)
            )
        else:
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
            if not person.free:
                await _refuse_busy(m, event, ticket.status if ticket else None)
                return
        optimistic = False
        now = m.now()
        w = Waiting(
            ticket_id=event.ticket_id,
            user_id=event.user_id,
            speaks=event.speaks,
            learns=event.learns,
            since=_since(pairs, now),
            minutes=event.minutes,
            pool=pool_key(event.speaks, event.learns),
            avoid=pairs.avoiding(now.timestamp()),
            met=frozenset(pairs.met_today(m.today(now))),
            partners=pairs.partners,
            levels=event.levels,
            welcomes_from=event.welcomes_from,
        )
        outcome = await seek(m, w, person, event.id, fresh=True, snapshot=snapshot)
        if outcome is Outcome.MATCHED:
            return
        if outcome is Outcome.CHANGED:
            continue
        waited = await _wait(m, w, person, event.id, now)
        if waited is None:
            continue
        if waited:
            waiting = Person(w.user_id, "waiting", ticket_id=w.ticket_id)
            await seek(m, w, waiting, None, fresh=False, attempts=2)
        return
    raise Contended(f"funding {event.ticket_id} kept conflicting")


def _since(pairs: Pairs, now: datetime) -> float:
    """Now, or earlier for someone whose partner just did not show up (front of the queue)."""
    at = now.timestamp()
    if pairs.front is not None and at < pairs.front[1]:
        return min(at, pairs.front[0])
    return at


async def _refuse_busy(m: Matcher, event: TicketFunded, was: str | None) -> None:
    """The ledger should have refused; still, one person is never in two places."""
    log.warning("ticket.person_busy", ticket_id=event.ticket_id)
    item = ticket_final(m.tables, event.ticket_id, event.user_id, was, "cancelled", m.now())
    with contextlib.suppress(TransactionConflict):  # moved on meanwhile: a redelivery decides
        await m.commit(event.id, [item], [cancelled(event.ticket_id, event.user_id)])


async def _look_again(m: Matcher, ticket_id: str, snapshot: list[Entrant]) -> Outcome:
    """Look for a partner for a ticket that already waits (a redelivery, a relax timer)."""
    me = next((e for e in snapshot if e.ticket_id == ticket_id), None)
    if me is None:
        return Outcome.CHANGED  # no longer waiting
    w = me.waiting(m.today(m.now()))
    person = Person(w.user_id, "waiting", ticket_id=w.ticket_id)
    return await seek(m, w, person, None, fresh=False, snapshot=snapshot, attempts=2)


async def _wait(m: Matcher, w: Waiting, person: Person, marker: str, now: datetime) -> bool | None:
    """Nobody for `w` now: into the waiting set, with the ticket and the person. True: it
    waits; False: this input was handled before; None: the ticket or person changed."""
    level = w.accepts(now.timestamp(), m.relax)
    items = [
        ticket_waiting(m.tables, w, level.looking_for, now),
        person_to(m.tables, person, "waiting", now, ticket_id=w.ticket_id),
        *waitlist.put(m.tables.waiting, m.waitlist.layout, w, m.today(now), now, level.looking_for),
    ]
    actions = [_waiting_event(w, level.looking_for)]
    try:
        if not await m.commit(marker, items, actions):
            return False
    except TransactionConflict:
        return None
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


async def on_relax_due(m: Matcher, timer: TicketRelaxDue) -> None:
    """Relax timers are no longer armed (the pairing sweep widens searches and says so); one
    armed by an older version still gets a look for its ticket."""
    ticket, snapshot = await asyncio.gather(m.store.ticket(timer.ticket_id), m.waitlist.read())
    if ticket is not None and ticket.status == "waiting":
        await _look_again(m, timer.ticket_id, snapshot)


async def announce_wider(m: Matcher, e: Entrant, looking_for: LookingFor) -> None:
    """Someone's search widened with time: record it and tell them (once per level, however
    many instances notice)."""
    # Every instance's sweep notices at the same moment: one cheap conditional write decides
    # which of them announces, so the others cost no transaction.
    if not await m.waitlist.claim_level(e, looking_for):
        return
    now = m.now()
    items = [ticket_looking_for(m.tables, e.ticket_id, looking_for, now)]
    w = e.waiting(m.today(now))
    marker = derive_id("ticket.widened", e.ticket_id, looking_for)
    try:
        await m.commit(marker, items, [_waiting_event(w, looking_for)])
    except TransactionConflict as exc:
        if exc.failed(0):
            return  # it stopped waiting meanwhile
        await _unclaim(m, e, looking_for)
        raise
    except Exception:
        await _unclaim(m, e, looking_for)
        raise


async def _unclaim(m: Matcher, e: Entrant, looking_for: LookingFor) -> None:
    """Give back a claimed level whose announcement did not get written, so the next sweep
    announces it (a claimed level is one no sweep announces again)."""
    try:
        await m.store.db.update_item(
            TableName=m.waitlist.table,
            Key=to_item({"shard": e.where(m.waitlist.layout)[0], "ticketId": e.ticket_id}),
            UpdateExpression="SET lookingFor = :was",
            ConditionExpression="lookingFor = :lf",
            ExpressionAttributeValues=attr_values(was=e.looking_for, lf=looking_for),
        )
    except Exception as exc:
        if not is_condition_failure(exc):  # else: it no longer waits, or moved on
            log.exception("ticket.unclaim_failed", ticket_id=e.ticket_id)
