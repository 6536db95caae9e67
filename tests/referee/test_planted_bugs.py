"""Facts from services that applied a wrong rule: the referee names exactly what is wrong."""

from __future__ import annotations

from tests.referee import judge
from tests.referee.builder import Builder


def _only(differences: list[str], *about: str) -> None:
    """The planted rule is noticed, and every difference is about it: each names one of
    `about` (the session, or the books of the day it was charged to)."""
    assert differences, "the planted rule went unnoticed"
    assert all(any(w in d for w in about) for d in differences), differences


def _says(differences: list[str], *words: str) -> None:
    assert any(all(w in d for w in words) for d in differences), differences


def _stepped_out() -> Builder:
    """alice in at 10, bob at 20; bob out 50 → 150; alice stops at 190: together 30 + 40 s."""
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 10)
    b.room("s1", "bob", "in", 20)
    b.room("s1", "bob", "out", 50)
    b.room("s1", "bob", "in", 150)
    b.stop("s1", "alice", 190)
    return b


def test_charging_from_the_first_join_instead_of_time_together_is_flagged() -> None:
    b = _stepped_out()
    b.end("s1", "stopped", 190.05, charge=3)  # 10 → 190 from alice's join: 3 minutes
    diffs = judge(b.facts(end=1000)).differences
    _says(diffs, "s1: alice charged 3 points; by the rules 2 (together 70 s")
    _says(diffs, "s1: bob charged 3 points; by the rules 2")
    _only(diffs, "session s1:", "the model's books say 2", "the model's books allow at most 2")


def test_charging_from_the_first_moment_together_to_the_end_is_flagged() -> None:
    b = _stepped_out()
    b.end("s1", "stopped", 190.05, charge=3)  # 20 → 190, bob's absence ignored
    diffs = judge(b.facts(end=1000)).differences
    _says(diffs, "s1: the session table's minutesUsed is 3; by the rules 2 (together 70 s")
    _only(diffs, "session s1:", "the model's books say 2", "the model's books allow at most 2")


def test_ending_left_when_the_grace_ran_out_instead_of_when_the_room_emptied_is_flagged() -> None:
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 10)
    b.room("s1", "bob", "in", 40)
    b.room("s1", "alice", "out", 200)
    b.room("s1", "bob", "out", 210)
    b.end("s1", "left", 240, charge=3)  # at grace expiry
    diffs = judge(b.facts(end=1000)).differences
    assert diffs == [
        "session s1: ended left at 2026-03-01T10:04:00Z; the rules give 2026-03-01T10:03:30.000000Z"
    ]


def test_a_no_show_ended_when_a_sweep_came_by_instead_of_at_its_moment_is_flagged() -> None:
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 5)
    b.end("s1", "cancelled", 55, charge=0, no_show=("alice",))
    diffs = judge(b.facts(end=500)).differences
    assert diffs == [
        "session s1: ended cancelled at 2026-03-01T10:00:55Z; the rules give "
        "2026-03-01T10:00:47.000000Z"
    ]


def test_a_no_show_missed_because_they_came_together_after_its_moment_is_flagged() -> None:
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 5)
    b.room("s1", "bob", "in", 50)  # 48 s after the start: too late
    b.stop("s1", "alice", 100)
    b.end("s1", "stopped", 100.05, charge=1)
    diffs = judge(b.facts(end=500)).differences
    _says(diffs, "session s1 (alice, bob): ended stopped; the rules give cancelled at")
    _says(diffs, "s1: alice charged 1 points; by the rules 0")
    _only(diffs, "session s1", "the model's books say 0", "the model's books allow at most 0")


def test_releasing_a_hold_at_midnight_instead_of_charging_the_session_is_flagged() -> None:
    b = Builder(start="2026-03-01T23:55:00Z")
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 3)
    b.room("s1", "bob", "in", 3)
    b.stop("s1", "alice", 420)  # 00:02 the next day, after 417 s together
    b.end("s1", "stopped", 420.05, charge=7)
    for e in b.tables["ledger-entries"]:
        e["charged"] = 0  # the ledger let the holds go at midnight
    for book in b.tables["ledger-summaries"]:
        book["charged"] = 0
    diffs = judge(b.facts(end=2000)).differences
    assert any("s1: alice charged 0 points; by the rules 7" in d for d in diffs), diffs
    assert any("s1: bob charged 0 points; by the rules 7" in d for d in diffs), diffs
    _only(diffs, "session s1:", "on 2026-03-01")


def test_booking_a_session_on_the_day_it_ended_instead_of_the_hold_s_day_is_flagged() -> None:
    b = Builder(start="2026-03-01T23:59:00Z")
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 70)
    b.room("s1", "alice", "in", 71)
    b.room("s1", "bob", "in", 71)
    b.stop("s1", "bob", 100)
    b.end("s1", "stopped", 100.05, charge=1, day="2026-03-02")
    diffs = judge(b.facts(end=900)).differences
    _says(diffs, "s1: alice's charge booked on 2026-03-02; the hold belongs to 2026-03-01")
    _only(diffs, "session s1:", "on 2026-03-01: ", "on 2026-03-02: ")


def test_a_session_longer_than_the_points_left_is_flagged() -> None:
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 0)
    b.start("s1", "alice", "bob", 1)
    b.room("s1", "alice", "in", 2)
    b.room("s1", "bob", "in", 2)
    b.stop("s1", "alice", 541)
    b.end("s1", "stopped", 541.05, charge=9)
    b.queue("alice", 600)
    b.queue("bob", 600)
    b.start("s2", "alice", "bob", 601, minutes=15)  # both have only 6 left
    b.room("s2", "alice", "in", 602)
    b.room("s2", "bob", "in", 602)
    b.stop("s2", "bob", 662)
    b.end("s2", "stopped", 662.05, charge=1)
    diffs = judge(b.facts(end=2000)).differences
    assert diffs == [
        "session s2: lasts 15 min; the smaller balance (at most 15) by the model's books is 6"
    ]


def test_telling_a_charge_that_differs_from_the_books_is_flagged() -> None:
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 3)
    b.room("s1", "bob", "in", 3)
    b.stop("s1", "alice", 33)
    b.end("s1", "stopped", 33.05, charge=1, told_charge=2)
    diffs = judge(b.facts(end=500)).differences
    _says(diffs, "s1: alice's session.ended minutesUsed is 2; by the rules 1")
    _only(diffs, "session.ended minutesUsed is 2")


def test_refusing_for_no_points_while_points_are_left_is_flagged() -> None:
    b = Builder()
    ticket = b.queue("alice", 0)
    b.pushes.clear()  # refused: nothing was held
    b.tables["matcher-tickets"][-1]["status"] = "rejected"
    b.push("alice", 0.2, {"type": "ticket.rejected", "ticketId": ticket, "reason": "no_points"})
    diffs = judge(b.facts(end=100)).differences
    assert len(diffs) == 1, diffs
    assert "alice: ticket t1 refused for no_points" in diffs[0]


def test_anything_left_open_at_the_end_is_flagged() -> None:
    b = Builder()
    ticket = b.queue("carol", 0)
    b.tables["matcher-tickets"][-1]["status"] = "waiting"
    b.tables["ledger-holds"].append(
        {"holdId": ticket, "userId": "carol", "status": "held", "kind": "ticket", "day": "x"}
    )
    b.tables["matcher-invites"].append(
        {
            "inviteId": "i1",
            "status": "pending",
            "fromUserId": "dave",
            "toUserId": "erin",
            "expiresAtIso": b.at(60),
        }
    )
    b.queue("alice", 0)
    b.queue("bob", 0)
    b.start("s1", "alice", "bob", 1)
    diffs = judge(b.facts(end=1000)).differences
    assert any("carol: ticket" in d and "waiting" in d for d in diffs), diffs
    assert any("carol: hold" in d for d in diffs), diffs
    assert any("invite i1 still pending" in d for d in diffs), diffs
    assert any("session s1 (alice, bob) is still live" in d for d in diffs), diffs
