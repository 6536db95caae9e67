"""Attack on the room log's economy: marks that "change nothing" are not written. That must
never change what anyone pays or when the room counts as met, whatever order the media's events
arrive in, as long as they arrive as each media mode delivers them: LiveKit names every
connection (one join, at most one leave, in any arrival order, repeats included); direct mode's
reports travel in the session's FIFO group (in the order they happened, repeats included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.core.room_log import IN, OUT, Mark, changes_nothing, view

T0 = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)  # a minute before midnight, for good measure
END = T0 + timedelta(minutes=15)
USERS = ("ann", "ben")


@st.composite
def livekit_arrivals(draw: st.DrawFn) -> list[Mark]:
    marks: list[Mark] = []
    for n in range(draw(st.integers(1, 6))):
        user = draw(st.sampled_from(USERS))
        joined = draw(st.integers(0, 800))
        marks.append(Mark(T0 + timedelta(seconds=joined), user, IN, f"PA_{n}", f"j{n}"))
        if draw(st.booleans()):
            left = joined + draw(st.integers(0, 200))
            marks.append(Mark(T0 + timedelta(seconds=left), user, OUT, f"PA_{n}", f"l{n}"))
    repeats = draw(st.lists(st.sampled_from(marks), max_size=4))
    return draw(st.permutations(marks + repeats))


@st.composite
def direct_arrivals(draw: st.DrawFn) -> list[Mark]:
    # The gateway stamps each report when it takes it, to the microsecond: no two share one.
    stamps = draw(st.lists(st.integers(0, 900), max_size=14, unique=True))
    kinds = [(draw(st.sampled_from(USERS)), draw(st.sampled_from((IN, OUT))), at) for at in stamps]
    ordered = sorted(kinds, key=lambda r: r[2])
    return [
        Mark(T0 + timedelta(seconds=at), user, kind, "", f"r{i}")
        for i, (user, kind, at) in enumerate(ordered)
    ]


def _both_ways(arrivals: list[Mark]) -> None:
    every: set[str] = set()
    kept: set[str] = set()
    for mark in arrivals:
        every.add(mark.encode())
        if not changes_nothing(kept, mark):
            kept.add(mark.encode())
    full, lean = view(every, USERS, T0, END), view(kept, USERS, T0, END)
    for until in (T0 + timedelta(seconds=s) for s in (30, 300, 899, 900)):
        assert lean.charge(until) == full.charge(until)
    assert lean.connected_at == full.connected_at


@settings(max_examples=300, deadline=None)
@given(livekit_arrivals())
def test_skipping_marks_never_changes_a_charge_in_livekit_mode(arrivals: list[Mark]) -> None:
    _both_ways(arrivals)


@settings(max_examples=300, deadline=None)
@given(direct_arrivals())
def test_skipping_marks_never_changes_a_charge_in_direct_mode(arrivals: list[Mark]) -> None:
    _both_ways(arrivals)
