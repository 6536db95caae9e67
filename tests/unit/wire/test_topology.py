"""The topology derived from the events: every route, and nothing more."""

from __future__ import annotations

from services.wire.events import BUS_EVENTS
from services.wire.names import Service
from services.wire.topology import MAX_RECEIVE_COUNT, topology

T = topology("parley-test")


def test_each_inbox_subscribes_to_exactly_the_types_its_service_consumes() -> None:
    for inbox in T.inboxes:
        routed = {t for s in T.subscriptions if s.queue == inbox for t in s.types}
        consumed = {cls.TYPE for cls in BUS_EVENTS if inbox.owner in cls.CONSUMERS}
        assert routed == consumed, inbox.owner


def test_each_subscription_comes_from_the_publishers_own_topic() -> None:
    for sub in T.subscriptions:
        publishers = {cls.PUBLISHER for cls in BUS_EVENTS if cls.TYPE in sub.types}
        assert publishers == {sub.topic.publisher}
        assert sub.filter_policy() == {"type": list(sub.types)}


def test_every_queue_has_a_dead_letter_queue_of_the_same_kind() -> None:
    for q in T.queues:
        attrs = q.attributes("arn:dlq")
        assert f'"maxReceiveCount": {MAX_RECEIVE_COUNT}' in attrs["RedrivePolicy"]
        assert q.dlq != q.name
        assert q.dlq.endswith(".fifo") == q.name.endswith(".fifo") == q.fifo
    assert all(q.fifo for q in T.inboxes)
    assert not any(q.fifo for q in T.timer_queues)


def test_one_topic_per_publisher_and_one_inbox_per_consumer() -> None:
    assert {t.publisher for t in T.topics} == {Service.GATEWAY, Service.LEDGER, Service.MATCHER}
    assert {q.owner for q in T.inboxes} == {Service.LEDGER, Service.MATCHER, Service.NOTIFIER}
    assert all(t.name.endswith(".fifo") for t in T.topics)


def test_every_table_has_one_writer_and_readers_are_only_the_gateway() -> None:
    names = [t.logical for t in T.tables]
    assert len(names) == len(set(names))
    for table in T.tables:
        assert table.logical.startswith(str(table.writer))
        assert table.readers <= {Service.GATEWAY}
        kwargs = table.create_table_kwargs("p")
        assert kwargs["BillingMode"] == "PAY_PER_REQUEST"
