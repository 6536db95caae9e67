"""`session.ended` says what each pays (the minutes both were in the room together): the
ledger charges exactly that, and events without it keep the older rule."""

from __future__ import annotations

from datetime import timedelta

from services.wire.events.matcher import SessionStarted
from tests.unit.ledger import builders as b
from tests.unit.ledger.fakes import World, world


async def _talk(w: World, tag: str) -> SessionStarted:
    await w.deliver(b.ticket(f"t-{tag}", "ana"))
    await w.deliver(b.ticket(f"t-{tag}-peer", "bo"))
    start = b.started(f"s-{tag}", [("ana", f"t-{tag}"), ("bo", f"t-{tag}-peer")], w.clock())
    await w.deliver(start)
    return start


async def test_the_charge_the_matcher_gives_is_charged_exactly() -> None:
    w = world()
    start = await _talk(w, "x")
    # Ten minutes from first meeting to the end, but only 35 s of it together: 1 point.
    ended = b.ended(start, timedelta(minutes=10)).model_copy(
        update={"media_tracked": True, "connected_at": start.starts_at, "minutes_used": 1}
    )
    await w.deliver(ended)
    day = w.clock().date()
    assert w.store.book("ana", day).charged == 1
    assert w.store.book("bo", day).charged == 1
    assert w.store.book("ana", day).held == 0


async def test_never_together_is_free_even_when_it_ended_otherwise() -> None:
    w = world()
    start = await _talk(w, "y")
    ended = b.ended(start, timedelta(minutes=3), reason="time_up").model_copy(
        update={"media_tracked": True, "connected_at": None, "minutes_used": 0}
    )
    await w.deliver(ended)
    assert w.store.book("ana", w.clock().date()).charged == 0
    assert w.store.book("ana", w.clock().date()).left == 15


async def test_an_event_without_a_charge_keeps_the_older_rule() -> None:
    w = world()
    start = await _talk(w, "z")
    await w.deliver(b.ended(start, timedelta(seconds=61)))  # charged from the start: 2
    assert w.store.book("ana", w.clock().date()).charged == 2
