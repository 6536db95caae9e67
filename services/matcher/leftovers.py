"""The pairing sweep: every instance, every `pool_sweep_s`, pairs whoever is left waiting.

The join path pairs almost everyone at once (`tickets.on_funded`). What it cannot see comes
here: people whose criteria widened with time, a ticket whose instance died between its wait
and its second look, the tickets of a rolling deploy. Only tickets older than one sweep are
taken, so the sweep does not race the join path; two instances sweeping at once may propose
the same pair, which commits once (its marker is derived from the pair).
"""

from __future__ import annotations

from services.matcher.context import Matcher, component_log
from services.matcher.matching import commit_pairing, pools_of
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
    pools = pools_of(m, snapshot, now)
    started = 0
    for entrant in snapshot:
        if entrant.since > cutoff:
            break
        w = pools.get(entrant.ticket_id)
        if w is None:
            continue  # taken by an older ticket in this sweep
        pairing = pools.find(w, now.timestamp())
        if pairing is None:
            continue
        me = Person(w.user_id, "waiting", ticket_id=w.ticket_id)
        try:
            outcome = await commit_pairing(m, pairing, w, me, None, fresh=False, now=now)
        except Exception:
            log.exception("leftovers.pairing_failed", ticket_id=w.ticket_id)
            continue
        started += outcome is not None
    if started:
        repair("leftover_paired", started)
        log.info("leftovers.paired", sessions=started)
    return started
