"""The notifier's handlers with in-memory adapters: who gets what, in which order, and what
happens when connections are gone, slow or failing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.handlers import DeliveryFailed, Notifier
from services.runtime.consumer import Delivery
from services.runtime.retry import is_transient
from services.wire.events.common import Participant
from services.wire.events.gateway import ConnectionClosed, ConnectionOpened, SignalRelayed
from services.wire.events.ledger import PointsChanged
from services.wire.events.matcher import SessionStarted, TicketCancelled
from tests.unit.notifier.fakes import FakeConnections, FakeHandled, FakePoster

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _started(a: str = "ann", b: str = "ben", session_id: str = "s1") -> SessionStarted:
    return SessionStarted(
        session_id=session_id,
        participants=(
            Participant(user_id=a, hold_id="h1", minutes=10),
            Participant(user_id=b, hold_id="h2", minutes=10),
        ),
        starts_at=T0,
        ends_at=T0 + timedelta(minutes=10),
        media_mode="direct",
        room=session_id,
        origin="match",
    )


def _signal(n: int, to: str = "ben") -> SignalRelayed:
    return SignalRelayed(
        session_id="s1", from_user_id="ann", to_user_id=to, kind="candidate", data={"n": n}
    )


def _types(frames: list[bytes]) -> list[str]:
    return [json.loads(f)["type"] for f in frames]


async def test_every_tab_of_every_recipient_gets_the_message_and_nobody_else() -> None:
    poster, handled = FakePoster(), FakeHandled()
    connections = FakeConnections(ann=("a1", "a2"), ben=("b1",), cat=("c1",))
    notifier = Notifier(connections, poster, handled)
    event = _started()
    await notifier.notify(event)
    assert {c: _types(f) for c, f in poster.received.items()} == {
        "a1": ["session.started"],
        "a2": ["session.started"],
        "b1": ["session.started"],
    }
    assert handled.marked == {event.id}
    assert (notifier.tally.sent, notifier.tally.events) == (3, 1)


async def test_an_event_already_pushed_is_not_pushed_again() -> None:
    poster, handled = FakePoster(), FakeHandled()
    notifier = Notifier(FakeConnections(ann=("a1",), ben=("b1",)), poster, handled)
    event = _started()
    await notifier.notify(event)
    await notifier.notify(event)
    assert poster.attempts == 2
    assert notifier.tally.duplicates == 1


async def test_a_gone_connection_is_removed_and_counted_while_the_others_are_served() -> None:
    connections = FakeConnections(ann=("a1", "a-gone"), ben=("b1",))
    poster = FakePoster(gone=frozenset({"a-gone"}))
    notifier = Notifier(connections, poster, FakeHandled())
    await notifier.notify(_started())
    assert set(poster.received) == {"a1", "b1"}
    assert connections.by_user["ann"] == {"a1"}
    assert (notifier.tally.sent, notifier.tally.gone) == (2, 1)


async def test_when_nothing_could_be_delivered_and_something_failed_the_event_is_retried() -> None:
    handled = FakeHandled()
    notifier = Notifier(
        FakeConnections(ann=("a1",), ben=("b1",)),
        FakePoster(failing=frozenset({"a1", "b1"})),
        handled,
    )
    with pytest.raises(DeliveryFailed):
        await notifier.notify(_started())
    assert handled.marked == set()  # so the retry pushes again


async def test_an_unreachable_connections_api_is_waited_out_not_dead_lettered() -> None:
    # The gateway (the local WebSocket edge) restarting: every post fails to connect. The
    # consumer must treat that as an outage (minutes of retries), not park the event after
    # ~15 s of quick attempts, as it did before.
    notifier = Notifier(
        FakeConnections(ann=("a1",), ben=("b1",)),
        FakePoster(failing=frozenset({"a1", "b1"})),
        FakeHandled(),
    )
    with pytest.raises(DeliveryFailed) as exc:
        await notifier.notify(_started())
    assert is_transient(exc.value)


async def test_a_refused_post_is_not_retried_for_minutes() -> None:
    notifier = Notifier(
        FakeConnections(ann=("a1",), ben=("b1",)),
        FakePoster(failing=frozenset({"a1"}), refusing=frozenset({"b1"})),
        FakeHandled(),
    )
    with pytest.raises(DeliveryFailed) as exc:
        await notifier.notify(_started())
    assert not is_transient(exc.value)
    assert notifier.tally.failed == 2


async def test_one_failing_person_does_not_fail_the_event_for_the_other() -> None:
    poster, handled = FakePoster(failing=frozenset({"a1"})), FakeHandled()
    notifier = Notifier(FakeConnections(ann=("a1",), ben=("b1",)), poster, handled)
    await notifier.notify(_started())
    assert set(poster.received) == {"b1"}
    assert notifier.tally.failed == 1
    assert handled.marked  # pushed to ben: a retry would push ben a duplicate


async def test_when_connections_cannot_be_read_the_event_fails_and_is_retried() -> None:
    class Unreadable(FakeConnections):
        async def of(self, user_id: str) -> tuple[str, ...]:
            raise RuntimeError("table unavailable")

    poster, handled = FakePoster(), FakeHandled()
    notifier = Notifier(Unreadable(), poster, handled)
    with pytest.raises(RuntimeError, match="table unavailable"):
        await notifier.notify(_started())
    assert poster.attempts == 0
    assert handled.marked == set()


async def test_nobody_online_is_not_an_error_and_nothing_is_marked() -> None:
    handled = FakeHandled()
    notifier = Notifier(FakeConnections(), FakePoster(), handled)
    await notifier.notify(_started())
    assert notifier.tally.offline == 2
    assert handled.marked == set()


async def test_a_slow_person_does_not_hold_up_another() -> None:
    poster = FakePoster(delays={"a1": 0.2})
    notifier = Notifier(FakeConnections(ann=("a1",), ben=("b1",)), poster, FakeHandled())
    slow = asyncio.ensure_future(notifier.notify(_started()))
    # An event for ben alone, handled after the session started, while ann's post hangs.
    await asyncio.sleep(0.01)
    await notifier.notify(_signal(1))
    assert _types(poster.received["b1"]) == ["session.started", "signal"]
    assert "a1" not in poster.received
    await slow
    assert _types(poster.received["a1"]) == ["session.started"]


async def test_messages_for_one_person_keep_the_order_of_handling_across_events() -> None:
    # ben's first connection is slow: every later message must still arrive after it.
    poster = FakePoster(delays={"b1": 0.05})
    notifier = Notifier(FakeConnections(ann=("a1",), ben=("b1",)), poster, FakeHandled())
    events = [_started(), *(_signal(n) for n in range(5))]
    ended_first = asyncio.ensure_future(notifier.notify(events[0]))
    await asyncio.gather(ended_first, *(notifier.notify(e) for e in events[1:]))
    got = [json.loads(f) for f in poster.received["b1"]]
    assert [m["type"] for m in got] == ["session.started"] + ["signal"] * 5
    assert [m["data"]["n"] for m in got[1:]] == list(range(5))


async def test_connection_events_keep_the_notifiers_copy() -> None:
    connections = FakeConnections()
    notifier = Notifier(connections, FakePoster(), FakeHandled())
    opened = ConnectionOpened(connection_id="c1", user_id="ann")
    handlers, delivery = notifier.handlers(), Delivery("m1", "user#ann", 1, 0)
    await handlers["connection.opened"](opened, delivery)
    await handlers["connection.opened"](opened, delivery)  # redelivered: no change
    c2 = ConnectionOpened(connection_id="c2", user_id="ann")
    await handlers["connection.opened"](c2, delivery)
    closed = ConnectionClosed(connection_id="c1", user_id="ann")
    await handlers["connection.closed"](closed, delivery)
    assert connections.by_user["ann"] == {"c2"}


async def test_every_event_type_with_a_message_has_a_handler() -> None:
    notifier = Notifier(FakeConnections(), FakePoster(), FakeHandled())
    handlers = notifier.handlers()
    for event_type in (TicketCancelled.TYPE, PointsChanged.TYPE, SignalRelayed.TYPE):
        assert handlers[event_type] == notifier.notify
