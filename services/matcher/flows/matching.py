"""Committing a pairing: both tickets, both people, the waiting items, the session, the history
rows and today's meeting in ONE conditional transaction. Any number of matcher instances, or
one message delivered twice, can never put a person in two sessions: the loser's conditions
fail and it looks again.

Who is waiting is read from the waiting set (`waitlist`, strongly consistent) for every look:
the oldest page of each partition the ticket may take a partner from (`Waitlist.look`), so a
look costs the same however many wait; the pairing core (`pairing.Pools`) scores that
snapshot. Two instances looking at once read the same pages and may plan the same pair, or
pairs sharing a ticket: one transaction wins, the other's conditions fail and it looks again.
A condition that fails on the pair rows (a block, or a meeting today) is taught to both
waiting items so no look proposes the pair again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum

from services.matcher.context import Matcher, component_log
from services.matcher.core.pairing import Pairing, Pools
from services.matcher.core.rules import plan_match
from services.matcher.core.waiting import Waiting, base_level
from services.matcher.flows.sessions import start_actions, start_entries, started_metrics
from services.matcher.tables import waitlist
from services.matcher.tables.items import person_to, ticket_matched
from services.matcher.tables.records import Person
from services.matcher.tables.waitlist import Entrant
from services.runtime.dynamo import TransactionConflict
from services.runtime.logs import metric
from services.wire.events.base import derive_id

log = component_log("matching")

# Indexes of the entries in the pairing transaction, in the order `_commit` lists them.
_MINE = (0, 1)
_PARTNER = (2, 3)
_PAIR_ROWS = (7, 8)


class Outcome(Enum):
    MATCHED = "matched"  # a session started (or this input had already started one)
    NOBODY = "nobody"  # no partner now
    CHANGED = "changed"  # the ticket itself changed under us: read it again


async def look(m: Matcher, w: Waiting, now: datetime) -> list[Entrant]:
    """The waiting tickets `w` may find a partner among now (one page per partition)."""
    at = now.timestamp()
    return await m.waitlist.look(w.speaks, w.learns, w.accepts(at, m.relax), at, m.relax)


async def fresh_look(m: Matcher, speaks: tuple[str, ...], learns: tuple[str, ...]) -> list[Entrant]:
    """`look` for a ticket just funded, before it is built (read side by side with its
    person's pair rows): it accepts what a ticket waiting since now accepts. One that starts
    older (first in line after a no-show) and already accepts more finds the rest through
    the sweep."""
    at = m.now().timestamp()
    accepts = max(base_level(speaks, learns), m.relax.level(0.0))
    return await m.waitlist.look(speaks, learns, accepts, at, m.relax)


def pools_of(m: Matcher, snapshot: Sequence[Entrant], now: datetime) -> Pools:
    """The pairing core loaded with a snapshot of the waiting set."""
    today = m.today(now)
    pools = Pools(m.relax)
    for e in snapshot:
        pools.add(e.waiting(today))
    return pools


async def seek(
    m: Matcher,
    w: Waiting,
    me: Person,
    marker: str | None,
    *,
    fresh: bool,
    snapshot: Sequence[Entrant] | None = None,
    attempts: int = 1,
) -> Outcome:
    """Plan a round over those waiting where `w`'s partners are (`look`), `w` among them, and
    commit the pair that holds `w`, if there is one.

    `fresh`: the ticket was just funded and is not in the waiting set. `me` is `w`'s person
    as read. `marker`: the input's id, or None to key the commit by the pair itself (two
    instances planning the same pair then commit it once). `snapshot`: a read of the waiting
    set taken after `w` was funded (`look`, `fresh_look`, or the whole set), if the caller
    has one. A pair lost to someone else is
    planned again from a new read, `attempts` times in all; after that NOBODY: `w` is left
    to wait (the sweep comes by).
    """
    for _ in range(attempts):
        if snapshot is None:
            snapshot = await look(m, w, m.now())
        now = m.now()
        pools = pools_of(m, [e for e in snapshot if e.user_id != w.user_id], now)
        snapshot = None
        pools.add(w)
        mine = (p for p in pools.round(now.timestamp()) if w in (p.first, p.second))
        pairing = next(mine, None)
        if pairing is None:
            return Outcome.NOBODY
        outcome = await commit_pairing(m, pairing, w, me, marker, fresh=fresh, now=now)
        if outcome is not None:
            return outcome
    return Outcome.NOBODY


async def commit_pairing(
    m: Matcher,
    pairing: Pairing,
    w: Waiting,
    me: Person,
    marker: str | None,
    *,
    fresh: bool,
    now: datetime,
) -> Outcome | None:
    """Start the session `pairing` proposes for `w`; None: look again."""
    partner = pairing.second if pairing.first is w else pairing.first
    plan = plan_match(pairing, now, m.settings.session_minutes, m.media_mode)
    rematch = partner.user_id in w.met or w.user_id in partner.met
    partner_person = Person(partner.user_id, "waiting", ticket_id=partner.ticket_id)
    items = [
        ticket_matched(m.tables, w, plan.session_id, now, fresh=fresh),
        person_to(m.tables, me, "in_session", now, session_id=plan.session_id),
        ticket_matched(m.tables, partner, plan.session_id, now, fresh=False),
        person_to(m.tables, partner_person, "in_session", now, session_id=plan.session_id),
        *start_entries(m, plan, now, rematch=rematch),
        *waitlist.delete(
            m.tables.waiting, m.waitlist.layout, partner.ticket_id, partner.speaks, partner.learns
        ),
    ]
    if not fresh:
        items += waitlist.delete(
            m.tables.waiting, m.waitlist.layout, w.ticket_id, w.speaks, w.learns
        )
    try:
        done = await m.commit(marker or pair_marker(plan.session_id), items, start_actions(plan))
    except TransactionConflict as exc:
        metric("PairingConflicts", 1, ticket_id=w.ticket_id, partner=partner.ticket_id)
        if any(exc.failed(i) for i in _MINE):
            return Outcome.CHANGED
        if any(exc.failed(i) for i in _PAIR_ROWS):
            await _learn_pair(m, w, partner, fresh=fresh)
        return None
    if done:
        waited = now.timestamp() - pairing.first.since
        started_metrics(plan, waited)
        metric("MatchesMade", 1, level=pairing.level.looking_for)
        log.info(
            "match.made",
            session_id=plan.session_id,
            level=pairing.level.label,  # tandem_fit, peers, tandem, one_sided, anyone
            user_ids=[p.user_id for p in plan.participants],
            waited_s=round(waited, 3),
        )
    return Outcome.MATCHED


def pair_marker(session_id: str) -> str:
    return derive_id("pair", session_id)


async def _learn_pair(m: Matcher, w: Waiting, partner: Waiting, *, fresh: bool) -> None:
    row = await m.store.pair(w.user_id, partner.user_id)
    other = await m.store.pair(partner.user_id, w.user_id)
    today = m.today(m.now())
    blocked = bool(row.get("blocked") or other.get("blocked"))
    met = row.get("metDay") == today or other.get("metDay") == today
    if blocked:
        w.avoid_user(partner.user_id)
    if met:
        w.met_user(partner.user_id)
    learned = [(partner.ticket_id, w.user_id)] + ([] if fresh else [(w.ticket_id, partner.user_id)])
    for ticket_id, other_user in learned:
        await m.waitlist.learn(
            ticket_id,
            avoid=other_user if blocked else None,
            met=other_user if met else None,
            day=today,
        )
