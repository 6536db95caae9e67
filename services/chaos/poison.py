"""Poison for every inbox: one message that is not JSON, one of a type nobody knows. Each
must end, with its reason, in that queue's DLQ, and nothing else may."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

from services.wire.topology import Queue

MALFORMED = "{this is not json"


def poison_bodies(queue: Queue) -> list[tuple[str, str]]:
    """(kind, body) of what is injected into one queue."""
    unknown = {
        "type": "chaos.unknown",
        "version": 1,
        "id": f"chaos-{uuid.uuid4()}",
        "occurredAt": "2026-01-01T00:00:00Z",
        "payload": {"queue": queue.name},
    }
    return [("malformed", MALFORMED), ("unknown_type", json.dumps(unknown))]


def inject(sqs: Any, queues: list[tuple[Queue, str]]) -> dict[str, list[str]]:
    """Send the poison to each (queue, url); returns DLQ name → the bodies expected there."""
    expected: dict[str, list[str]] = {}
    for queue, url in queues:
        for kind, body in poison_bodies(queue):
            kwargs: dict[str, Any] = {"QueueUrl": url, "MessageBody": body}
            if queue.fifo:
                kwargs |= {
                    "MessageGroupId": f"chaos-{kind}",
                    "MessageDeduplicationId": uuid.uuid4().hex,
                }
            sqs.send_message(**kwargs)
            expected.setdefault(queue.dlq, []).append(body)
    return expected


def read_dead(sqs: Any, url: str) -> list[str]:
    """Every body in a DLQ (received, left hidden for a while, not deleted)."""
    bodies: list[str] = []
    empty = 0
    while empty < 2:
        resp = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=120
        )
        msgs = resp.get("Messages", [])
        empty = 0 if msgs else empty + 1
        bodies.extend(m["Body"] for m in msgs)
    return bodies


def dead_problems(expected: dict[str, list[str]], found: dict[str, list[str]]) -> list[str]:
    """Each DLQ holds exactly its injected poison (pure)."""
    out: list[str] = []
    for dlq in sorted(set(expected) | set(found)):
        want, got = Counter(expected.get(dlq, [])), Counter(found.get(dlq, []))
        if want != got:
            extra = list((got - want).elements())
            out.append(
                f"{dlq}: {len(got)} dead letters, expected the {len(want)} injected"
                + (f"; others, e.g. {extra[0][:300]}" if extra else "")
            )
    return out
