"""The referee says nothing when the services followed the rules, however the facts arrive."""

from __future__ import annotations

import random

from tests.referee import judge
from tests.referee.builder import Builder


def _left_after_together() -> Builder:
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 10)
    b.room("s1", "bob", "in", 40)
    b.room("s1", "alice", "out", 200)
    b.room("s1", "bob", "out", 210)
    return b


def test_a_session_left_by_both_is_charged_its_time_together_and_ends_when_the_room_emptied() -> (
    None
):
    b = _left_after_together()
    b.end("s1", "left", 210, charge=3)  # together 40 → 200: 160 s, 3 started minutes
    verdict = judge(b.facts(end=2000))
    assert verdict.differences == []
    assert verdict.sessions_judged == 1
    assert verdict.sessions["s1"].reasons["left"]["charge"] == [3, 3]


def test_webhooks_repeated_and_out_of_order_count_once_in_the_order_of_their_stamps() -> None:
    b = _left_after_together()
    b.room("s1", "bob", "out", 150, entry_id="dup")
    b.room("s1", "bob", "out", 150, entry_id="dup")
    b.room("s1", "bob", "in", 175)  # bob stepped out 150 → 175: together 135 s
    random.Random(7).shuffle(b.room_log)
    b.end("s1", "left", 210, charge=3)
    assert judge(b.facts(end=2000)).sessions["s1"].reasons["left"]["togetherS"] == [135, 135]
    assert judge(b.facts(end=2000)).differences == []


def test_a_no_show_ends_free_at_its_moment_and_tells_whoever_came() -> None:
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 5)
    b.end("s1", "cancelled", 47, charge=0, no_show=("alice",))
    assert judge(b.facts(end=500)).differences == []


def test_time_up_wins_over_a_stop_that_came_after_the_end() -> None:
    b = Builder(cap=1)
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2, minutes=1)
    b.room("s1", "alice", "in", 3)
    b.room("s1", "bob", "in", 4)
    b.stop("s1", "alice", 70)
    b.end("s1", "time_up", 62, charge=1)
    assert judge(b.facts(end=500)).differences == []


def test_direct_mode_allows_exactly_the_charges_the_request_times_allow() -> None:
    def run(charge: int) -> list[str]:
        b = Builder(mode="direct")
        b.queue("alice", 0)
        b.queue("bob", 0)
        b.start("s1", "alice", "bob", 0)
        b.connected("s1", "alice", 0, took=0.5)
        b.connected("s1", "bob", 0, took=0.5)
        b.stop("s1", "bob", 60.2, took=0.2)  # together 59.7 s .. 60.4 s: 1 or 2 minutes
        b.end("s1", "stopped", 60.3, charge=charge)
        return judge(b.facts(end=500)).differences

    assert run(1) == []
    assert run(2) == []
    assert run(3) != []


def test_a_new_day_starts_at_the_full_daily_points() -> None:
    b = Builder(start="2026-03-01T23:40:00Z")
    b.queue("alice", 0)
    b.queue("bob", 0)
    b.start("s1", "alice", "bob", 1)
    b.room("s1", "alice", "in", 2)
    b.room("s1", "bob", "in", 2)
    b.end("s1", "time_up", 901, charge=15)
    b.queue("alice", 1300)  # 00:01:40 the next day
    b.queue("bob", 1300)
    b.start("s2", "alice", "bob", 1301)
    b.room("s2", "alice", "in", 1302)
    b.room("s2", "bob", "in", 1302)
    b.stop("s2", "alice", 1362)
    b.end("s2", "stopped", 1362.05, charge=1)
    assert judge(b.facts(end=3000)).differences == []


def test_a_hold_placed_before_midnight_books_the_session_after_it_on_the_earlier_day() -> None:
    b = Builder(start="2026-03-01T23:59:00Z")
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 70)  # 00:00:10 on 2026-03-02
    b.room("s1", "alice", "in", 71)
    b.room("s1", "bob", "in", 71)
    b.stop("s1", "bob", 100)
    b.end("s1", "stopped", 100.05, charge=1, day="2026-03-01")
    assert judge(b.facts(end=900)).differences == []


def test_a_person_still_waiting_with_an_open_tab_is_not_stranded() -> None:
    b = Builder()
    ticket = b.queue("carol", 0)
    b.tables["matcher-tickets"][-1]["status"] = "waiting"
    b.tables["ledger-holds"].append(
        {"holdId": ticket, "userId": "carol", "status": "held", "kind": "ticket"}
    )
    facts = b.facts(end=100)
    facts["window"]["openTabs"] = ["carol"]
    assert judge(facts).differences == []
