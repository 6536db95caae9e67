"""The embedded SQS's long poll answers as SQS's does.

A FIFO group's follower becomes deliverable when its head is deleted; a long poll already
waiting must hand it out then, not at the end of its wait (moto's own poll decided once, at
its start, which groups were busy, and spun until its timeout). The consumers long-poll while
they work and rely on it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3

from services.devstack.embedded_aws import DUMMY_CREDENTIALS, MotoServer


def _sqs(server: MotoServer) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def _fifo(sqs: Any) -> str:
    name = f"poll-{uuid.uuid4().hex[:8]}.fifo"
    attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    url: str = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return url


def _poll_in_background(sqs: Any, url: str, wait_s: int) -> tuple[threading.Thread, list[Any]]:
    got: list[Any] = []

    def poll() -> None:
        resp = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait_s, MaxNumberOfMessages=10)
        got.append((time.monotonic(), [m["Body"] for m in resp.get("Messages", [])]))

    thread = threading.Thread(target=poll)
    thread.start()
    return thread, got


def _answer_to_a_waiting_poll(sqs: Any, url: str, act: Callable[[], object]) -> tuple[Any, float]:
    """Start a long poll, then `act` while it waits: what it answered, and how long after."""
    thread, got = _poll_in_background(sqs, url, wait_s=10)
    time.sleep(0.3)
    acted = time.monotonic()
    act()
    thread.join(15)
    ((answered, bodies),) = got
    return bodies, answered - acted


def test_a_waiting_long_poll_gets_the_follower_as_soon_as_the_head_is_deleted(
    moto_server: MotoServer,
) -> None:
    sqs = _sqs(moto_server)
    url = _fifo(sqs)
    for body in ("head", "follower"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    (head,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert head["Body"] == "head"

    thread, got = _poll_in_background(sqs, url, wait_s=10)
    time.sleep(0.5)
    assert not got, "the follower must wait while its head is in flight"
    deleted = time.monotonic()
    sqs.delete_message(QueueUrl=url, ReceiptHandle=head["ReceiptHandle"])
    thread.join(15)

    ((answered, bodies),) = got
    assert bodies == ["follower"]
    assert answered - deleted < 1.0, answered - deleted


def test_a_waiting_long_poll_gets_a_message_sent_during_its_wait(
    moto_server: MotoServer,
) -> None:
    sqs = _sqs(moto_server)
    url = _fifo(sqs)

    bodies, waited = _answer_to_a_waiting_poll(
        sqs, url, lambda: sqs.send_message(QueueUrl=url, MessageBody="hello", MessageGroupId="g")
    )

    assert bodies == ["hello"]
    assert waited < 1.0


def test_a_message_made_visible_again_is_handed_to_a_waiting_poll(
    moto_server: MotoServer,
) -> None:
    sqs = _sqs(moto_server)
    url = _fifo(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="retry me", MessageGroupId="g")
    (msg,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"]

    bodies, waited = _answer_to_a_waiting_poll(
        sqs,
        url,
        lambda: sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=0
        ),
    )

    assert bodies == ["retry me"]
    assert waited < 1.0


def test_a_queue_counts_its_messages_as_sqs_does_and_a_delayed_one_arrives_on_time(
    moto_server: MotoServer,
) -> None:
    """The embedded SQS reads the clock once per look (a timer queue holds hundreds of
    delayed messages); what it counts and hands out is what moto's per-message clock did."""
    sqs = _sqs(moto_server)
    url: str = sqs.create_queue(QueueName=f"timers-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for _ in range(200):
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=900)
    sqs.send_message(QueueUrl=url, MessageBody="soon", DelaySeconds=1)
    sqs.send_message(QueueUrl=url, MessageBody="taken")
    sqs.send_message(QueueUrl=url, MessageBody="ready")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)

    names = [
        "ApproximateNumberOf" + n for n in ("Messages", "MessagesDelayed", "MessagesNotVisible")
    ]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert [int(counts[n]) for n in names] == [1, 201, 1]

    sent = time.monotonic()
    bodies: list[str] = []
    while "soon" not in bodies and time.monotonic() - sent < 5:
        resp = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, MaxNumberOfMessages=10)
        bodies += [m["Body"] for m in resp.get("Messages", [])]
    assert sorted(bodies) == ["ready", "soon"]
    assert 0.5 <= time.monotonic() - sent < 2.5
