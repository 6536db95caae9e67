"""The chaos run's checks can fail: each invariant against tables that break it."""

from __future__ import annotations

import json
from typing import Any

from services.chaos import figures, invariants, poison
from services.chaos.killer import pids_from
from services.wire.topology import topology

T = "2026-11-30T10:00:"


def _tables(**over: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in invariants.TABLES}
    tables.update(over)
    return tables


def _session(sid: str, users: tuple[str, str], start: str, end: str, **kw: Any) -> dict[str, Any]:
    return {
        "sessionId": sid,
        "status": "ended",
        "userIds": list(users),
        "startsAt": T + start,
        "endedAt": T + end,
        "minutes": 15,
        "minutesUsed": kw.pop("used", 0),
        **kw,
    }


def _charge(user: str, sid: str, charged: int) -> dict[str, Any]:
    return {"userDay": f"{user}#2026-11-30", "userId": user, "sessionId": sid,
            "held": -charged, "charged": charged}  # fmt: skip


def _book(user: str, charged: int, held: int = 0) -> dict[str, Any]:
    return {"userId": user, "day": "2026-11-30", "allowance": 15, "charged": charged,
            "held": held}  # fmt: skip


def _hold(user: str, n: int) -> dict[str, Any]:
    return {"userDay": f"{user}#2026-11-30", "userId": user, "held": n, "charged": 0}


def test_quiet_books_pass() -> None:
    s = _session("s1", ("a", "b"), "00Z", "30Z", connectedAt=T + "10Z", used=1)
    entries = [_hold("a", 1), _charge("a", "s1", 1), _hold("b", 1), _charge("b", "s1", 1)]
    tables = _tables(**{"matcher-sessions": [s], "ledger-entries": entries,
                        "ledger-summaries": [_book("a", 1), _book("b", 1)]})  # fmt: skip
    assert invariants.problems(tables) == []
    assert invariants.conversations(tables) == 1


def test_someone_in_two_sessions_at_once_is_found() -> None:
    one = _session("s1", ("a", "b"), "00Z", "30Z")
    two = _session("s2", ("a", "c"), "20Z", "40Z")
    assert invariants.overlaps([one, two]) == ["a in sessions s1 and s2 at once"]
    assert invariants.overlaps([one, _session("s3", ("a", "c"), "30Z", "40Z")]) == []


def test_a_session_charged_twice_or_other_than_it_ended_is_found() -> None:
    paid = _session("s1", ("a", "b"), "00Z", "30Z", connectedAt=T + "10Z", used=1)
    free = _session("s2", ("a", "b"), "40Z", "50Z", used=0)
    entries = [_charge("a", "s1", 1), _charge("a", "s1", 1), _charge("b", "s1", 1),
               _charge("a", "s2", 1), _charge("c", "s9", 1)]  # fmt: skip
    found = invariants.charges(_tables(**{"matcher-sessions": [paid, free],
                                         "ledger-entries": entries}))  # fmt: skip
    assert found == [
        "session s1: a charged [1, 1], expected 1 once",
        "session s2: a charged [1], expected 0 once",
        "charge for unknown session ('s9', 'c')",
    ]


def test_minutes_used_needs_both_in_and_fits_the_session() -> None:
    never_both = _session("s1", ("a", "b"), "00Z", "30Z", used=1)
    too_long = _session("s2", ("a", "b"), "00Z", "30Z", connectedAt=T + "01Z", used=16)
    found = invariants.charges(_tables(**{"matcher-sessions": [never_both, too_long]}))
    assert "session s1: minutesUsed 1, but the two were never both in" in found
    assert "session s2: minutesUsed 16 of 15 minutes" in found


def test_negative_held_or_unbalanced_books_are_found() -> None:
    tables = _tables(**{
        "ledger-summaries": [_book("a", 16), _book("b", 0, held=2)],
        "ledger-entries": [_charge("a", "s1", 16), _hold("b", 1)],
    })  # fmt: skip
    found = invariants.balances(tables)
    assert any("negative balance" in p for p in found)
    assert any("2 points still held" in p for p in found)
    assert any("b#2026-11-30: entries do not sum" in p for p in found)


def test_anything_left_open_is_found() -> None:
    tables = _tables(**{"ledger-holds": [{"holdId": "h", "status": "held"}],
                        "matcher-tickets": [{"ticketId": "t", "status": "waiting"}]})  # fmt: skip
    assert len(invariants.problems(tables)) == 2


def test_dead_letters_must_be_exactly_the_poison() -> None:
    queue = topology("parley-chaos").queues[0]
    bodies = [b for _, b in poison.poison_bodies(queue)]
    assert poison.dead_problems({queue.dlq: bodies}, {queue.dlq: list(bodies)}) == []
    healthy = json.dumps({"type": "ticket.funded"})
    found = poison.dead_problems({queue.dlq: bodies}, {queue.dlq: [*bodies, healthy]})
    assert "3 dead letters, expected the 2 injected" in found[0]
    assert poison.dead_problems({queue.dlq: bodies}, {queue.dlq: bodies[:1]})


def test_pids_and_figures_come_from_the_stack_output() -> None:
    lines = [
        "parley: matcher#1 started (pid 10)\n",
        "parley: matcher#1 exited (code -9) after 3.0 s; restarting in 1 s\n",
        "parley: matcher#1 restarted (pid 11)\n",
        '  matcher#1 │ {"event": "consumer.duplicate_delivered"}\n',
        '  matcher#1 │ {"event": "metric", "Repairs": 2, "Repair": "session_overdue"}\n',
        '    ledger │ {"event": "consumer.parked", "reason": "not_json"}\n',
        '    ledger │ {"event": "consumer.dupli',  # cut short by a kill
    ]
    assert pids_from(lines) == {"matcher#1": 11}
    got = figures.count(lines)
    assert (got.restarts, got.duplicates) == (1, 1)
    assert got.repairs == {"session_overdue": 2}
    assert got.parked == {"not_json": 1}
