"""How the waiting set is split (`waitlist.Layout`): new tickets go by the current count, reads
and deletes cover the count before a resize too, and a stack's count follows its size."""

from __future__ import annotations

import pytest

from services.capacity.day import waiting_layout_for
from services.matcher.tables.waiting_layout import Layout


def test_one_split_is_one_home_and_one_base_partition_per_level() -> None:
    layout = Layout()
    assert layout.homes == ("0",)
    assert layout.filed("t", ("en",), ("es",)) == ["0", "T:en>es", "B:tandem#0"]
    assert layout.filed("t", (), ()) == ["0", "B:anyone#0"]


def test_a_ticket_is_filed_in_one_split_of_the_count_and_read_in_all() -> None:
    layout = Layout(4)
    assert layout.homes == ("0", "1", "2", "3")
    homes = {layout.home_of(f"t{i}") for i in range(200)}
    assert homes == set(layout.homes)  # spread over all four
    assert [p for p, _ in layout.searched((), (), *_anyone())] == [
        f"B:{level}#{k}" for level in ("tandem", "one_sided", "anyone") for k in range(4)
    ]


def test_during_a_resize_reads_and_deletes_cover_both_counts_and_writes_the_new() -> None:
    # Growing: every instance reads 4 before any writes 4 (Layout(1, also_read=4), then
    # Layout(4, also_read=1)); shrinking: Layout(1, also_read=4) until the old tickets are gone.
    assert Layout(1, also_read=4).homes == Layout(4, also_read=1).homes == Layout(4).homes
    resized = Layout(1, also_read=4)
    assert resized.homes == ("0", "1", "2", "3")
    ticket = next(f"t{i}" for i in range(100) if Layout(4).home_of(f"t{i}") != "0")
    assert resized.filed(ticket, (), ()) == ["0", "B:anyone#0"]
    anywhere = resized.anywhere(ticket, (), ())
    assert set(anywhere) == {"0", "B:anyone#0", *Layout(4).filed(ticket, (), ())}
    assert len(anywhere) == len(set(anywhere))  # one Delete per key: a transaction refuses two
    assert Layout(4).anywhere(ticket, (), ()) == Layout(4).filed(ticket, (), ())


@pytest.mark.parametrize(("splits", "also_read"), [(0, 0), (65, 0), (1, -1), (1, 65)])
def test_a_layout_out_of_range_is_refused(splits: int, also_read: int) -> None:
    with pytest.raises(ValueError, match="layout"):
        Layout(splits, also_read)


def test_a_stack_is_split_as_its_daily_people_need() -> None:
    assert waiting_layout_for(1_000_000) == Layout(1)
    assert waiting_layout_for(2_500_000) == Layout(1)
    assert waiting_layout_for(5_000_000) == Layout(2)
    assert waiting_layout_for(10_000_000) == Layout(4)


def _anyone() -> tuple[object, ...]:
    from services.matcher.core.waiting import Level, Relax

    return (Level.ANYONE, 1_000.0, Relax(10, 30))
