"""A ticket whose answer from the ledger never came is closed, not left "looking" for good.

`ticket.requested` goes to both the ledger and the matcher; the ledger answers with
`ticket.funded` or `ticket.rejected`. If that answer is lost (dead-lettered, a queue purged),
the matcher's ticket stays `requested`, the gateway shows it as the person's open ticket, and
no other healer sees it: a refusal leaves no hold for the ledger's stale-hold check to ask
about. The reconciler reads the tickets still `requested` after `requested_stale_s` from a
small sparse index and closes each as cancelled (`unanswered`), publishing
`ticket.cancelled`: the person is told, and the ledger releases a hold if it did place one.
A funding that arrives after that finds the ticket over and is released the same way.
Counted as a repair (`ticket_unanswered`, runbook: "Repairs").
"""

from __future__ import annotations

from datetime import timedelta

from services.matcher.clock import iso
from services.matcher.context import Matcher, component_log
from services.matcher.flows.tickets import cancelled
from services.matcher.tables.items import REQUESTED, ticket_final
from services.runtime.dynamo import TransactionConflict, from_item, values
from services.runtime.logs import repair
from services.runtime.shards import query_shards
from services.wire.events.base import derive_id

log = component_log("stale_requests")


async def close_unanswered(m: Matcher) -> int:
    """One pass; returns how many tickets it closed."""
    cutoff = iso(m.now() - timedelta(seconds=m.settings.requested_stale_s))
    items = await query_shards(
        m.store.db,
        REQUESTED,
        {
            "TableName": m.tables.tickets,
            "IndexName": "requested",
            "KeyConditionExpression": "requestedShard = :shard AND createdAt < :cutoff",
            "ExpressionAttributeValues": values(cutoff=cutoff),
        },
    )
    closed = 0
    for item in items:
        if await _close(m, str(from_item(item)["ticketId"])):
            closed += 1
    return closed


async def _close(m: Matcher, ticket_id: str) -> bool:
    ticket = await m.store.ticket(ticket_id)
    if ticket is None or ticket.status != "requested":
        return False  # answered meanwhile (the index lags a little behind the table)
    now = m.now()
    item = ticket_final(
        m.tables, ticket_id, ticket.user_id, "requested", "cancelled", now, reason="unanswered"
    )
    try:
        done = await m.commit(
            derive_id("reconcile.ticket_unanswered", ticket_id),
            [item],
            [cancelled(ticket_id, ticket.user_id)],
        )
    except TransactionConflict:
        return False  # funded or refused just now
    if done:
        repair("ticket_unanswered", ticket_id=ticket_id, user_id=ticket.user_id)
        log.warning("ticket.unanswered_closed", ticket_id=ticket_id, user_id=ticket.user_id)
    return bool(done)
