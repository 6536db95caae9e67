"""Topics, inboxes, DLQs, subscriptions and the timer queue, built from `topology(prefix)`.

Queue attributes are taken from the wire's own `Queue.attributes()` / `dlq_attributes()` (the
same dictionaries the local bootstrap hands to CreateQueue), translated to Pulumi arguments;
an attribute this file does not know fails the program instead of being dropped. Every topic
and queue is encrypted with the bus key (`bus_key.py`).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from parley_infra.bus_key import bus_key
from parley_infra.config import Settings
from services.wire import Service, Topology
from services.wire.topology import Queue

_PLACEHOLDER_ARN = "arn:aws:sqs:region:000000000000:placeholder"
# How long SQS reuses a data key before asking KMS again (AWS's default, stated): fewer KMS
# requests (they are billed) for a key that is rotated anyway.
KEY_REUSE_S = 300

# SQS attribute → (Pulumi argument, converter)
_ATTRIBUTES: dict[str, tuple[str, Any]] = {
    "VisibilityTimeout": ("visibility_timeout_seconds", int),
    "MessageRetentionPeriod": ("message_retention_seconds", int),
    "ReceiveMessageWaitTimeSeconds": ("receive_wait_time_seconds", int),
    "DelaySeconds": ("delay_seconds", int),
    "FifoQueue": ("fifo_queue", lambda v: v == "true"),
    "ContentBasedDeduplication": ("content_based_deduplication", lambda v: v == "true"),
    "DeduplicationScope": ("deduplication_scope", str),
    "FifoThroughputLimit": ("fifo_throughput_limit", str),
}


def queue_args(attributes: dict[str, str]) -> dict[str, Any]:
    """Pulumi `aws.sqs.Queue` arguments for CreateQueue attributes (RedrivePolicy excluded)."""
    out: dict[str, Any] = {}
    for key, value in attributes.items():
        if key == "RedrivePolicy":
            continue
        if key not in _ATTRIBUTES:
            raise ValueError(f"queue attribute {key} from the wire has no Pulumi mapping")
        arg, convert = _ATTRIBUTES[key]
        out[arg] = convert(value)
    return out


def short_name(prefix: str, name: str) -> str:
    """`parley-dev-ledger-inbox.fifo` → `ledger-inbox` (a resource's logical name)."""
    return name.removeprefix(f"{prefix}-").removesuffix(".fifo")


def _policy(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _deny_insecure(arn: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def inbox_policy(queue_arn: str, topic_arns: list[str]) -> str:
    """Only the topics subscribed to this inbox may send to it (and only over TLS)."""
    allow = {
        "Sid": "OnlyItsTopics",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": sorted(topic_arns)}},
    }
    return _policy([allow, _deny_insecure(queue_arn)])


class Messaging(pulumi.ComponentResource):
    topic_arns: dict[Service, pulumi.Output[str]]
    queue_arns: dict[str, pulumi.Output[str]]  # by queue name, DLQs included
    queue_urls: dict[str, pulumi.Output[str]]
    key_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        s: Settings,
        topo: Topology,
        account_id: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("parley:infra:Messaging", name, None, opts)
        self._s = s
        self._child = pulumi.ResourceOptions(parent=self)
        key = bus_key(self, s, topo, account_id)
        self.key_arn = key.arn
        self.topic_arns = {}
        self.queue_arns = {}
        self.queue_urls = {}

        topics = {
            t.publisher: aws.sns.Topic(
                short_name(s.prefix, t.name),
                name=t.name,
                fifo_topic=t.fifo,
                content_based_deduplication=t.attributes()["ContentBasedDeduplication"] == "true",
                fifo_throughput_scope=t.attributes()["FifoThroughputScope"],
                kms_master_key_id=self.key_arn,
                tags=s.tags(publisher=t.publisher.value),
                opts=self._child,
            )
            for t in topo.topics
        }
        self.topic_arns = {svc: topic.arn for svc, topic in topics.items()}

        queues = {q.name: self._queue_with_dlq(q) for q in topo.queues}

        for q in topo.inboxes:
            sources = [sub.topic.publisher for sub in topo.subscriptions if sub.queue == q]
            arn = self.queue_arns[q.name]
            policy = aws.sqs.QueuePolicy(
                short_name(s.prefix, q.name),
                queue_url=queues[q.name].id,
                policy=pulumi.Output.all(arn, *[self.topic_arns[p] for p in sources]).apply(
                    lambda v: inbox_policy(v[0], list(v[1:]))
                ),
                opts=self._child,
            )
            for sub in (x for x in topo.subscriptions if x.queue == q):
                aws.sns.TopicSubscription(
                    f"{short_name(s.prefix, sub.topic.name)}-to-{short_name(s.prefix, q.name)}",
                    topic=self.topic_arns[sub.topic.publisher],
                    protocol="sqs",
                    endpoint=arn,
                    raw_message_delivery=True,
                    filter_policy=json.dumps(sub.filter_policy()),
                    filter_policy_scope=sub.scope,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
                )
        for q in topo.timer_queues:
            aws.sqs.QueuePolicy(
                short_name(s.prefix, q.name),
                queue_url=queues[q.name].id,
                policy=self.queue_arns[q.name].apply(lambda a: _policy([_deny_insecure(a)])),
                opts=self._child,
            )
        self.register_outputs({"topics": self.topic_arns, "queues": self.queue_urls})

    def _queue_with_dlq(self, q: Queue) -> aws.sqs.Queue:
        s = self._s
        dlq = aws.sqs.Queue(
            short_name(s.prefix, q.dlq),
            name=q.dlq,
            kms_master_key_id=self.key_arn,
            kms_data_key_reuse_period_seconds=KEY_REUSE_S,
            tags=s.tags(owner=q.owner.value, role="dlq"),
            opts=self._child,
            **queue_args(q.dlq_attributes()),
        )
        queue = aws.sqs.Queue(
            short_name(s.prefix, q.name),
            name=q.name,
            redrive_policy=dlq.arn.apply(lambda arn: q.attributes(arn)["RedrivePolicy"]),
            kms_master_key_id=self.key_arn,
            kms_data_key_reuse_period_seconds=KEY_REUSE_S,
            tags=s.tags(owner=q.owner.value, role="inbox" if q.fifo else "timers"),
            opts=self._child,
            **queue_args(q.attributes(_PLACEHOLDER_ARN)),
        )
        aws.sqs.RedriveAllowPolicy(
            short_name(s.prefix, q.dlq),
            queue_url=dlq.id,
            redrive_allow_policy=queue.arn.apply(
                lambda arn: json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})
            ),
            opts=self._child,
        )
        aws.sqs.QueuePolicy(
            short_name(s.prefix, q.dlq),
            queue_url=dlq.id,
            policy=dlq.arn.apply(lambda a: _policy([_deny_insecure(a)])),
            opts=self._child,
        )
        self.queue_arns[q.name] = queue.arn
        self.queue_arns[q.dlq] = dlq.arn
        self.queue_urls[q.name] = queue.id
        self.queue_urls[q.dlq] = dlq.id
        return queue
