"""The whole messaging topology, derived from the event classes.

One SNS FIFO topic per publishing service; one SQS FIFO inbox (with a FIFO DLQ) per consuming
service; one subscription per (topic, inbox) pair that carries at least one event type, with a
`type` filter policy listing exactly those types; one standard timer queue for the matcher.
The local bootstrap and the Pulumi program both build from `topology(prefix)`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from services.wire.events import BUS_EVENTS, TIMER_EVENTS
from services.wire.events.base import Event
from services.wire.names import Service, dlq_name, inbox_name, timer_queue_name, topic_name
from services.wire.tables import ALL_TABLES, Table

# Receives, not attempts: the consumer retries a failing message in process (its own budget,
# services/runtime/retry.py) and parks it with its reason, so a message is received once per
# process that holds it. Extra receives come only from releases on shutdown (deploys,
# restarts) and crashes. The consumer parks a message that keeps killing it by its own count
# (CRASH_STARTS, below); the redrive is the backstop for when that count cannot be kept, set
# high enough that a healthy message held through a few deploys never reaches it.
MAX_RECEIVE_COUNT = 10
# A message that was received before and not finished may be what killed its last consumer:
# the consumer runs it alone, counting such runs itself, and parks it (reason
# `crashed_consumer`) instead of starting it once more than this. Its followers are received
# with it each time it comes back, so they have had CRASH_STARTS + 2 receives (3 if they were
# not in the batch that parked it) when their turn comes: well inside MAX_RECEIVE_COUNT,
# with room to spare for releases on deploys. That margin keeps them out of the DLQ.
CRASH_STARTS = 3
INBOX_VISIBILITY_S = 30
DAY_S = 24 * 3600
INBOX_RETENTION_S = 4 * DAY_S
DLQ_RETENTION_S = 14 * DAY_S
# The longest a message can come back after it was first handled: it can sit in its inbox
# for the inbox's retention (a delete that failed, a group held back, parked only at the end),
# then in the DLQ for the DLQ's retention (a parked copy is a new message; a FIFO DLQ restarts
# the clock on a move), then in the inbox again after a redrive.
REPLAY_WINDOW_S = 2 * INBOX_RETENTION_S + DLQ_RETENTION_S
# How long an idempotency marker (and anything else that stands for "this was handled") must
# live: the replay window and a margin, so a redrive at any age the DLQ allows finds it.
# DynamoDB's TTL deletes late, never early.
MARKER_TTL_S = REPLAY_WINDOW_S + 2 * DAY_S


FILTER_POLICY_SCOPE = "MessageAttributes"


@dataclass(frozen=True)
class Topic:
    publisher: Service
    name: str
    fifo: bool = True

    def attributes(self) -> dict[str, str]:
        """CreateTopic attributes. Dedup per message group lifts the per-topic FIFO ceiling."""
        return {
            "FifoTopic": "true",
            "ContentBasedDeduplication": "false",  # publishers send explicit dedup ids
            "FifoThroughputScope": "MessageGroup",
        }


@dataclass(frozen=True)
class Queue:
    owner: Service
    name: str
    dlq: str
    fifo: bool
    visibility_timeout_s: int = INBOX_VISIBILITY_S
    max_receive_count: int = MAX_RECEIVE_COUNT

    def attributes(self, dlq_arn: str) -> dict[str, str]:
        """CreateQueue attributes (strings, as the SQS API takes them)."""
        attrs = {
            "VisibilityTimeout": str(self.visibility_timeout_s),
            "MessageRetentionPeriod": str(INBOX_RETENTION_S),
            "ReceiveMessageWaitTimeSeconds": "0",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": self.max_receive_count}
            ),
        }
        if self.fifo:
            # High-throughput FIFO: limits apply per message group (user, pool, session),
            # not per queue, so load spreads the way the groups do.
            attrs |= {
                "FifoQueue": "true",
                "ContentBasedDeduplication": "false",
                "DeduplicationScope": "messageGroup",
                "FifoThroughputLimit": "perMessageGroupId",
            }
        return attrs

    def dlq_attributes(self) -> dict[str, str]:
        attrs = {"MessageRetentionPeriod": str(DLQ_RETENTION_S)}
        if self.fifo:
            attrs |= {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        return attrs


@dataclass(frozen=True)
class Subscription:
    topic: Topic
    queue: Queue
    types: tuple[str, ...]

    scope: str = FILTER_POLICY_SCOPE

    def filter_policy(self) -> dict[str, Any]:
        return {"type": list(self.types)}


@dataclass(frozen=True)
class Topology:
    prefix: str
    topics: tuple[Topic, ...]
    inboxes: tuple[Queue, ...]
    timer_queues: tuple[Queue, ...]
    subscriptions: tuple[Subscription, ...]
    tables: tuple[Table, ...]

    def topic(self, publisher: Service) -> Topic:
        return next(t for t in self.topics if t.publisher == publisher)

    def inbox(self, consumer: Service) -> Queue:
        return next(q for q in self.inboxes if q.owner == consumer)

    def timer_queue(self, owner: Service) -> Queue | None:
        return next((q for q in self.timer_queues if q.owner == owner), None)

    @property
    def queues(self) -> tuple[Queue, ...]:
        return self.inboxes + self.timer_queues

    def tables_written_by(self, service: Service) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.writer == service)

    def tables_read_by(self, service: Service) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if service in t.readers)


def types_by_route(
    events: tuple[type[Event], ...] = BUS_EVENTS,
) -> dict[tuple[Service, Service], tuple[str, ...]]:
    """(publisher, consumer) → the event types that travel that way, sorted."""
    routes: dict[tuple[Service, Service], set[str]] = defaultdict(set)
    for cls in events:
        for consumer in cls.CONSUMERS:
            routes[(cls.PUBLISHER, consumer)].add(cls.TYPE)
    return {k: tuple(sorted(v)) for k, v in sorted(routes.items())}


def topology(prefix: str) -> Topology:
    routes = types_by_route()
    publishers = sorted({p for p, _ in routes})
    consumers = sorted({c for _, c in routes})
    topics = {p: Topic(p, topic_name(prefix, p)) for p in publishers}
    inboxes = {
        c: Queue(c, inbox_name(prefix, c), dlq_name(prefix, inbox_name(prefix, c)), fifo=True)
        for c in consumers
    }
    timer_owners = sorted({cls.PUBLISHER for cls in TIMER_EVENTS})
    timers = tuple(
        Queue(
            o,
            timer_queue_name(prefix, o),
            dlq_name(prefix, timer_queue_name(prefix, o)),
            fifo=False,
        )
        for o in timer_owners
    )
    subs = tuple(Subscription(topics[p], inboxes[c], types) for (p, c), types in routes.items())
    return Topology(
        prefix=prefix,
        topics=tuple(topics.values()),
        inboxes=tuple(inboxes.values()),
        timer_queues=timers,
        subscriptions=subs,
        tables=ALL_TABLES,
    )
