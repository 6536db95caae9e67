"""Properties of the points saga under any order, any duplicate, any race (hypothesis).

Scripts mix joins, cancels, invites, accepts, refusals, session starts and ends, and the clock
crossing midnight, over three people and a few shared hold ids, delivered through the real
handlers onto the in-memory store. Whatever the script:
- a day's balance never goes below 0 nor above the allowance;
- the summaries always equal the sum of the append-only log;
- nobody has two open holds; the account points at the open one;
- a hold is charged at most once, never more than it held; a session never twice;
- delivering any message again, at any later point, changes nothing;
- once everything is closed (released or ended), no point is left held.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.ledger import points
from services.ledger.handlers import UnknownHold
from services.wire.events import Event
from services.wire.events.common import accept_hold_id
from services.wire.events.matcher import EndReason
from tests.unit.ledger import builders as b
from tests.unit.ledger.fakes import World, run, world

USERS = ("ana", "bo", "cy")
INVITES = {"i0": ("ana", "bo"), "i1": ("bo", "cy"), "i2": ("cy", "ana")}
TICKETS = [(u, f"t{n}-{u}") for u in USERS for n in range(3)]
HOLDS = (
    TICKETS
    + [(f, i) for i, (f, _) in INVITES.items()]
    + [(t, accept_hold_id(i)) for i, (_, t) in INVITES.items()]
)
DAILY, SESSION = 15, 10

hold_ref = st.sampled_from(HOLDS)
session_pair = st.tuples(hold_ref, hold_ref, st.integers(1, 15)).filter(
    lambda p: p[0][0] != p[1][0]
)
op = st.one_of(
    st.tuples(st.just("ticket"), st.sampled_from(TICKETS)),
    st.tuples(st.just("cancel"), st.sampled_from(TICKETS)),
    st.tuples(st.just("invite"), st.sampled_from(sorted(INVITES))),
    st.tuples(st.just("accept"), st.sampled_from(sorted(INVITES))),
    st.tuples(st.just("close"), st.sampled_from(sorted(INVITES)), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("refuse"), st.sampled_from(sorted(INVITES))),
    st.tuples(st.just("start"), st.integers(0, 3)),
    st.tuples(st.just("end"), st.integers(0, 3), st.integers(0, 1500), st.booleans()),
    st.tuples(st.just("tick"), st.integers(1, 14)),
)
Item = Event | timedelta


def materialize(ops: Sequence[tuple[Any, ...]], sessions: Sequence[Any], w: World) -> list[Item]:
    """Turn a script into the messages it sends (and clock ticks), fixed before delivery."""
    now = w.clock()
    out: list[Item] = []
    seen: set[str] = set()  # hold ids some earlier message named
    for o in ops:
        kind = o[0]
        if kind in ("ticket", "cancel"):
            seen.add(o[1][1])
        elif kind in ("invite", "close"):
            seen.add(o[1])
        elif kind in ("accept", "refuse"):
            seen.add(accept_hold_id(o[1]))
        if kind == "ticket":
            out.append(b.ticket(o[1][1], o[1][0]))
        elif kind == "cancel":
            out.append(b.cancelled(o[1][1], o[1][0]))
        elif kind == "invite":
            out.append(b.invite(o[1], *INVITES[o[1]]))
        elif kind == "accept":
            out.append(b.accept(o[1], INVITES[o[1]][1]))
        elif kind == "close":
            out.append((b.declined, b.expired, b.withdrawn)[o[2]](o[1], *INVITES[o[1]]))
        elif kind == "refuse":
            out.append(b.refused(o[1], INVITES[o[1]][1]))
        elif kind in ("start", "end"):
            (h1, h2, minutes) = sessions[o[1] % len(sessions)]
            if not {h1[1], h2[1]} <= seen:
                continue  # the matcher only pairs holds the ledger funded: they exist
            start = b.started(f"s{o[1] % len(sessions)}", [h1, h2], now, minutes)
            if kind == "start":
                out.append(start)
            else:
                reason: EndReason = "cancelled" if o[3] else "stopped"
                out.append(b.ended(start, timedelta(seconds=o[2]), reason))
        else:
            out.append(timedelta(hours=o[1]))
            now += timedelta(hours=o[1])
    return out


async def deliver(w: World, items: Sequence[Item]) -> None:
    for item in items:
        if isinstance(item, timedelta):
            w.clock.advance(seconds=item.total_seconds())
        else:
            await w.deliver(item)
            check_invariants(w)


def check_invariants(w: World) -> None:
    s = w.store
    for book in s.books.values():
        assert 0 <= book.left <= book.allowance
        assert book.charged >= 0
        assert book.held >= 0
    folded = points.fold(s.entries())
    assert folded == {(b_.user_id, b_.day): (b_.charged, b_.held) for b_ in s.books.values()}
    open_by_user = Counter(h.user_id for h in s.holds.values() if h.is_open)
    assert all(n <= 1 for n in open_by_user.values())
    for user in USERS:
        account = s.accounts.get(user)
        active = account.active_hold_id if account else None
        open_ids = [h.hold_id for h in s.holds.values() if h.user_id == user and h.is_open]
        assert open_ids == ([active] if active else [])
    closing = Counter(e.hold_id for e in s.entries() if e.kind in ("release", "settle"))
    assert all(n <= 1 for n in closing.values())
    charged_sessions = Counter((e.user_id, e.session_id) for e in s.entries() if e.kind == "settle")
    assert all(n <= 1 for n in charged_sessions.values())
    for h in s.holds.values():
        assert 0 <= h.charged <= h.minutes <= SESSION


def close_everything(w: World, sessions: Sequence[Any]) -> list[Event]:
    """What the matcher would eventually send for each hold still open."""
    out: list[Event] = []
    for h in w.store.holds.values():
        if h.status == "in_session" and h.session_id:
            h1, h2, minutes = sessions[int(h.session_id[1:])]
            start = b.started(h.session_id, [h1, h2], w.clock(), minutes)
            out.append(b.ended(start, timedelta(minutes=3)))
        elif h.status == "held" and h.kind == "ticket":
            out.append(b.cancelled(h.hold_id, h.user_id))
        elif h.status == "held" and h.kind == "invite":
            out.append(b.expired(h.hold_id, *INVITES[h.hold_id]))
        elif h.status == "held":
            out.append(b.refused(h.hold_id.removesuffix(".accept"), h.user_id))
    return out


sessions_st = st.lists(session_pair, min_size=4, max_size=4)
script = st.lists(op, min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(ops=script, sessions=sessions_st)
def test_invariants_hold_and_every_hold_ends_settled_or_released(
    ops: list[tuple[Any, ...]], sessions: list[Any]
) -> None:
    w = world(daily_points=DAILY, session_minutes=SESSION)
    run(deliver(w, materialize(ops, sessions, w)))
    run(deliver(w, close_everything(w, sessions)))
    assert not [h for h in w.store.holds.values() if h.is_open]
    assert all(book.held == 0 for book in w.store.books.values())
    assert all(a.active_hold_id is None for a in w.store.accounts.values())


@settings(max_examples=150, deadline=None)
@given(ops=script, sessions=sessions_st, dups=st.lists(st.tuples(st.integers(0), st.integers(0))))
def test_any_message_delivered_again_later_changes_nothing(
    ops: list[tuple[Any, ...]], sessions: list[Any], dups: list[tuple[int, int]]
) -> None:
    once, twice = world(DAILY, SESSION), world(DAILY, SESSION)
    items = materialize(ops, sessions, once)
    with_dups = list(items)
    for which, where in dups if items else ():
        i = which % len(items)
        if isinstance(items[i], timedelta):
            continue
        # Insert the copy somewhere after the original (never before it).
        original = with_dups.index(items[i])
        at = original + 1 + where % (len(with_dups) - original)
        with_dups.insert(at, items[i])
    run(deliver(once, items))
    run(deliver(twice, with_dups))
    assert twice.store.state() == once.store.state()


@settings(max_examples=100, deadline=None)
@given(
    ops=script,
    sessions=sessions_st,
    cuts=st.lists(st.integers(1, 5), min_size=1, max_size=20),
)
def test_invariants_hold_when_messages_race(
    ops: list[tuple[Any, ...]], sessions: list[Any], cuts: list[int]
) -> None:
    w = world(DAILY, SESSION)
    items = materialize(ops, sessions, w)

    async def race() -> None:
        i, k = 0, 0
        retry: list[Item] = []
        while i < len(items) or retry:
            batch = retry + items[i : i + cuts[k % len(cuts)]]
            i, k = i + len(batch) - len(retry), k + 1
            for tick in (x for x in batch if isinstance(x, timedelta)):
                w.clock.advance(seconds=tick.total_seconds())
            events = [e for e in batch if isinstance(e, Event)]
            results = await asyncio.gather(*(w.deliver(e) for e in events), return_exceptions=True)
            # A session that overtook its own hold comes back later, as SQS would bring it.
            retry = [e for e, r in zip(events, results, strict=True) if isinstance(r, UnknownHold)]
            assert all(r is None or isinstance(r, UnknownHold) for r in results), results
            check_invariants(w)

    run(race())
    run(deliver(w, close_everything(w, sessions)))
    assert all(book.held == 0 for book in w.store.books.values())


@given(
    seconds=st.integers(-600, 10_000),
    cap=st.integers(0, 120),
    counts=st.booleans(),
)
def test_minutes_used_is_between_one_and_the_cap_once_a_session_counts(
    seconds: int, cap: int, counts: bool
) -> None:
    from datetime import UTC, datetime

    t0 = datetime(2031, 1, 1, tzinfo=UTC)
    m = points.minutes_used(t0, t0 + timedelta(seconds=seconds), cap, counts)
    assert 0 <= m <= cap
    if counts and cap:
        assert m >= 1
        assert m == min(cap, max(1, -(-max(0, seconds) // 60)))
    else:
        assert m == 0
