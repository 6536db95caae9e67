"""The load generator's pure parts: pacing, measurement, the books' verdicts, loopback only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.loadgen.books import PersonView, open_things, person_problems
from services.loadgen.config import LoadConfig, NotLoopback, require_loopback
from services.loadgen.pacer import Pacer
from services.loadgen.stats import Recorder, pct
from services.loadgen.steps import summary as steps


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_pacer_hands_out_slots_at_the_rate_in_order() -> None:
    clock = Clock()
    pacer = Pacer(5.0, clock=clock)
    waits = [pacer.reserve() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.2, 0.4, 0.6])
    clock.now += 2.0  # idle time refills at most one burst
    assert pacer.reserve() == 0.0
    assert pacer.reserve() == pytest.approx(0.2)


def test_the_pacer_takes_nothing_past_the_end() -> None:
    clock = Clock()
    pacer = Pacer(1.0, clock=clock)
    assert pacer.reserve(until=101.0) == 0.0
    assert pacer.reserve(until=100.5) is None
    assert pacer.reserve(until=102.0) == pytest.approx(1.0)


def test_a_match_is_measured_from_the_later_join_to_the_later_push() -> None:
    clock = Clock()
    rec = Recorder(clock=clock)
    rec.start()
    rec.told("a", "s1", at=103.0, joined_at=100.5, invite=False)
    assert rec.both_told == []
    rec.told("b", "s1", at=103.4, joined_at=102.0, invite=False)
    rec.told("b", "s1", at=104.0, joined_at=102.0, invite=False)  # a repeated push
    assert rec.both_told == [(2.0, pytest.approx(1.4))]
    assert rec.own_told == pytest.approx([2.5, 1.4])
    rec.told("a", "s2", at=105.0, joined_at=None, invite=True)
    rec.told("b", "s2", at=105.1, joined_at=None, invite=True)
    assert len(rec.both_told) == 1
    clock.now = 110.0
    s = rec.summary(offered_per_s=5.0)
    assert s["counts"]["matches_both_told"] == 2
    assert s["counts"]["invite_sessions"] == 1
    assert s["join_to_both_told"]["p50_ms"] == pytest.approx(1400)


def test_the_ratio_is_to_three_hops() -> None:
    rec = Recorder(clock=Clock())
    rec.start()
    rec.told("a", "s", at=100.6, joined_at=100.0, invite=False)
    rec.told("b", "s", at=100.6, joined_at=100.0, invite=False)
    rec.probe(100.0, 0.1)
    assert rec.summary(1.0)["ratio_to_three_hops"]["p50"] == pytest.approx(2.0)


def test_pct_is_nearest_rank() -> None:
    assert pct(list(range(1, 101)), 99) == 100
    assert pct([], 50) is None


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:1/", "http://[::1]:80", "http://127.9.9.9"]
)
def test_loopback_urls_pass(url: str) -> None:
    assert require_loopback(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1:8080", "https://api.parley.dev", "ftp://127.0.0.1", "127.0.0.1:80"]
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(NotLoopback):
        require_loopback(url)
    with pytest.raises(NotLoopback):
        LoadConfig(base_url="http://127.0.0.1:8080", moto_url=url)


def _tables(**over: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    names = (
        "ledger-holds", "ledger-accounts", "matcher-tickets", "matcher-sessions",
        "matcher-invites", "matcher-people", "matcher-waiting", "matcher-outbox",
    )  # fmt: skip
    return {n: over.get(n.replace("-", "_"), []) for n in names}


def test_closed_things_pass_and_open_ones_are_named() -> None:
    quiet = _tables(
        ledger_holds=[{"holdId": "h", "status": "settled"}],
        matcher_tickets=[{"ticketId": "t", "status": "matched"}],
        matcher_people=[{"userId": "u", "state": "free"}],
    )
    assert open_things(quiet) == []
    busy = _tables(
        ledger_holds=[{"holdId": "h", "status": "in_session"}],
        matcher_tickets=[{"ticketId": "t", "status": "waiting"}],
        matcher_waiting=[{"shard": "0", "ticketId": "t"}],
    )
    found = open_things(busy)
    assert len(found) == 3
    assert found[0].startswith("ledger-holds: 1 open holds")


BOOK = {"allowance": 600, "charged": 3, "held": 0, "day": "2026-11-30"}
ENTRIES = [
    {"held": 1, "charged": 0},
    {"held": -1, "charged": 1},
    {"held": 1, "charged": 0},
    {"held": -1, "charged": 1},
    {"held": 1, "charged": 0},
    {"held": -1, "charged": 1},
]


def _view(left: int = 597, used: int = 3, held: int = 0, seen: int = 3) -> PersonView:
    return PersonView("u", "load-001", {"left": left, "used": used, "held": held}, seen)


def test_points_that_add_up_pass() -> None:
    assert person_problems(_view(), BOOK, ENTRIES) == []


def test_a_rerun_counts_only_its_own_sessions() -> None:
    earlier = PersonView("u", "load-001", {"left": 597, "used": 3, "held": 0}, 1, used_before=2)
    assert person_problems(earlier, BOOK, ENTRIES) == []


@pytest.mark.parametrize(
    ("view", "book", "entries", "says"),
    [
        (_view(left=596), BOOK, ENTRIES, "left in /v1/me"),
        (_view(seen=4), BOOK, ENTRIES, "charged 3 in this run for 4 sessions"),
        (_view(), {**BOOK, "held": 1}, ENTRIES, "still held"),
        (_view(), BOOK, ENTRIES[:-1], "entries sum"),
        (_view(), {**BOOK, "activeHoldId": "h"}, ENTRIES, "points at hold"),
    ],
)
def test_points_that_do_not_add_up_are_named(
    view: PersonView, book: dict[str, Any], entries: list[dict[str, Any]], says: str
) -> None:
    assert any(says in p for p in person_problems(view, book, entries))


def _handled(service: str, event_type: str, age_s: float, handler_s: float) -> str:
    record = {
        "event": "consumer.handled",
        "service": service,
        "event_type": event_type,
        "InboxAgeSeconds": age_s,
        "HandlerSeconds": handler_s,
    }
    return f"{service:>10} │ {json.dumps(record)}\n"


def test_where_the_time_went_splits_inbox_wait_from_handler_time_join_path_first() -> None:
    lines = [
        _handled("notifier", "points.changed", 0.02, 0.01),
        _handled("notifier", "points.changed", 0.03, 0.01),
        _handled("matcher", "ticket.funded", 0.50, 0.10),  # waited 400 ms in the inbox
        _handled("ledger", "ticket.requested", 0.04, 0.03),
        '  ledger │ {"event": "consumer.started"}\n',
        "gateway │ not json consumer.handled\n",
    ]

    got = steps(lines)

    assert list(got) == [
        "ledger ticket.requested",
        "matcher ticket.funded",
        "notifier points.changed",
    ]
    funded = got["matcher ticket.funded"]
    assert funded["n"] == 1
    assert funded["wait_p50_ms"] == pytest.approx(400.0)
    assert funded["handler_p50_ms"] == pytest.approx(100.0)
    assert got["notifier points.changed"]["n"] == 2
