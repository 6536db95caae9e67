"""A waiting ticket is never deleted by TTL while its owner waits.

Tickets and their waiting items carry a TTL (`expiresAt`, two days) so that finished ones are
cleaned up. A ticket that waits longer than that would vanish under its owner: Leave → 404,
Join → 409 for good. The reconciler moves the TTL of every ticket still waiting forward once
it is past half its life, on the ticket and all its waiting items (home and copies) at once
and only while the ticket still waits.
"""

from __future__ import annotations

from datetime import datetime

from services.matcher.clock import epoch
from services.matcher.context import Matcher, component_log
from services.matcher.tables.items import TICKET_TTL, Entry, update_entry
from services.matcher.tables.waitlist import Entrant
from services.runtime.dynamo import TransactionConflict, transact, values

log = component_log("ttl")


async def refresh_waiting(m: Matcher) -> int:
    """One pass over the waiting set; returns how many tickets' TTLs it moved."""
    now = m.now()
    due = epoch(now + TICKET_TTL / 2)
    moved = 0
    for e in await m.waitlist.read():
        if e.expires_at >= due:
            continue
        try:
            await transact(m.store.db, _refreshed(m, e, now))
        except TransactionConflict:
            continue  # matched or cancelled meanwhile: its TTL is its final state's now
        moved += 1
        log.info("ticket.ttl_refreshed", ticket_id=e.ticket_id, user_id=e.user_id)
    return moved


def _refreshed(m: Matcher, e: Entrant, now: datetime) -> list[Entry]:
    exp = epoch(now + TICKET_TTL)
    ticket = update_entry(
        m.tables.tickets,
        {"ticketId": e.ticket_id},
        "SET expiresAt = :e",
        "#status = :waiting",
        values(e=exp, waiting="waiting"),
        {"#status": "status"},
    )
    waiting = [
        update_entry(
            m.tables.waiting,
            {"shard": shard, "ticketId": e.ticket_id},
            "SET expiresAt = :e",
            "attribute_exists(ticketId)",
            values(e=exp),
        )
        for shard in e.where(m.waitlist.layout)  # home, copies
    ]
    return [ticket, *waiting]
