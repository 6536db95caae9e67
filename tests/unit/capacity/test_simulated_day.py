"""The capacity simulation: the real pairing core decides, the meter counts what the code's
access patterns cost."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.capacity import costs
from services.capacity.assumptions import Assumptions, Profile
from services.capacity.day import DAY_S, Day, Window
from services.capacity.meter import Meter
from services.capacity.report import figures, render

NOON = Window(12 * 3600, 14 * 3600)
EN_ES, ES_EN = Profile(("en",), ("es",), 1.0), Profile(("es",), ("en",), 1.0)


def _day(people: int, *profiles: Profile, window: Window = NOON, **kw: object) -> Day:
    a = replace(Assumptions(people=people), profiles=profiles, patience_mean_s=1e9)
    return Day(a, window=window, **kw).run()  # type: ignore[arg-type]


def test_a_look_reads_a_unit_per_4kb_of_the_waiting_set() -> None:
    assert costs.whole_set_read(0) == 1
    assert costs.whole_set_read(13) == 1  # 3,900 bytes
    assert costs.whole_set_read(14) == 2
    assert costs.whole_set_read(10_000) == 733  # 3 MB, in 3 pages of 1 MB
    # A look reads one page per partition, however many wait there.
    assert costs.waiting_read(0) == 1
    assert costs.waiting_read(10_000) == costs.waiting_read(25) == 2


def test_mirrored_learners_are_paired_as_tandems() -> None:
    day = _day(20_000, EN_ES, ES_EN)
    assert day.out.joins > 300
    # Some wait out a moment when one side outnumbers the other, and take anyone.
    assert day.out.levels["tandem"] > 0.9 * sum(day.out.levels.values())


def test_learners_without_a_mirror_wait_until_anyone_will_do() -> None:
    # en → es with en → es: neither teaches the other, so the pairing core's relaxation
    # decides: anyone, once the newer of the two has waited 30 s.
    day = _day(20_000, EN_ES)
    assert set(day.out.levels) == {"anyone"}
    waits = day.out.waits["en-es"]
    # Of each pair, the one who came first waited the 30 s (the other may have just come).
    assert sum(w >= day.a.relax_anyone_s for w in waits) >= len(waits) / 2


def test_counted_steps_are_booked_in_their_second() -> None:
    m = Meter(10)
    for second in (3, 3, 7):
        m.count("end", second, lambda: [costs.Op("wcu:t", 2.0), costs.Op("sqs:q", 1.0)])
    m.expand()
    assert list(m.of("wcu:t")) == [0, 0, 0, 4, 0, 0, 0, 2, 0, 0]
    assert sum(m.of("sqs:q")) == 3


def test_a_conversation_costs_about_what_the_flow_was_measured_to_call() -> None:
    # docs/capacity.md §5: ~150 calls per conversation modelled from the code, 108-123
    # measured under `make load` (no re-reads while talking there).
    steps = [
        *costs.request(),
        *costs.request(),
        *costs.look(),
        *costs.wait(),
        *costs.look(),
        *costs.look(),
        *costs.match(fresh=True),
        *costs.end(),
    ]
    calls = sum(op.units for op in steps if op.where.startswith("calls:")) + 3  # waiting reads
    sqs = sum(op.units for op in steps if op.where.startswith("sqs:"))
    assert 100 <= calls + 2 * sqs <= 200


@pytest.mark.parametrize("design", ["today", "offers"])
def test_the_report_names_hot_partitions_tasks_and_cost(design: str) -> None:
    day = _day(5_000, EN_ES, ES_EN, Profile((), (), 0.5), design=design)
    day.book_background()
    f = figures(day, "test", range(12 * 3600, 14 * 3600), DAY_S / 7200, "slice", 3e-5)
    text = render(f)
    assert any(r.place.startswith(("RCU matcher-waiting/", "WCU matcher-waiting/")) for r in f.hot)
    assert "cost per conversation-minute" in text
    assert f.cost["total"] > f.cost["media egress"] > 0
    assert f.outcomes["sessions"] > 0
    assert all(n >= 2 for _, n in f.tasks.values())


def test_a_look_reads_heads_not_the_crowd_in_either_design() -> None:
    # Nobody for en → es: hundreds wait their 30 s. A look at the code's partitioned set
    # reads the oldest page of each partition it may take from (its tandem mirror, and the
    # base-level splits once it accepts one-sided pairs), not the hundreds; filed by offers,
    # the head of each heap it may take from.
    minutes = Window(13 * 3600, 13 * 3600 + 150)
    today = _day(1_000_000, EN_ES, window=minutes, design="today")
    offers = _day(1_000_000, EN_ES, window=minutes, design="offers")
    assert today.out.max_waiting > 500
    per_look = [d.out.look_entrants / d.out.looks for d in (today, offers)]
    assert per_look[0] <= (1 + 3 * today.layout.splits) * costs.LOOK_PAGE
    assert per_look[0] < today.out.max_waiting / 5
    assert per_look[1] < 2 * costs.OFFER_PAGE
