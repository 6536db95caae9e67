"""The embedded AWS's own SNS FIFO → SQS FIFO hop, timed under the same load as the run.

A dedicated FIFO topic and FIFO queue (raw delivery, explicit dedup ids) on the moto server,
one message published every `every_s` by one thread and long-polled by another, as the
services poll their inboxes. Threads, so the figure does not wait on the run's event loop.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from services.loadgen.aws import admin_client

POLL_WAIT_S = 1


class HopProbe:
    def __init__(
        self,
        moto_url: str,
        region: str,
        every_s: float,
        on_sample: Callable[[float, float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sns = admin_client(moto_url, region, "sns")
        self._sqs = admin_client(moto_url, region, "sqs")
        self._every_s = every_s
        self._on_sample = on_sample
        self._clock = clock
        self._run = secrets.token_hex(4)
        self._sent: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.topic_arn = ""
        self.queue_url = ""
        self.sub_arn = ""
        self.published = 0
        self.received = 0

    def start(self) -> HopProbe:
        name = f"parley-loadprobe-{self._run}"
        self.topic_arn = self._sns.create_topic(
            Name=f"{name}.fifo",
            Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "false"},
        )["TopicArn"]
        self.queue_url = self._sqs.create_queue(
            QueueName=f"{name}.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        )["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        self.sub_arn = self._sns.subscribe(
            TopicArn=self.topic_arn,
            Protocol="sqs",
            Endpoint=arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        for target in (self._receive, self._publish):
            thread = threading.Thread(target=target, name=f"hop-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _publish(self) -> None:
        seq = 0
        while not self._stop.wait(self._every_s):
            seq += 1
            with self._lock:
                self._sent[seq] = self._clock()
            try:
                self._sns.publish(
                    TopicArn=self.topic_arn,
                    Message=json.dumps({"seq": seq}),
                    MessageGroupId=f"probe-{seq}",
                    MessageDeduplicationId=f"{self._run}-{seq}",
                )
                self.published += 1
            except Exception:  # a failed publish is simply not a sample
                with self._lock:
                    self._sent.pop(seq, None)

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                resp: dict[str, Any] = self._sqs.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=POLL_WAIT_S
                )
            except Exception:
                time.sleep(0.1)
                continue
            at = self._clock()
            messages = resp.get("Messages", [])
            for m in messages:
                with self._lock:
                    sent = self._sent.pop(int(json.loads(m["Body"])["seq"]), None)
                if sent is not None:
                    self.received += 1
                    self._on_sample(sent, at - sent)
            if messages:
                with contextlib.suppress(Exception):
                    self._sqs.delete_message_batch(
                        QueueUrl=self.queue_url,
                        Entries=[
                            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                            for i, m in enumerate(messages)
                        ],
                    )

    def stop(self) -> None:
        """Stop both threads and delete the probe's topic, subscription and queue."""
        self._stop.set()
        for thread in self._threads:
            thread.join(POLL_WAIT_S + 10)
        with contextlib.suppress(Exception):
            if self.sub_arn:
                self._sns.unsubscribe(SubscriptionArn=self.sub_arn)
        with contextlib.suppress(Exception):
            if self.topic_arn:
                self._sns.delete_topic(TopicArn=self.topic_arn)
        with contextlib.suppress(Exception):
            if self.queue_url:
                self._sqs.delete_queue(QueueUrl=self.queue_url)
