"""The pairing sweep: every instance, every `pool_sweep_s`, pairs whoever is left waiting and
tells those whose search widened with time (tandem → one-sided → anyone).

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
from services.matcher.tickets import announce_wider
from services.matcher.waitlist import Entrant
from services.runtime.logs import metric, repair

log = component_log("leftovers")


async def pair_leftovers(m: Matcher) -> int:
    """Pair, oldest first, everyone in the waiting set who can be paired now. Returns how
    many sessions this sweep started."""
    snapshot = await m.waitlist.read()
    metric("PeopleWaiting", len(snapshot), "Count")
    now = m.now()
    cutoff = now.timestamp() - m.settings.pool_sweep_s
    if not snapshot or snapshot[0].since > cutoff:
        return 0
    started = 0
    paired: set[str] = set()
    for pairing in pools_of(m, snapshot, now).round(now.timestamp(), oldest_since=cutoff):
        paired |= {pairing.first.ticket_id, pairing.second.ticket_id}
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
    await _announce_wider_searches(m, [e for e in snapshot if e.ticket_id not in paired])
    return started


async def _announce_wider_searches(m: Matcher, left: list[Entrant]) -> None:
    today, now = m.today(m.now()), m.now().timestamp()
    for e in left:
        looking_for = e.waiting(today).accepts(now, m.relax).looking_for
        if looking_for != e.looking_for:
            await announce_wider(m, e, looking_for)
