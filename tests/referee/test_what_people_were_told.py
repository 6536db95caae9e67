"""How the referee reads what people were told and when Parley heard: times at the precision
the services store them, `GET /v1/me` as the truth behind lost pushes, and room log entries
that reached Parley as a session ended. Each rule passes what the docs allow and flags what
they do not."""

from __future__ import annotations

from tests.referee import judge
from tests.referee.builder import Builder


def _stopped(stop_at: float = 190) -> Builder:
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 10)
    b.room("s1", "bob", "in", 20)
    b.stop("s1", "alice", stop_at)
    return b


def _ended_told(b: Builder, sid: str, person: str) -> list[dict]:
    return [
        p
        for p in b.pushes
        if p["person"] == person
        and p["message"].get("type") == "session.ended"
        and p["message"].get("sessionId") == sid
    ]


# -- precision ------------------------------------------------------------------------------


def test_a_stored_end_cut_to_the_millisecond_is_the_moment_pushed_to_the_microsecond() -> None:
    b = _stopped()
    b.end("s1", "stopped", 190.012943, charge=3)
    item = b.tables["matcher-sessions"][0]
    assert item["endedAt"] == "2026-03-01T10:03:10.012943Z"
    item["endedAt"] = "2026-03-01T10:03:10.012Z"
    assert judge(b.facts(end=1000)).differences == []


def test_a_stored_end_a_millisecond_off_is_flagged() -> None:
    b = _stopped()
    b.end("s1", "stopped", 190.012943, charge=3)
    b.tables["matcher-sessions"][0]["endedAt"] = "2026-03-01T10:03:10.011Z"
    diffs = judge(b.facts(end=1000)).differences
    assert diffs == [
        "session s1: alice was told it ended at 2026-03-01T10:03:10.012943Z, the tables say "
        "2026-03-01T10:03:10.011Z",
        "session s1: bob was told it ended at 2026-03-01T10:03:10.012943Z, the tables say "
        "2026-03-01T10:03:10.011Z",
    ]


def test_a_no_show_stored_to_the_millisecond_at_its_moment_passes_and_a_late_one_does_not() -> None:
    def run(ended: str) -> list[str]:
        b = Builder()
        b.queue("alice", 0)
        b.queue("bob", 1)
        b.start("s1", "alice", "bob", 2.000777)  # the no-show moment: 10:00:47.000777
        b.room("s1", "alice", "in", 5)
        b.end("s1", "cancelled", 47.000777, charge=0, no_show=("alice",))
        b.tables["matcher-sessions"][0]["endedAt"] = ended
        for p in b.pushes:
            if p["message"].get("type") == "session.ended":
                p["message"]["endedAt"] = ended
        return judge(b.facts(end=500)).differences

    assert run("2026-03-01T10:00:47.000Z") == []
    assert run("2026-03-01T10:00:47.001Z") == [
        "session s1: ended cancelled at 2026-03-01T10:00:47.001Z; the rules give "
        "2026-03-01T10:00:47.000777Z"
    ]


# -- GET /v1/me, the truth behind lost pushes ------------------------------------------------


def test_an_end_lost_on_a_dead_socket_is_told_by_get_me_after_it() -> None:
    b = _stopped()
    b.end("s1", "stopped", 190.05, charge=3)
    lost = _ended_told(b, "s1", "bob")
    b.pushes = [p for p in b.pushes if p not in lost]
    b.me("bob", 200)  # the socket is back: the session is over, the points charged
    assert judge(b.facts(end=1000)).differences == []


def test_an_end_lost_with_no_get_me_after_it_is_flagged() -> None:
    b = _stopped()
    b.me("bob", 100, session="s1")  # before the end: still shown, rightly
    b.end("s1", "stopped", 190.05, charge=3)
    lost = _ended_told(b, "s1", "bob")
    b.pushes = [p for p in b.pushes if p not in lost]
    diffs = judge(b.facts(end=1000)).differences
    assert diffs == [
        "session s1: bob was never told it ended (no session.ended, and no GET /v1/me sent "
        "after its end shows it over)"
    ]


def test_a_get_me_after_the_end_that_still_shows_the_session_tells_nothing() -> None:
    b = _stopped()
    b.end("s1", "stopped", 190.05, charge=3)
    lost = _ended_told(b, "s1", "bob")
    b.pushes = [p for p in b.pushes if p not in lost]
    b.me("bob", 200, session="s1")
    assert any("bob was never told it ended" in d for d in judge(b.facts(end=1000)).differences)


def test_points_read_in_get_me_after_the_last_push_are_what_the_person_saw_last() -> None:
    b = _stopped()
    b.end("s1", "stopped", 190.05, charge=3)
    # bob's socket was down: his charge was never pushed; the last push says 15 held.
    b.pushes = [
        p
        for p in b.pushes
        if not (p["person"] == "bob" and p["message"]["type"] in ("points.changed",))
        or p["message"]["held"]
    ]
    diffs = judge(b.facts(end=1000)).differences
    assert diffs == [
        "bob on 2026-03-01: last told 0 used, 15 held; the model's books say 3 used, none held"
    ]
    b.me("bob", 300)  # reconnected: GET /v1/me shows 3 used, nothing held
    assert judge(b.facts(end=1000)).differences == []


def test_points_read_in_get_me_that_disagree_with_the_books_are_flagged() -> None:
    b = _stopped()
    b.end("s1", "stopped", 190.05, charge=3)
    b.me("bob", 300)
    b.requests[-1]["answer"]["points"] |= {"used": 2, "left": 13}
    diffs = judge(b.facts(end=1000)).differences
    assert diffs == [
        "bob on 2026-03-01: last read in GET /v1/me 2 used, 0 held; the model's books say 3 "
        "used, none held"
    ]


def test_a_session_whose_start_pushes_were_lost_is_announced_by_get_me() -> None:
    b = _stopped()
    b.pushes = [p for p in b.pushes if p["message"]["type"] != "session.started"]
    diffs = judge(b.facts(end=1000)).differences
    assert diffs[0] == (
        "session s1 (alice, bob) is in the tables; nobody was told (no session.started, no "
        "GET /v1/me showing it)"
    )
    b.me("bob", 5, session="s1")
    b.end("s1", "stopped", 190.05, charge=3)
    verdict = judge(b.facts(end=1000))
    assert verdict.differences == []
    assert verdict.sessions_judged == 1


# -- room log entries heard as the session ended --------------------------------------------


def _quick_stop(join_heard: float, charge: int) -> list[str]:
    """Both in at 10 (bob's join heard at `join_heard`), alice stops at 10.9: 0.9 s together."""
    b = Builder()
    b.queue("alice", 0)
    b.queue("bob", 1)
    b.start("s1", "alice", "bob", 2)
    b.room("s1", "alice", "in", 10, delivered=10.05)
    b.room("s1", "bob", "in", 10, delivered=join_heard)
    b.stop("s1", "alice", 10.9, took=0.05)
    b.end("s1", "stopped", 10.92, charge=charge)  # told at 11.02
    return judge(b.facts(end=500)).differences


def test_a_join_heard_before_the_stop_counts() -> None:
    assert _quick_stop(join_heard=10.5, charge=1) == []
    assert any("alice charged 0 points; by the rules 1" in d for d in _quick_stop(10.5, 0))


def test_a_join_heard_while_the_session_was_ending_may_or_may_not_count() -> None:
    assert _quick_stop(join_heard=10.93, charge=0) == []
    assert _quick_stop(join_heard=10.93, charge=1) == []


def test_a_join_heard_after_the_end_was_told_changes_nothing() -> None:
    assert _quick_stop(join_heard=12.0, charge=0) == []
    assert any("alice charged 1 points; by the rules 0" in d for d in _quick_stop(12.0, 1))


def test_a_leave_heard_after_the_end_was_told_is_not_charged_for() -> None:
    """Together 10 → 100 by the log as it stood at the end; a leave stamped 40 heard later
    changes nothing: charged 2, not 1."""

    def run(charge: int) -> list[str]:
        b = _stopped(stop_at=100)
        b.room_log.clear()
        b.room("s1", "alice", "in", 10)
        b.room("s1", "bob", "in", 10)
        b.room("s1", "bob", "out", 40, delivered=150)
        b.end("s1", "stopped", 100.05, charge=charge)
        return judge(b.facts(end=1000)).differences

    assert run(2) == []
    assert any("bob charged 1 points; by the rules 2" in d for d in run(1))


def test_an_entry_the_media_never_delivered_never_counts() -> None:
    """bob's leave at 50 never reached Parley: together 20 → 190 (3 points), not 30 s."""

    def run(charge: int) -> list[str]:
        b = _stopped()
        b.room("s1", "bob", "out", 50)
        b.room_log[-1]["deliveredAt"] = None  # the media gave up on it
        b.end("s1", "stopped", 190.05, charge=charge)
        return judge(b.facts(end=1000)).differences

    assert run(3) == []
    assert any("bob charged 1 points; by the rules 3" in d for d in run(1))
