"""The room log and the rules read from it: together time, the charge, how a session ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from hypothesis import given
from hypothesis import strategies as st

from services.matcher.core.room_log import IN, OUT, Kind, Mark, marks, view
from services.matcher.core.rules import due_ending, ended_event
from services.matcher.tables.records import Session
from services.wire.events.common import Participant

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
END = T0 + timedelta(minutes=15)
USERS = ("alice", "bob")
NO_SHOW, GRACE = timedelta(seconds=45), timedelta(seconds=30)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def mark(seconds: float, user: str, kind: Kind, conn: str = "", eid: str = "") -> str:
    return Mark(at(seconds), user, kind, conn, eid or f"{user}-{kind}-{conn}-{seconds}").encode()


def session(*log: str, status: Literal["live", "ended"] = "live") -> Session:
    people = tuple(Participant(user_id=u, hold_id=f"h-{u}", minutes=15) for u in USERS)
    return Session(
        "s1",
        status,
        people,
        T0,
        END,
        "livekit",
        "s1",
        "match",
        room_log=frozenset(log),
    )


def together_s(*log: str, until: datetime = END) -> float:
    return view(log, USERS, T0, END).together_time(until).total_seconds()


def test_a_mark_survives_its_text_even_with_odd_ids() -> None:
    m = Mark(at(1.5), "a|b%c@x:y", IN, "PA_1", "ev|1")
    assert Mark.decode(m.encode()) == m
    assert Mark.decode("garbage") is None
    assert Mark.decode("2026-03-01T12:00:00.000000Z|a|sideways||e") is None


def test_in_and_out_at_different_times_is_never_together() -> None:
    log = (mark(0, "alice", IN), mark(1, "alice", OUT), mark(2, "bob", IN))
    seen = view(log, USERS, T0, END)
    assert seen.connected_at is None
    assert seen.charge(END) == 0
    assert seen.in_now == {"bob"}


def test_leave_and_rejoin_adds_only_the_stretches_together() -> None:
    log = (
        mark(1, "alice", IN, "a1"),
        mark(2, "bob", IN, "b1"),
        mark(32, "alice", OUT, "a1"),
        mark(100, "alice", IN, "a2"),
    )
    assert together_s(*log, until=at(110)) == 30 + 10
    assert view(log, USERS, T0, END).charge(at(110)) == 1
    assert view(log, USERS, T0, END).charge(at(130)) == 1  # 60 s: one minute
    assert view(log, USERS, T0, END).charge(at(131)) == 2  # 61 s: two started minutes


def test_a_reconnect_stamped_before_the_old_connections_leave_stays_in() -> None:
    # LiveKit: the new connection joins at 10, the old one's leave is stamped 11.
    log = (
        mark(0, "alice", IN, "a1"),
        mark(0, "bob", IN, "b1"),
        mark(10, "alice", IN, "a2"),
        mark(11, "alice", OUT, "a1"),
    )
    assert view(log, USERS, T0, END).in_now == {"alice", "bob"}
    assert together_s(*log, until=at(60)) == 60


def test_stamps_outside_the_session_count_at_its_edges() -> None:
    log = (mark(-30, "alice", IN), mark(-20, "bob", IN), mark(20 * 60, "bob", OUT))
    assert together_s(*log) == 15 * 60
    assert view(log, USERS, T0, END).charge(END) == 15


def test_the_same_event_stamped_twice_counts_from_its_first_stamp() -> None:
    # A browser reporting `connected` again sends the same event id with a later stamp.
    log = (mark(5, "alice", IN, eid="e1"), mark(50, "alice", IN, eid="e1"))
    assert [m.at for m in marks(log)] == [at(5)]


def test_35_seconds_together_then_both_leave_ends_left_at_the_second_leave() -> None:
    s = session(
        mark(1, "alice", IN), mark(2, "bob", IN), mark(37, "alice", OUT), mark(40, "bob", OUT)
    )
    assert due_ending(s, at(69), NO_SHOW, GRACE) is None  # the grace is not over yet
    ending = due_ending(s, at(71), NO_SHOW, GRACE)
    assert ending is not None
    assert (ending.reason, ending.ended_at) == ("left", at(40))
    event = ended_event(s, ending.ended_at, ending.reason, None)
    assert (event.minutes_used, event.connected_at) == (1, at(2))


def test_back_within_the_grace_keeps_the_session_and_a_longer_absence_ended_it() -> None:
    back_soon = session(
        mark(1, "alice", IN), mark(2, "bob", IN), mark(40, "alice", OUT), mark(40, "bob", OUT),
        mark(60, "bob", IN),
    )  # fmt: skip
    assert due_ending(back_soon, at(600), NO_SHOW, GRACE) is None
    back_late = session(
        mark(1, "alice", IN), mark(2, "bob", IN), mark(40, "alice", OUT), mark(40, "bob", OUT),
        mark(71, "bob", IN),
    )  # fmt: skip
    ending = due_ending(back_late, at(600), NO_SHOW, GRACE)
    assert ending is not None
    assert (ending.reason, ending.ended_at) == ("left", at(40))


def test_not_together_by_the_no_show_moment_ends_free_at_that_moment() -> None:
    late = session(mark(1, "alice", IN), mark(50, "bob", IN))
    ending = due_ending(late, at(60), NO_SHOW, GRACE)
    assert ending is not None
    assert (ending.reason, ending.ended_at) == ("cancelled", at(45))
    event = ended_event(late, ending.ended_at, ending.reason, None)
    assert (event.minutes_used, event.connected_at, event.showed_up) == (0, None, ("alice",))
    in_time = session(mark(1, "alice", IN), mark(44, "bob", IN))
    assert due_ending(in_time, at(60), NO_SHOW, GRACE) is None


def test_an_ended_sessions_event_is_the_same_when_asked_again() -> None:
    log = (mark(1, "alice", IN), mark(2, "bob", IN))
    first = ended_event(session(*log), at(100), "stopped", "bob")
    ended = Session(**{**session(*log).__dict__, "status": "ended", "stopped_by": "bob"})
    assert ended_event(ended, at(100), "stopped", None) == first


# -- properties ---------------------------------------------------------------------------------

_marks = st.lists(
    st.tuples(
        st.integers(-60, 16 * 60),
        st.sampled_from(USERS),
        st.sampled_from((IN, OUT)),
        st.sampled_from(("", "c1", "c2")),
    ),
    max_size=12,
)


def _log(raw: list[tuple[int, str, Kind, str]]) -> list[str]:
    return [mark(t, u, k, c, eid=f"e{i}") for i, (t, u, k, c) in enumerate(raw)]


@given(_marks, st.randoms(use_true_random=False), st.integers(0, 16 * 60))
def test_order_and_repeats_never_change_what_the_log_says(
    raw: list[tuple[int, str, Kind, str]], rnd: object, until_s: int
) -> None:
    log = _log(raw)
    shuffled = log + log[: len(log) // 2]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    one, two = view(log, USERS, T0, END), view(shuffled, USERS, T0, END)
    assert one == two
    assert one.charge(at(until_s)) == two.charge(at(until_s))


@given(_marks, st.integers(0, 15 * 60), st.integers(0, 15 * 60))
def test_together_time_grows_with_the_end_and_never_beats_either_presence(
    raw: list[tuple[int, str, Kind, str]], a: int, b: int
) -> None:
    seen = view(_log(raw), USERS, T0, END)
    early, late = at(min(a, b)), at(max(a, b))
    assert seen.together_time(early) <= seen.together_time(late)
    for user in USERS:
        alone = sum(
            (min(s.end, late) - s.start for s in seen.presence[user] if s.start < late),
            timedelta(0),
        )
        assert seen.together_time(late) <= alone
    charge = seen.charge(late)
    assert 0 <= charge <= 15
    assert (charge == 0) == (seen.together_time(late) == timedelta(0))


@given(_marks)
def test_the_charge_is_the_started_minutes_together(raw: list[tuple[int, str, Kind, str]]) -> None:
    seen = view(_log(raw), USERS, T0, END)
    together = seen.together_time(END).total_seconds()
    minutes = seen.charge(END)
    assert minutes == (0 if together == 0 else min(15, -(-together // 60)))


def test_a_mark_that_only_repeats_its_connections_state_changes_nothing() -> None:
    from services.matcher.core.room_log import changes_nothing

    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    first = Mark(t0, "ann", IN, "c1", "e1")
    log = {first.encode()}
    assert changes_nothing(log, Mark(t0 + timedelta(seconds=5), "ann", IN, "c1", "e2"))
    # An out, another connection, or a mark stamped before the latest may change the room.
    assert not changes_nothing(log, Mark(t0 + timedelta(seconds=5), "ann", OUT, "c1", "e3"))
    assert not changes_nothing(log, Mark(t0 + timedelta(seconds=5), "ann", IN, "c2", "e4"))
    assert not changes_nothing(log, Mark(t0 - timedelta(seconds=5), "ann", IN, "c1", "e5"))
    assert not changes_nothing(set(), Mark(t0, "ann", OUT, "c1", "e6"))
