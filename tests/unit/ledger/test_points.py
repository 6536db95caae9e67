"""The points rules, pure: holds, refusals, releases, settlement, days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.ledger import points
from services.ledger.model import Account, DayBook, Hold, Rules, Snapshot

RULES = Rules(daily_points=15, session_minutes=15)
NOW = datetime(2031, 3, 4, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


def snap(
    *, charged: int = 0, held: int = 0, active: str | None = None, hold: Hold | None = None
) -> Snapshot:
    account = Account("u", active_hold_id=active, active_kind="ticket" if active else None)
    book = DayBook("u", hold.day if hold else TODAY, 15, charged=charged, held=held, version=1)
    return Snapshot(account=replace(account, version=1), book=book, hold=hold)


def place(s: Snapshot, event_id: str = "e1", hold_id: str = "t1") -> points.Decision:
    return points.place(
        s, hold_id=hold_id, user_id="u", kind="ticket", event_id=event_id, now=NOW, rules=RULES
    )


def applied(d: points.Decision) -> points.Apply:
    assert isinstance(d, points.Apply), d
    return d


@pytest.mark.parametrize(
    ("elapsed", "minutes"),
    [
        (timedelta(0), 1),
        (timedelta(seconds=1), 1),
        (timedelta(seconds=60), 1),
        (timedelta(seconds=60, microseconds=1), 2),
        (timedelta(minutes=14, seconds=59), 15),
        (timedelta(minutes=40), 15),
    ],
)
def test_every_started_minute_is_charged_up_to_the_cap(elapsed: timedelta, minutes: int) -> None:
    assert points.minutes_used(NOW, NOW + elapsed, cap=15) == minutes


def test_a_session_that_ends_before_it_starts_still_costs_one_minute() -> None:
    assert points.minutes_used(NOW, NOW - timedelta(seconds=5), cap=15) == 1


def test_a_cancelled_session_costs_nothing() -> None:
    assert points.minutes_used(NOW, NOW + timedelta(minutes=3), cap=15, counts=False) == 0


def test_hold_takes_a_whole_session_when_enough_points_are_left() -> None:
    change = applied(place(snap(charged=0))).change
    assert change.hold.minutes == 15
    assert change.book is not None
    assert change.book.held == 15
    assert change.book.left == 0
    assert change.account.active_hold_id == "t1"
    assert change.entry is not None
    assert change.entry.key == "hold#t1"


def test_hold_takes_only_what_is_left_when_less_than_a_session() -> None:
    change = applied(place(snap(charged=14))).change
    assert change.hold.minutes == 1
    assert change.book is not None
    assert change.book.left == 0


def test_zero_points_left_is_refused_with_no_points() -> None:
    change = applied(place(snap(charged=15))).change
    assert (change.hold.status, change.hold.reason) == ("rejected", "no_points")
    assert change.book is None
    assert change.entry is None
    assert not change.account_changed


def test_second_join_while_waiting_is_refused_as_already_waiting() -> None:
    change = applied(place(snap(held=15, active="t0"))).change
    assert change.hold.reason == "already_waiting"


def test_join_while_talking_is_refused_as_in_session_even_without_points() -> None:
    s = snap(charged=5, held=10, active="t0")
    s = replace(s, account=replace(s.account, active_kind="session"))
    assert applied(place(s)).change.hold.reason == "in_session"


def test_redelivered_request_replays_its_own_decision() -> None:
    hold = applied(place(snap())).change.hold
    again = place(snap(hold=hold), event_id="e1")
    assert again == points.Replay(hold, "hold")


def test_another_request_for_a_decided_hold_gets_the_same_answer_and_changes_nothing() -> None:
    hold = applied(place(snap())).change.hold
    assert place(snap(hold=hold), event_id="e2") == points.Replay(hold, "hold")
    assert hold.request_event_id == "e1"  # the answer's ids derive from the first request


def test_release_before_the_request_leaves_a_tombstone_that_the_request_respects() -> None:
    tomb = applied(
        points.release(snap(), hold_id="t1", user_id="u", kind="ticket", event_id="c1", now=NOW)
    ).change
    assert tomb.hold.status == "void"
    assert tomb.book is None
    assert tomb.entry is None
    assert place(snap(hold=tomb.hold)) == points.Skip("tombstone")


def test_release_gives_the_points_back_and_frees_the_person() -> None:
    placed = applied(place(snap())).change
    s = Snapshot(placed.account, placed.book or snap().book, placed.hold)
    change = applied(
        points.release(s, hold_id="t1", user_id="u", kind="ticket", event_id="c1", now=NOW)
    ).change
    assert change.book is not None
    assert (change.book.held, change.book.left) == (0, 15)
    assert change.account.active_hold_id is None
    assert change.book.active_hold_id is None
    assert change.entry is not None
    assert change.entry.held == -15


def test_a_release_never_touches_a_hold_that_funds_a_live_session() -> None:
    live = Hold("t1", "u", "ticket", TODAY, "in_session", minutes=15, version=2)
    d = points.release(
        snap(hold=live), hold_id="t1", user_id="u", kind="ticket", event_id="c1", now=NOW
    )
    assert d == points.Skip("in_session")


def test_a_lapsed_hold_from_a_past_day_goes_back_whole_even_if_it_funds_a_session() -> None:
    yesterday = TODAY - timedelta(days=1)
    live = Hold("t1", "u", "ticket", yesterday, "in_session", minutes=15, version=2)
    s = snap(held=15, active="t1", hold=live)
    change = applied(points.lapse(s, hold_id="t1", event_id="x1", now=NOW)).change
    assert change.book is not None
    assert (change.book.day, change.book.held, change.book.charged) == (yesterday, 0, 0)
    assert change.account.active_hold_id is None
    assert (change.hold.status, change.hold.charged) == ("released", 0)
    # The same lapse again replays it; a later session end finds nothing left to charge.
    done = Snapshot(change.account, change.book, change.hold)
    assert points.lapse(done, hold_id="t1", event_id="x1", now=NOW) == points.Replay(
        change.hold, "release"
    )
    assert points.lapse(done, hold_id="t1", event_id="x2", now=NOW) == points.Skip(
        "already_released"
    )


def _settle(
    s: Snapshot, event_id: str = "end1", elapsed: timedelta = timedelta(minutes=4)
) -> points.Decision:
    return points.settle(
        s,
        hold_id="t1",
        session_id="s1",
        started_at=NOW,
        ended_at=NOW + elapsed,
        cap=15,
        counts=True,
        event_id=event_id,
        now=NOW,
    )


def test_settle_charges_started_minutes_and_releases_the_rest() -> None:
    live = Hold("t1", "u", "ticket", TODAY, "in_session", minutes=15, version=2)
    s = replace(snap(held=15, active="t1", hold=live))
    change = applied(_settle(s, elapsed=timedelta(minutes=3, seconds=1))).change
    assert change.hold.charged == 4
    assert change.book is not None
    assert (change.book.charged, change.book.held, change.book.left) == (4, 0, 11)


def test_a_settled_session_is_never_charged_twice() -> None:
    live = Hold("t1", "u", "ticket", TODAY, "in_session", minutes=15, version=2)
    done = applied(_settle(snap(held=15, active="t1", hold=live))).change.hold
    assert _settle(snap(hold=done)) == points.Replay(done, "settle")
    assert isinstance(_settle(snap(hold=done), event_id="end2"), points.Skip)


def test_charge_never_exceeds_the_hold() -> None:
    one = Hold("t1", "u", "ticket", TODAY, "in_session", minutes=1, version=2)
    change = applied(_settle(snap(charged=14, held=1, active="t1", hold=one))).change
    assert change.hold.charged == 1
    assert change.book is not None
    assert change.book.left == 0


def test_a_session_that_spans_midnight_is_charged_to_the_day_its_hold_was_placed() -> None:
    yesterday = TODAY - timedelta(days=1)
    live = Hold("t1", "u", "ticket", yesterday, "in_session", minutes=15, version=2)
    change = applied(_settle(snap(held=15, active="t1", hold=live))).change
    assert change.book is not None
    assert change.book.day == yesterday
    assert change.entry is not None
    assert change.entry.day == yesterday


def test_the_day_and_its_reset_follow_the_configured_time_zone() -> None:
    rules = Rules(zone=ZoneInfo("America/New_York"))
    late = datetime(2031, 3, 5, 3, 30, tzinfo=UTC)  # 22:30 on the 4th in New York
    assert rules.day_of(late) == date(2031, 3, 4)
    assert rules.resets_at(date(2031, 3, 4)).astimezone(UTC) == datetime(2031, 3, 5, 5, tzinfo=UTC)


def test_fold_of_the_log_gives_the_summary() -> None:
    placed = applied(place(snap(charged=0))).change
    assert placed.entry is not None
    assert placed.book is not None
    assert points.fold([placed.entry]) == {("u", TODAY): (0, 15)}


def test_a_hold_is_settled_only_by_the_session_it_funds() -> None:
    live = Hold("t1", "u", "ticket", TODAY, "in_session", minutes=15, session_id="s9", version=2)
    assert _settle(snap(held=15, active="t1", hold=live)) == points.Skip("other_session")
