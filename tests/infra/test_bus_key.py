"""The bus key: every topic and queue is encrypted with one customer-managed, rotating key;
SNS may use it only for Parley's own topics; each role may use it only as far as it sends or
receives (derived here from the wire module, independently of the program)."""

from __future__ import annotations

import json
from typing import Any

from services.wire import Service, Topology
from services.wire.permissions import CONSUME, PARK, Grant, Ref, bus_key_use
from tests.infra.infra_harness import ACCOUNT, Built

KEY = "aws:kms/key:Key"


def _key(built: Built) -> Any:
    return built.one(KEY)


def test_one_customer_managed_key_with_rotation_on(infra_stack: Built, prod_stack: Built) -> None:
    for built in (infra_stack, prod_stack):
        key = _key(built).inputs
        assert key["enableKeyRotation"] is True
        assert key["rotationPeriodInDays"] == 365
        assert key.get("keyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
        assert not key.get("bypassPolicyLockoutSafetyCheck")
    # A deleted key makes every message it encrypted unreadable: prod waits the longest.
    assert _key(prod_stack).inputs["deletionWindowInDays"] == 30
    alias = infra_stack.one("aws:kms/alias:Alias").inputs
    assert alias == {"name": "alias/parley-dev-bus", "targetKeyId": _key(infra_stack).id}


def test_every_topic_and_queue_of_the_bus_uses_the_key(infra_stack: Built, topo: Topology) -> None:
    arn = _key(infra_stack).outputs["arn"]
    topics = {t.inputs["name"]: t.inputs for t in infra_stack.of_type("aws:sns/topic:Topic")}
    for t in topo.topics:
        assert topics[t.name]["fifoTopic"] is True
        assert topics[t.name]["kmsMasterKeyId"] == arn, t.name
    queues = {q.inputs["name"]: q.inputs for q in infra_stack.of_type("aws:sqs/queue:Queue")}
    wire_queues = {n for q in topo.queues for n in (q.name, q.dlq)}
    assert wire_queues == set(queues)
    for name, q in queues.items():
        assert q["kmsMasterKeyId"] == arn, name
        assert not q.get("sqsManagedSseEnabled"), name


def test_sns_may_use_the_key_only_for_parleys_topics(infra_stack: Built, topo: Topology) -> None:
    statements = json.loads(_key(infra_stack).inputs["policy"])["Statement"]
    by_principal = {json.dumps(st["Principal"], sort_keys=True): st for st in statements}
    assert set(by_principal) == {
        json.dumps({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
        json.dumps({"Service": "sns.amazonaws.com"}),
    }
    sns = by_principal[json.dumps({"Service": "sns.amazonaws.com"})]
    assert sns["Effect"] == "Allow"
    assert sorted(sns["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    # The ARNs the topics get (the mocks name them as AWS does).
    topic_arns = {
        t.outputs["arn"]
        for t in infra_stack.of_type("aws:sns/topic:Topic")
        if t.inputs["name"] in {w.name for w in topo.topics}
    }
    assert len(topic_arns) == len(topo.topics)
    assert set(sns["Condition"]["ArnEquals"]["aws:SourceArn"]) == topic_arns
    assert sns["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    # Nobody else is named: service roles get their use through IAM (next test).
    assert all(st["Effect"] == "Allow" for st in statements)


def _key_use(built: Built, svc: Service) -> set[str]:
    arn = _key(built).outputs["arn"]
    (policy,) = [
        r
        for r in built.of_type("aws:iam/rolePolicy:RolePolicy")
        if r.inputs["role"] == f"{built.prefix}-{svc}-task"
    ]
    used: set[str] = set()
    for st in json.loads(policy.inputs["policy"])["Statement"]:
        kms = {a for a in st["Action"] if a.startswith("kms:")}
        if kms:
            assert st["Resource"] == [arn], svc  # this key only
            assert kms == set(st["Action"]), "key use is a statement of its own"
            used |= kms
    return used


def test_each_role_may_use_the_key_exactly_as_far_as_it_sends_or_receives(
    infra_stack: Built, topo: Topology
) -> None:
    for svc in Service:
        publishes = any(t.publisher == svc for t in topo.topics)
        # Every consumer also sends: it parks poison messages in its own (encrypted) DLQ.
        consumes = any(q.owner == svc for q in topo.queues)
        want = {"kms:GenerateDataKey", "kms:Decrypt"} if publishes or consumes else set()
        assert _key_use(infra_stack, svc) == want, svc
    # Nothing more than these two actions, for anyone.
    assert all(
        _key_use(infra_stack, svc) <= {"kms:GenerateDataKey", "kms:Decrypt"} for svc in Service
    )


def test_a_role_that_only_receives_gets_only_decrypt() -> None:
    inbox = (Ref("queue", "inbox"),)
    assert bus_key_use([Grant("C", CONSUME, inbox)]) == ("kms:Decrypt",)
    assert set(bus_key_use([Grant("C", CONSUME, inbox), Grant("P", PARK, inbox)])) == {
        "kms:GenerateDataKey",
        "kms:Decrypt",
    }
    assert bus_key_use([Grant("R", ("dynamodb:GetItem",), (Ref("table", "t"),))]) == ()
