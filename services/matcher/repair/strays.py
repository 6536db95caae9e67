"""Nobody stays marked busy with nothing behind it: the `person_stray` repair.

A person's record says what they do (waiting with a ticket, inviting with an invite, in a
session) and moves in the same transactions as the ticket, invite or session. Still, a record
can outlive what it points at — an item deleted under it (erasure, TTL), a write that freed
the thing but not the person — and then every Join of theirs is cancelled `person_busy`.

One pass reads, from the people table's sparse `busy` index (`<state>#<shard>`), each busy
state's records older than that state can legitimately last without its thing being overdue (an
index read, never the free people), and frees those whose ticket / invite / session is over or
missing:
- waiting: older than the grace; most are answered by one read of the waiting set (a ticket in
  it still waits), the rest by reading their ticket;
- inviting: older than an invite's minute plus the grace;
- in a session: older than the longest session plus the grace.

A matched ticket or an accepted invite is over once its session is. The write that frees
someone is conditional on the state and the reference that were read, so a person who moved on
meanwhile, several instances and repeats are all safe; each freed person is logged and counted
(`Repairs{Repair=person_stray}`, runbook: "Repairs"). Nothing is announced: whatever closed the
ticket, invite or session told them already, and `GET /v1/me` now reads them free.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.matcher.clock import iso
from services.matcher.context import Matcher, component_log
from services.matcher.tables.items import busy, person_to
from services.matcher.tables.records import FINAL_TICKET, Person, PersonState
from services.runtime.dynamo import TransactionConflict, from_item, transact, values
from services.runtime.logs import repair
from services.runtime.shards import query_shards

log = component_log("strays")
BY_STATE = "busy"


async def repair_strays(m: Matcher) -> int:
    """One pass; returns how many people it freed."""
    now = m.now()
    freed = 0
    for state, after_s in _lasts(m).items():
        candidates = await _marked(m, state, now - timedelta(seconds=after_s))
        if state == "waiting" and candidates:
            # The waiting set holds exactly the tickets that wait: one read answers for most.
            waiting = {e.ticket_id for e in await m.waitlist.read()}
            candidates = [p for p in candidates if p.ticket_id not in waiting]
        for person in candidates:
            if not await _going(m, person):
                freed += await _free(m, person)
    return freed


def _lasts(m: Matcher) -> dict[PersonState, float]:
    """How long each busy state may last before the reconciler looks (seconds since entered)."""
    grace = m.settings.overdue_grace_s
    return {
        "waiting": grace,
        "inviting": m.settings.invite_timeout_s + grace,
        "in_session": m.settings.session_minutes * 60 + grace,
    }


async def _marked(m: Matcher, state: PersonState, before: datetime) -> list[Person]:
    """People in `state` since before `before`, from every shard of the state's key at once
    (the index lags a little: the write rechecks)."""
    items = await query_shards(
        m.store.db,
        busy(state),
        {
            "TableName": m.tables.people,
            "IndexName": BY_STATE,
            "KeyConditionExpression": "busyState = :shard AND updatedAt < :before",
            "ExpressionAttributeValues": values(before=iso(before)),
        },
    )
    people = []
    for item in items:
        d = from_item(item)
        people.append(Person.from_item(str(d["userId"]), d))
    return people


async def _going(m: Matcher, p: Person) -> bool:
    """Whether what the record points at is still going (strongly consistent reads)."""
    if p.state == "waiting" and p.ticket_id:
        ticket = await m.store.ticket(p.ticket_id)
        if ticket is not None and ticket.status == "matched":
            return await _live(m, ticket.session_id)
        return ticket is not None and ticket.status not in FINAL_TICKET
    if p.state == "inviting" and p.invite_id:
        invite = await m.store.invite(p.invite_id)
        if invite is not None and invite.status == "accepted":
            return await _live(m, invite.session_id)
        return invite is not None and invite.status == "pending"
    if p.state == "in_session":
        return await _live(m, p.session_id)
    return False  # busy without saying with what


async def _live(m: Matcher, session_id: str | None) -> bool:
    s = await m.store.session(session_id) if session_id else None
    return s is not None and s.status == "live"


async def _free(m: Matcher, p: Person) -> int:
    try:
        await transact(m.store.db, [person_to(m.tables, p, "free", m.now())])
    except TransactionConflict:
        return 0  # moved on since it was read (or another instance freed them)
    ref = p.ticket_id or p.invite_id or p.session_id
    repair("person_stray", user_id=p.user_id, state=p.state, ref=ref)
    log.warning("person.stray_freed", user_id=p.user_id, state=p.state, ref=ref)
    return 1
