"""Committing a pairing: both tickets, both people, the session, the history rows and today's
meeting in ONE conditional transaction. Two matchers, or one message delivered twice, can
never put a person in two sessions: the loser's conditions fail and it looks again.

The pools in memory are a cache of the `waiting` index; the transaction is the judge. A
condition that fails on the partner teaches the cache (the partner is gone, or the pair is
blocked, or they already talked today) and the search goes on.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from services.matcher.context import MAX_ATTEMPTS, Matcher, component_log
from services.matcher.items import Entry, person_to, ticket_matched
from services.matcher.records import Person
from services.matcher.rules import plan_match
from services.matcher.sessions import start_actions, start_entries, started_metrics
from services.matcher.waiting import Waiting
from services.runtime.dynamo import TransactionConflict, values
from services.runtime.logs import metric

log = component_log("matching")

# Indexes of the entries in the pairing transaction, in the order `seek` lists them.
_MINE = (0, 1)
_PARTNER = (2, 3)
_PAIR_ROWS = (7, 8)


class Outcome(Enum):
    MATCHED = "matched"  # a session started (or this input had already started one)
    NOBODY = "nobody"  # no partner now: the ticket should wait
    CHANGED = "changed"  # the ticket itself changed under us: read it again


async def seek(m: Matcher, w: Waiting, me: Person, marker: str, *, fresh: bool) -> Outcome:
    """Find `w` a partner and commit the session. `fresh`: the ticket was just funded (not
    yet waiting). `me` is `w`'s person as read. On NOBODY, `w` is not in the pools."""
    for _ in range(MAX_ATTEMPTS):
        now = m.now()
        pairing = m.pools.find(w, now.timestamp())
        if pairing is None:
            return Outcome.NOBODY
        partner = pairing.second if pairing.first is w else pairing.first
        plan = plan_match(pairing, now, m.settings.session_minutes, m.media_mode)
        rematch = partner.user_id in w.met or w.user_id in partner.met
        partner_person = Person(partner.user_id, "waiting", ticket_id=partner.ticket_id)
        items = [
            ticket_matched(m.tables, w, plan.session_id, now, fresh=fresh),
            person_to(m.tables, me, "in_session", now, session_id=plan.session_id),
            ticket_matched(m.tables, partner, plan.session_id, now, fresh=False),
            _partner_to_session(m, partner_person, plan.session_id, now),
            *start_entries(m, plan, now, rematch=rematch),
        ]
        try:
            done = await m.commit(marker, items, start_actions(plan))
        except TransactionConflict as exc:
            metric("PairingConflicts", 1, ticket_id=w.ticket_id, partner=partner.ticket_id)
            if any(exc.failed(i) for i in _MINE):
                m.pools.add(partner)
                return Outcome.CHANGED
            if any(exc.failed(i) for i in _PAIR_ROWS):
                await _learn_pair(m, w, partner)
            if not any(exc.failed(i) for i in _PARTNER):
                m.pools.add(partner)  # still waiting; only the pair was wrong
            continue
        if not done:
            m.pools.add(partner)  # this input was handled before; the partner is not ours
            return Outcome.MATCHED
        m.pools.met(w.user_id, partner.user_id)
        waited = now.timestamp() - pairing.first.since
        started_metrics(plan, waited)
        log.info(
            "match.made",
            session_id=plan.session_id,
            level=pairing.level.looking_for,
            user_ids=[p.user_id for p in plan.participants],
            waited_s=round(waited, 3),
        )
        return Outcome.MATCHED
    raise RuntimeError(f"pairing {w.ticket_id} kept conflicting")


def _partner_to_session(m: Matcher, was: Person, session_id: str, now: datetime) -> Entry:
    """The partner may still be on its way into the pool (free, its ticket `requested`)."""
    entry = person_to(m.tables, was, "in_session", now, session_id=session_id)
    update = entry["Update"]
    update["ConditionExpression"] = (
        "attribute_not_exists(userId) OR #state = :free OR (#state = :was AND ticketId = :ref)"
    )
    update["ExpressionAttributeValues"] |= values(free="free")
    return entry


async def _learn_pair(m: Matcher, w: Waiting, partner: Waiting) -> None:
    row = await m.store.pair(w.user_id, partner.user_id)
    other = await m.store.pair(partner.user_id, w.user_id)
    today = m.today(m.now())
    if row.get("blocked") or other.get("blocked"):
        w.avoid_user(partner.user_id)
        partner.avoid_user(w.user_id)
    if row.get("metDay") == today or other.get("metDay") == today:
        w.met_user(partner.user_id)
        partner.met_user(w.user_id)
