"""The ledger's handlers over an in-memory store: what each input publishes, exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from services.ledger.handlers import UnknownHold
from services.wire.events import Event, derive_id
from services.wire.events.common import accept_hold_id
from tests.unit.ledger import builders as b
from tests.unit.ledger.fakes import World, world


def who(e: Event) -> str:
    return str(getattr(e, "user_id", None) or getattr(e, "from_user_id", ""))


def wire(w: World) -> list[str]:
    return [e.to_wire() for e in w.bus.events]


async def spend(w: World, user: str, minutes: int, tag: str = "x") -> None:
    """Hold a ticket, talk `minutes`, settle it."""
    await w.deliver(b.ticket(f"t-{tag}", user))
    await w.deliver(b.ticket(f"t-{tag}-peer", f"{user}-peer"))
    start = b.started(
        f"s-{tag}", [(user, f"t-{tag}"), (f"{user}-peer", f"t-{tag}-peer")], w.clock()
    )
    await w.deliver(start)
    await w.deliver(b.ended(start, timedelta(minutes=minutes)))


async def test_funded_ticket_travels_in_its_owners_group_and_they_hear_their_points() -> None:
    w = world()
    req = b.ticket("t1", "ana")
    await w.deliver(req)
    funded, changed = w.bus.of("ticket.funded"), w.bus.of("points.changed")
    assert [(f.ticket_id, f.minutes, f.group()) for f in funded] == [("t1", 15, "user#ana")]
    assert funded[0].id == derive_id(req.id, "ticket.funded")
    assert [(c.left, c.used, c.held) for c in changed] == [(0, 0, 15)]
    assert changed[0].resets_at == datetime(2031, 3, 5, tzinfo=UTC)
    book = w.store.book("ana", w.clock().date())
    assert (book.held, book.active_hold_id, book.active_kind) == (15, "t1", "ticket")


async def test_redelivered_request_publishes_the_very_same_events_and_holds_once() -> None:
    w = world()
    req = b.ticket("t1", "ana")
    await w.deliver(req)
    first = wire(w)
    w.clock.advance(seconds=40)
    await w.deliver(req)
    assert wire(w) == first + first
    assert w.store.book("ana", w.clock().date()).held == 15


async def test_crash_between_commit_and_publish_is_repaired_by_the_redelivery() -> None:
    w = world()
    req = b.ticket("t1", "ana")
    w.store.crash_after_commit = 1
    with pytest.raises(RuntimeError):
        await w.deliver(req)
    assert w.bus.events == []  # committed, nothing told
    await w.deliver(req)
    assert [e.TYPE for e in w.bus.events] == ["ticket.funded", "points.changed"]
    assert w.store.book("ana", w.clock().date()).held == 15
    assert w.store.commits == 1


async def test_failed_publish_is_retried_with_the_same_ids() -> None:
    w = world()
    await spend(w, "ana", 3)
    w.bus.events.clear()
    req = b.ticket("t2", "ana")
    w.bus.fail_next = 1
    with pytest.raises(RuntimeError):
        await w.deliver(req)
    await w.deliver(req)
    await w.deliver(req)
    ids = [e.id for e in w.bus.events]
    assert len(ids) == 4
    assert len(set(ids)) == 2
    assert w.bus.of("ticket.funded")[0].minutes == 12


async def test_cancel_before_request_never_holds_nor_funds() -> None:
    w = world()
    await w.deliver(b.cancelled("t1", "ana"))
    await w.deliver(b.ticket("t1", "ana"))
    assert w.bus.events == []
    assert w.store.book("ana", w.clock().date()).held == 0
    assert w.store.holds["t1"].status == "void"


async def test_cancel_after_request_releases_exactly_once() -> None:
    w = world()
    await w.deliver(b.ticket("t1", "ana"))
    cancel = b.cancelled("t1", "ana")
    await w.deliver(cancel)
    await w.deliver(cancel)
    await w.deliver(b.cancelled("t1", "ana"))  # another cancel for the same ticket
    changed = w.bus.of("points.changed")
    assert [(c.left, c.held) for c in changed] == [(0, 15), (15, 0), (15, 0)]
    assert changed[1].id == changed[2].id
    assert [e.key for e in w.store.entries()] == ["hold#t1", "release#t1"]


async def test_zero_points_left_is_rejected_with_no_points() -> None:
    w = world()
    await spend(w, "ana", 15)
    await w.deliver(b.ticket("t2", "ana"))
    assert [(r.ticket_id, r.reason) for r in w.bus.of("ticket.rejected")] == [("t2", "no_points")]


async def test_one_point_left_funds_one_minute_and_a_long_talk_costs_only_that_minute() -> None:
    w = world()
    await spend(w, "ana", 14)
    await spend(w, "ana", 9, tag="y")  # the peer has plenty; ana has 1 point
    funded = [f for f in w.bus.of("ticket.funded") if f.user_id == "ana"]
    assert [f.minutes for f in funded] == [15, 1]
    book = w.store.book("ana", w.clock().date())
    assert (book.charged, book.held, book.left) == (15, 0, 0)


async def test_second_join_while_waiting_is_refused_and_never_double_held() -> None:
    w = world()
    await w.deliver(b.ticket("t1", "ana"))
    await w.deliver(b.ticket("t2", "ana"))
    await w.deliver(b.invite("i1", "ana", "bo"))
    assert w.bus.of("ticket.rejected")[0].reason == "already_waiting"
    assert w.bus.of("invite.rejected")[0].reason == "already_waiting"
    assert w.store.book("ana", w.clock().date()).held == 15


async def test_join_while_talking_is_refused_as_in_session() -> None:
    w = world()
    await w.deliver(b.ticket("t1", "ana"))
    await w.deliver(b.ticket("t2", "bo"))
    await w.deliver(b.started("s1", [("ana", "t1"), ("bo", "t2")], w.clock()))
    await w.deliver(b.ticket("t3", "ana"))
    await w.deliver(b.accept("i9", "bo"))
    assert w.bus.of("ticket.rejected")[0].reason == "in_session"
    assert w.bus.of("invite.accept_rejected")[0].reason == "in_session"
    assert w.store.book("ana", w.clock().date()).active_kind == "session"


async def test_invite_holds_both_sides_and_the_session_settles_both() -> None:
    w = world()
    await w.deliver(b.invite("i1", "ana", "bo"))
    await w.deliver(b.accept("i1", "bo"))
    assert w.bus.of("invite.funded")[0].minutes == 15
    assert w.bus.of("invite.funded")[0].from_profile.name == "ana"
    assert w.bus.of("invite.accept_funded")[0].minutes == 15
    start = b.started("s1", [("ana", "i1"), ("bo", accept_hold_id("i1"))], w.clock())
    await w.deliver(start)
    await w.deliver(b.ended(start, timedelta(minutes=2, seconds=5)))
    for user in ("ana", "bo"):
        book = w.store.book(user, w.clock().date())
        assert (book.charged, book.held, book.active_hold_id) == (3, 0, None)


@pytest.mark.parametrize("close", [b.declined, b.expired, b.withdrawn])
async def test_an_invite_that_closes_gives_the_inviter_points_back(close) -> None:  # type: ignore[no-untyped-def]
    w = world()
    await w.deliver(b.invite("i1", "ana", "bo"))
    await w.deliver(close("i1", "ana", "bo"))
    assert w.store.book("ana", w.clock().date()).held == 0
    assert w.store.accounts["ana"].active_hold_id is None


async def test_a_refused_accept_gives_the_invitee_points_back() -> None:
    w = world()
    await w.deliver(b.accept("i1", "bo"))
    await w.deliver(b.refused("i1", "bo"))
    assert w.store.book("bo", w.clock().date()).held == 0
    assert w.store.holds[accept_hold_id("i1")].status == "released"


async def test_the_day_rolls_over_without_a_cron() -> None:
    w = world()
    await spend(w, "ana", 15)
    w.clock.advance(days=1)
    await w.deliver(b.ticket("t2", "ana"))
    assert w.bus.of("ticket.funded")[-1].minutes == 15
    assert w.bus.of("points.changed")[-1].day == w.clock().date()


async def test_a_session_across_midnight_is_charged_to_the_day_it_started() -> None:
    w = world()
    w.clock.now = datetime(2031, 3, 4, 23, 55, tzinfo=UTC)
    await w.deliver(b.ticket("t1", "ana"))
    await w.deliver(b.ticket("t2", "bo"))
    start = b.started("s1", [("ana", "t1"), ("bo", "t2")], w.clock())
    await w.deliver(start)
    w.clock.advance(minutes=10)
    await w.deliver(b.ended(start, timedelta(minutes=10)))
    day1, day2 = w.store.book("ana", start.starts_at.date()), w.store.book("ana", w.clock().date())
    assert (day1.charged, day1.held) == (10, 0)
    assert (day2.charged, day2.held, day2.version) == (0, 0, 0)


async def test_waiting_from_yesterday_still_blocks_a_second_join_today() -> None:
    w = world()
    w.clock.now = datetime(2031, 3, 4, 23, 59, tzinfo=UTC)
    await w.deliver(b.ticket("t1", "ana"))
    w.clock.advance(minutes=5)
    await w.deliver(b.ticket("t2", "ana"))
    assert w.bus.of("ticket.rejected")[0].reason == "already_waiting"


async def test_a_hold_id_of_someone_else_is_left_alone() -> None:
    w = world()
    await w.deliver(b.ticket("t1", "ana"))
    await w.deliver(b.cancelled("t1", "mallory"))
    assert w.store.holds["t1"].status == "held"


async def test_racing_inputs_from_different_groups_never_hold_twice() -> None:
    w = world()
    for round_ in range(20):
        user = f"u{round_}"
        await asyncio.gather(
            w.deliver(b.ticket(f"t{round_}", user)),
            w.deliver(b.invite(f"i{round_}", user, "x")),
            w.deliver(b.accept(f"j{round_}", user)),
        )
        funded = [
            e
            for e in w.bus.events
            if e.TYPE.endswith("funded")
            and getattr(e, "user_id", getattr(e, "from_user_id", "")) == user
        ]
        assert len(funded) == 1
        assert w.store.book(user, w.clock().date()).held == 15
    assert w.handlers.keeper.conflicts > 0


async def test_session_end_racing_a_new_join_charges_once_and_holds_once() -> None:
    w = world()
    await w.deliver(b.ticket("t1", "ana"))
    await w.deliver(b.ticket("t2", "bo"))
    start = b.started("s1", [("ana", "t1"), ("bo", "t2")], w.clock())
    await w.deliver(start)
    end = b.ended(start, timedelta(minutes=5))
    await asyncio.gather(w.deliver(end), w.deliver(b.ticket("t3", "ana")), w.deliver(end))
    book = w.store.book("ana", w.clock().date())
    assert book.charged == 5
    assert book.held in (0, 10)  # t3 funded after the end, or refused before it
    assert book.charged + book.held + book.left == 15


async def test_a_second_request_for_the_same_ticket_gets_the_first_answer_under_its_ids() -> None:
    w = world()
    await w.deliver(b.ticket("t1", "ana"))
    first = wire(w)
    await w.deliver(b.ticket("t1", "ana"))  # same ticket, new event id (a retried publish)
    assert wire(w) == first + first
    assert w.store.book("ana", w.clock().date()).held == 15


async def test_a_session_naming_a_hold_never_placed_fails_so_it_comes_back() -> None:
    w = world()
    await w.deliver(b.ticket("t1", "ana"))
    start = b.started("s1", [("ana", "t1"), ("bo", "t-missing")], w.clock())
    with pytest.raises(UnknownHold):
        await w.deliver(start)
    assert w.store.holds["t1"].status == "in_session"  # the known one is started all the same
    await w.deliver(b.ticket("t-missing", "bo"))
    await w.deliver(start)  # the retry
    assert w.store.holds["t-missing"].status == "in_session"


async def test_a_late_end_never_charges_past_the_session_length() -> None:
    w = world()
    await spend(w, "ana", 14)
    await w.deliver(b.ticket("t2", "ana"))  # 1 point left: a 1-minute session
    await w.deliver(b.ticket("t3", "bo"))  # bo could talk 15
    start = b.started("s2", [("ana", "t2"), ("bo", "t3")], w.clock(), minutes=1)
    lopsided = start.model_copy(
        update={
            "participants": (
                start.participants[0].model_copy(update={"minutes": 1}),
                start.participants[1].model_copy(update={"minutes": 15}),
            )
        }
    )
    await w.deliver(lopsided)
    await w.deliver(b.ended(lopsided, timedelta(minutes=4)))  # the timer fired 3 minutes late
    assert w.store.book("bo", w.clock().date()).charged == 1
    assert w.store.book("ana", w.clock().date()).charged == 15
