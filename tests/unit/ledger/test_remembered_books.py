"""Funding from the books the ledger remembers: one read fewer, never a stale decision."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.ledger import builders as b
from tests.unit.ledger.fakes import world


async def test_a_person_joining_again_is_funded_without_reading_their_books() -> None:
    w = world()
    await w.deliver(b.ticket("t1", "ana"))
    await w.deliver(b.cancelled("t1", "ana"))
    reads = w.store.snapshots
    await w.deliver(b.ticket("t2", "ana"))
    assert w.store.snapshots == reads
    assert [f.ticket_id for f in w.bus.of("ticket.funded")] == ["t1", "t2"]
    assert w.handlers.keeper.reads_saved == 1


async def test_a_redelivered_request_decided_from_memory_still_answers_as_before() -> None:
    w = world()
    await w.deliver(b.ticket("t1", "ana"))
    await w.deliver(b.cancelled("t1", "ana"))
    req = b.ticket("t2", "ana")
    await w.deliver(req)
    await w.deliver(req)  # the hold exists: the remembered "no hold" fails its condition
    funded = w.bus.of("ticket.funded")
    assert [f.ticket_id for f in funded] == ["t1", "t2", "t2"]
    assert funded[1].id == funded[2].id
    assert w.store.book("ana", w.clock().date()).held == 15


async def test_points_spent_through_another_ledger_task_are_never_spent_twice() -> None:
    a = world()
    other = world(beside=a)
    await a.deliver(b.ticket("t1", "ana"))
    await a.deliver(b.ticket("t1-peer", "bo"))
    s1 = b.started("s1", [("ana", "t1"), ("bo", "t1-peer")], a.clock())
    await a.deliver(s1)
    await a.deliver(b.ended(s1, timedelta(minutes=5)))  # a remembers 10 points left
    await other.deliver(b.ticket("t2", "ana"))
    await other.deliver(b.ticket("t2-peer", "cy"))
    s2 = b.started("s2", [("ana", "t2"), ("cy", "t2-peer")], a.clock())
    await other.deliver(s2)
    await other.deliver(b.ended(s2, timedelta(minutes=10)))  # spent the rest elsewhere

    await a.deliver(b.ticket("t3", "ana"))

    assert [r.ticket_id for r in a.bus.of("ticket.rejected")] == ["t3"]
    book = a.store.book("ana", a.clock().date())
    assert (book.charged, book.held, book.left) == (15, 0, 0)


async def test_a_refusal_is_never_decided_from_memory() -> None:
    a = world()
    other = world(beside=a)
    await a.deliver(b.ticket("t1", "ana"))  # a remembers ana waiting on t1
    await other.deliver(b.cancelled("t1", "ana"))  # the other task gave the points back

    await a.deliver(b.ticket("t2", "ana"))

    assert a.bus.of("ticket.rejected") == []
    assert [f.ticket_id for f in a.bus.of("ticket.funded")] == ["t1", "t2"]
    assert a.store.book("ana", a.clock().date()).active_hold_id == "t2"
