"""The consumer's per-group bookkeeping: room for receives, stalls and releases."""

from __future__ import annotations

from services.runtime.groups import Groups


def test_room_is_what_can_start_now_bounded_by_ten_and_by_what_may_be_held() -> None:
    groups = Groups(concurrency=4, max_held=6)
    assert groups.room() == 4
    for g in ("a", "a", "b"):
        groups.take(g)
    assert groups.room() == 1
    groups.take("c")
    assert groups.room() == 0
    assert Groups(concurrency=50, max_held=200).room() == 10


def test_a_group_backing_off_frees_its_room_but_still_counts_as_held() -> None:
    groups = Groups(concurrency=2, max_held=5)
    for _ in range(3):
        groups.take("failing")
    assert groups.room() == 0
    groups.stall("failing")
    assert groups.room() == 2  # other groups can run meanwhile
    groups.take("other")
    assert groups.room() == 1  # held: 4 of 5
    groups.resume("failing")
    assert groups.room() == 0


def test_a_release_sends_back_what_was_received_before_it_not_after() -> None:
    groups = Groups(concurrency=8, max_held=32)
    _, head = groups.take("g")
    _, follower = groups.take("g")
    groups.release("g")
    _, later = groups.take("g")
    assert groups.must_release("g", head)
    assert groups.must_release("g", follower)
    assert not groups.must_release("g", later)
    for _ in range(3):
        groups.done("g")
    _, fresh = groups.take("g")
    assert not groups.must_release("g", fresh)  # forgotten once the group was empty
