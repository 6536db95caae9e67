"""The pairing sweep: every instance, every `pool_sweep_s`, pairs whoever is left waiting.

The join path pairs almost everyone at once (`tickets.on_funded`). What it cannot see comes
here: people whose criteria widened with time, a ticket whose instance died between its wait
and its second look, the tickets of a rolling deploy. Only tickets older than one sweep take a
turn, so the sweep does not race the join path; instances sweeping at once plan the same
round (`Pools.round`) and a pair two of them commit is committed once (its marker is derived
from the pair).
"""

from __future__ import annotations

from services.matcher.context import Matcher, component_log
from services.matcher.matching import Outcome, commit_pairing, pools_of
from services.matcher.records import Person
from services.runtime.logs import metric, repair

log = component_log("leftovers")


async def pair_leftovers(m: Matcher) -> int:
    """Pair, oldest first, everyone in the waiting set who can be paired now. Returns how
    many sessions this sweep started."""
    snapshot = await m.waitlist.read()
    metric("PeopleWaiting", len(snapshot), "Count")
    now = m.now()
    cutoff = now.timestamp() - m.settings.pool_sweep_s
    if len(snapshot) < 2 or snapshot[0].since > cutoff:
        return 0
    started = 0
    for pairing in pools_of(m, snapshot, now).round(now.timestamp(), oldest_since=cutoff):
        w = pairing.first
        me = Person(w.user_id, "waiting", ticket_id=w.ticket_id)
        try:
            outcome = await commit_pairing(m, pairing, w, me, None, fresh=False, now=now)
        except Exception:
            log.exception("leftovers.pairing_failed", ticket_id=w.ticket_id)
            continue
        started += outcome is Outcome.MATCHED
    if started:
        repair("leftover_paired", started)
        log.info("leftovers.paired", sessions=started)
    return started
