"""A change that keeps losing races backs off for seconds, not one, then comes back later."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.ledger.bookkeeping import CONTENTION, Bookkeeper, TooContended
from services.ledger.model import Change, Conflict
from services.runtime.retry import CALL_BUDGET_S, is_transient
from tests.unit.ledger.fakes import MemoryStore, world


class AlwaysOvertaken(MemoryStore):
    """Someone else commits first, every time."""

    async def commit(self, change: Change, now: datetime) -> None:
        raise Conflict("moved on")


async def test_a_change_that_keeps_losing_backs_off_then_is_left_for_later() -> None:
    w = world()
    store = AlwaysOvertaken(w.store.rules)
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    keeper = Bookkeeper(store, store.rules, clock=w.clock, attempts=12, sleep=pause)
    with pytest.raises(TooContended) as caught:
        await keeper.place(hold_id="h1", user_id="ana", kind="ticket", event_id="e1")
    assert is_transient(caught.value)  # the consumer retries it later; never parked early
    assert keeper.conflicts == 12
    assert len(pauses) == 11  # between rounds, none after the last
    assert all(0 <= p <= CONTENTION.ceiling(n) for n, p in enumerate(pauses, 1))


def test_twelve_rounds_may_back_off_for_seconds_within_the_call_budget() -> None:
    # The old pause (up to 5 ms doubling to 320 ms) let twelve rounds end in ~1 s.
    assert CONTENTION.worst_case_s(11) > 5.0
    assert CONTENTION.worst_case_s(100) == CALL_BUDGET_S
    assert CONTENTION.ceiling(1) <= 0.02  # the first racers only wait a moment
