"""Topics, inboxes, DLQs and subscriptions are the wire module's, property by property."""

from __future__ import annotations

import json

from services.wire import Topology
from tests.infra.infra_harness import Built

QUEUE = "aws:sqs/queue:Queue"
SQS_INPUTS = {
    "VisibilityTimeout": ("visibilityTimeoutSeconds", int),
    "MessageRetentionPeriod": ("messageRetentionSeconds", int),
    "ReceiveMessageWaitTimeSeconds": ("receiveWaitTimeSeconds", int),
    "FifoQueue": ("fifoQueue", lambda v: v == "true"),
    "ContentBasedDeduplication": ("contentBasedDeduplication", lambda v: v == "true"),
    "DeduplicationScope": ("deduplicationScope", str),
    "FifoThroughputLimit": ("fifoThroughputLimit", str),
}


def _queue(built: Built, name: str) -> dict:
    return built.one(QUEUE, name=name).inputs


def test_every_inbox_is_fifo_with_dedup_ids_and_redrive_to_its_dlq(
    infra_stack: Built, topo: Topology
) -> None:
    assert topo.inboxes
    for q in topo.inboxes:
        inbox, dlq = _queue(infra_stack, q.name), _queue(infra_stack, q.dlq)
        assert inbox["fifoQueue"] is True
        assert dlq["fifoQueue"] is True
        # Deduplication by the publishers' explicit MessageDeduplicationId, not by content.
        assert inbox["contentBasedDeduplication"] is False
        redrive = json.loads(inbox["redrivePolicy"])
        assert redrive == {
            "deadLetterTargetArn": infra_stack.arn("sqs", q.dlq),
            "maxReceiveCount": q.max_receive_count,
        }


def test_queue_attributes_equal_the_wire_modules(infra_stack: Built, topo: Topology) -> None:
    for q in topo.queues:
        pairs = [
            (_queue(infra_stack, q.name), q.attributes(infra_stack.arn("sqs", q.dlq))),
            (_queue(infra_stack, q.dlq), q.dlq_attributes()),
        ]
        for inputs, attributes in pairs:
            for key, value in attributes.items():
                if key == "RedrivePolicy":
                    assert json.loads(inputs["redrivePolicy"]) == json.loads(value)
                    continue
                arg, convert = SQS_INPUTS[key]
                assert inputs[arg] == convert(value), (q.name, key)
            assert inputs["kmsMasterKeyId"] == infra_stack.one("aws:kms/key:Key").outputs["arn"]
            assert "sqsManagedSseEnabled" not in inputs  # one encryption: the bus key


def test_timer_queue_is_a_standard_queue_with_its_own_dlq(
    infra_stack: Built, topo: Topology
) -> None:
    assert topo.timer_queues
    for q in topo.timer_queues:
        timers = _queue(infra_stack, q.name)
        assert not timers.get("fifoQueue")  # per-message DelaySeconds needs a standard queue
        assert json.loads(timers["redrivePolicy"])["deadLetterTargetArn"] == infra_stack.arn(
            "sqs", q.dlq
        )


def test_only_the_wire_modules_queues_and_topics_exist(infra_stack: Built, topo: Topology) -> None:
    queues = {r.inputs["name"] for r in infra_stack.of_type(QUEUE)}
    assert queues == {q.name for q in topo.queues} | {q.dlq for q in topo.queues}
    topics = {
        r.inputs["name"]: r.inputs
        for r in infra_stack.of_type("aws:sns/topic:Topic")
        if r.inputs.get("fifoTopic")
    }
    assert set(topics) == {t.name for t in topo.topics}
    assert all(t["contentBasedDeduplication"] is False for t in topics.values())


def test_filter_policies_equal_the_wire_modules(infra_stack: Built, topo: Topology) -> None:
    subs = [
        r.inputs
        for r in infra_stack.of_type("aws:sns/topicSubscription:TopicSubscription")
        if r.inputs["protocol"] == "sqs"
    ]
    got = {
        (s["topic"], s["endpoint"]): (json.loads(s["filterPolicy"]), s["filterPolicyScope"])
        for s in subs
    }
    want = {
        (infra_stack.arn("sns", sub.topic.name), infra_stack.arn("sqs", sub.queue.name)): (
            sub.filter_policy(),
            "MessageAttributes",
        )
        for sub in topo.subscriptions
    }
    assert len(subs) == len(topo.subscriptions)
    assert got == want
    assert all(s["rawMessageDelivery"] is True for s in subs)


def test_each_inbox_lets_in_only_the_topics_subscribed_to_it(
    infra_stack: Built, topo: Topology
) -> None:
    url = {r.outputs["url"]: r.inputs["name"] for r in infra_stack.of_type(QUEUE)}
    policies = {
        url[r.inputs["queueUrl"]]: json.loads(r.inputs["policy"])
        for r in infra_stack.of_type("aws:sqs/queuePolicy:QueuePolicy")
    }
    for q in topo.inboxes:
        allows = [s for s in policies[q.name]["Statement"] if s["Effect"] == "Allow"]
        assert len(allows) == 1
        (allow,) = allows
        assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
        assert allow["Action"] == "sqs:SendMessage"
        assert allow["Resource"] == infra_stack.arn("sqs", q.name)
        want = sorted(
            infra_stack.arn("sns", s.topic.name) for s in topo.subscriptions if s.queue == q
        )
        assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": want}}
    for name, policy in policies.items():
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policy["Statement"]
        ), name


def test_each_dlq_takes_redrive_only_from_its_own_queue(infra_stack: Built, topo: Topology) -> None:
    url = {r.outputs["url"]: r.inputs["name"] for r in infra_stack.of_type(QUEUE)}
    allowed = {
        url[r.inputs["queueUrl"]]: json.loads(r.inputs["redriveAllowPolicy"])
        for r in infra_stack.of_type("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy")
    }
    for q in topo.queues:
        assert allowed[q.dlq] == {
            "redrivePermission": "byQueue",
            "sourceQueueArns": [infra_stack.arn("sqs", q.name)],
        }


def test_topics_are_high_throughput_fifo_as_the_wire_says(
    infra_stack: Built, topo: Topology
) -> None:
    for t in topo.topics:
        topic = infra_stack.one("aws:sns/topic:Topic", name=t.name).inputs
        assert topic["fifoTopic"] is True
        assert topic["contentBasedDeduplication"] is False
        assert topic["fifoThroughputScope"] == t.attributes()["FifoThroughputScope"]
