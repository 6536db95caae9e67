"""The pairing sweep: every `pool_sweep_s`, the instance holding the sweep lease
(`sweep_lease`) pairs whoever is left waiting and tells those whose search widened with time
(tandem → one-sided → anyone).

The join path pairs almost everyone at once (`tickets.on_funded`). What it cannot see comes
here: people whose criteria widened with time, a ticket whose instance died between its wait
and its second look, the tickets of a rolling deploy. Only tickets older than one sweep take a
turn, so the sweep does not race the join path; instances sweeping at once plan the same
round (`Pools.round`) and a pair two of them commit is committed once (its marker is derived
from the pair).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from datetime import datetime

from services.matcher.context import Matcher, component_log
from services.matcher.core.pairing import Pairing
from services.matcher.flows.matching import Outcome, commit_pairing, pools_of
from services.matcher.flows.tickets import announce_wider
from services.matcher.repair.sweep_lease import lease_of
from services.matcher.tables.records import Person
from services.matcher.tables.waitlist import Entrant
from services.runtime.logs import metric, repair

log = component_log("leftovers")


PASSES = 3  # a pass that lost a pair to someone else plans again at once, this often


async def sweep_forever(m: Matcher, stop: asyncio.Event) -> None:
    """Sweep every `pool_sweep_s` (start to start), and also the moment someone's search is
    due to widen, so nobody waits a period past their threshold."""
    period = m.settings.pool_sweep_s
    lease = lease_of(m)
    while not stop.is_set():
        began = time.monotonic()
        next_due: float | None = None
        try:
            # One instance at a time reads the whole waiting set (sweep_lease).
            if await lease.turn(m.now().timestamp()):
                next_due = await pair_leftovers(m)
        except Exception:
            log.exception("leftovers.sweep_failed")
        pause = period - (time.monotonic() - began)
        if next_due is not None:
            # Instances wake a little apart: the first commits, the others then read the pair
            # gone instead of committing it again.
            pause = min(pause, next_due - m.now().timestamp() + random.uniform(0.02, 0.2))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.05, pause))
    with contextlib.suppress(Exception):
        await lease.release()


async def pair_leftovers(m: Matcher) -> float | None:
    """Pair, oldest first, everyone in the waiting set who can be paired now; tell the rest
    whose search widened. Returns when the next waiting ticket's search widens (epoch s)."""
    snapshot: list[Entrant] = []
    for _ in range(PASSES):
        snapshot = await m.waitlist.read()
        metric("PeopleWaiting", len(snapshot), "Count")
        now = m.now()
        cutoff = now.timestamp() - m.settings.pool_sweep_s
        if not snapshot or snapshot[0].since > cutoff:
            return _next_widening(m, snapshot)
        pairings = pools_of(m, snapshot, now).round(now.timestamp(), oldest_since=cutoff)
        # All at once: the pairs are disjoint, and a slow sweep plans on an old snapshot.
        outcomes = await asyncio.gather(*(_commit(m, p, now) for p in pairings))
        done = sum(o is Outcome.MATCHED for o in outcomes)
        if done:
            repair("leftover_paired", done)
            log.info("leftovers.paired", sessions=done)
        if all(o is Outcome.MATCHED for o in outcomes):
            paired = {t for p in pairings for t in (p.first.ticket_id, p.second.ticket_id)}
            left = [e for e in snapshot if e.ticket_id not in paired]
            _announce_in_background(m, left)
            return _next_widening(m, left)
    return _next_widening(m, snapshot)


def _next_widening(m: Matcher, waiting: list[Entrant]) -> float | None:
    now, today = m.now().timestamp(), m.today(m.now())
    steps = [at for e in waiting for at, _ in e.waiting(today).relax_steps(m.relax) if at > now]
    return min(steps, default=None)


async def _commit(m: Matcher, pairing: Pairing, now: datetime) -> Outcome | None:
    w = pairing.first
    me = Person(w.user_id, "waiting", ticket_id=w.ticket_id)
    try:
        return await commit_pairing(m, pairing, w, me, None, fresh=False, now=now)
    except Exception:
        log.exception("leftovers.pairing_failed", ticket_id=w.ticket_id)
        return None


_announcing: set[asyncio.Task[None]] = set()


def _announce_in_background(m: Matcher, left: list[Entrant]) -> None:
    """Telling people their search widened must not hold up the next pairing: it runs on its
    own, one batch at a time per instance (a later sweep repeats what a skipped one missed)."""
    if _announcing:
        return
    task = asyncio.create_task(_announce_wider_searches(m, left))
    _announcing.add(task)
    task.add_done_callback(_announced)


def _announced(task: asyncio.Task[None]) -> None:
    _announcing.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("leftovers.announce_failed", error=repr(task.exception()))


async def _announce_wider_searches(m: Matcher, left: list[Entrant]) -> None:
    today, now = m.today(m.now()), m.now().timestamp()
    wider = [(e, e.waiting(today).accepts(now, m.relax).looking_for) for e in left]
    await asyncio.gather(*(announce_wider(m, e, lf) for e, lf in wider if lf != e.looking_for))
