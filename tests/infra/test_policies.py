"""A walk over every registered resource: the rules that hold for the whole stack.

The expected permissions are derived here from the wire module independently of
`infra/iam.py`, so a mistake in either shows up as a difference.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

from services.wire import Service, Topology
from tests.infra.infra_harness import TEST_SECRETS, Built

WORLD = {"0.0.0.0/0", "::/0"}
ADMIN_PORTS = {22, 23, 3389, 5432, 3306, 6379, 2375, 2376, 5985, 5986, 9200, 27017}
# What may be open to the world, and why: HTTPS, LiveKit's media, TURN.
PUBLIC_PORTS = {("tcp", 443), ("tcp", 7881), ("tcp", 5349), ("udp", 3478)}
MEDIA_RANGE = ("udp", 50000, 60000)
# Secrets may be handed (in the stack's encrypted state) only to what must hold them.
SECRET_HOLDERS = {
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:cognito/identityProvider:IdentityProvider",  # Google's client secret
}  # Not an integration or a listener rule: readable to anyone who may read their configuration.


def _statements(policy: str) -> list[dict[str, Any]]:
    statements = json.loads(policy)["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_policies(built: Built) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in built.of_type("aws:iam/rolePolicy:RolePolicy"):
        out[r.inputs["role"]] += _statements(r.inputs["policy"])
    return out


def test_no_bucket_is_public(infra_stack: Built) -> None:
    buckets = infra_stack.of_type("aws:s3/bucket:Bucket")
    blocks = {
        b.inputs["bucket"]: b.inputs
        for b in infra_stack.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    }
    for bucket in buckets:
        assert bucket.inputs.get("acl") in (None, "private")
        assert all(
            blocks[bucket.id][k] is True
            for k in (
                "blockPublicAcls",
                "blockPublicPolicy",
                "ignorePublicAcls",
                "restrictPublicBuckets",
            )
        )
    for policy in infra_stack.of_type("aws:s3/bucketPolicy:BucketPolicy"):
        for st in _statements(policy.inputs["policy"]):
            if st["Effect"] == "Allow":
                assert st["Principal"] != "*"
                assert "AWS" not in st["Principal"]
                assert "Condition" in st


def _world_rules(built: Built) -> list[tuple[str, dict[str, Any]]]:
    rules = []
    for sg in built.of_type("aws:ec2/securityGroup:SecurityGroup"):
        for rule in sg.inputs.get("ingress", []):
            if WORLD & set(rule.get("cidrBlocks", []) + rule.get("ipv6CidrBlocks", [])):
                rules.append((sg.inputs["name"], rule))
    for rule in built.of_type("aws:ec2/securityGroupRule:SecurityGroupRule"):
        if rule.inputs["type"] == "ingress" and WORLD & set(rule.inputs.get("cidrBlocks", [])):
            rules.append((rule.name, rule.inputs))
    for rule in built.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        if {rule.inputs.get("cidrIpv4"), rule.inputs.get("cidrIpv6")} & WORLD:
            rules.append((rule.name, {**rule.inputs, "protocol": rule.inputs["ipProtocol"]}))
    return rules


def test_no_admin_port_is_open_to_the_world(infra_stack: Built) -> None:
    rules = _world_rules(infra_stack)
    assert rules, "the media NLB and LiveKit nodes are public: the walk must see their rules"
    for group, rule in rules:
        proto, lo, hi = rule["protocol"], rule["fromPort"], rule["toPort"]
        assert proto not in ("-1", "all"), f"{group}: every port open to the world"
        assert not any(lo <= p <= hi for p in ADMIN_PORTS), f"{group}: admin port {lo}-{hi}"
        assert (proto, lo, hi) == MEDIA_RANGE or (lo == hi and (proto, lo) in PUBLIC_PORTS), (
            f"{group}: {proto} {lo}-{hi} open to the world"
        )


def test_no_wildcard_action_or_resource_in_a_service_role(infra_stack: Built) -> None:
    for role, statements in _role_policies(infra_stack).items():
        for st in statements:
            actions, resources = _as_list(st["Action"]), _as_list(st["Resource"])
            assert not any(a == "*" or a.endswith(":*") for a in actions), (role, actions)
            if "*" in resources:
                # Only actions IAM cannot scope to a resource may use "*": ECR's login, and a
                # LiveKit node reading its own lifecycle state while it drains.
                assert (
                    role.endswith("-execution") and actions == ["ecr:GetAuthorizationToken"]
                ) or (
                    role.endswith("-livekit-node")
                    and actions == ["autoscaling:DescribeAutoScalingInstances"]
                ), (role, actions)
            if role.endswith("-task"):
                assert "*" not in resources, role
                assert not any("*" in a for a in actions), role


def test_roles_carry_no_managed_policy_but_the_nodes_ssm_access(infra_stack: Built) -> None:
    attached = {
        (r.inputs["role"], r.inputs["policyArn"])
        for r in infra_stack.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attached == {
        (
            f"{infra_stack.prefix}-livekit-node",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        )
    }
    for role in infra_stack.of_type("aws:iam/role:Role"):
        assert not role.inputs.get("managedPolicyArns")


def test_every_queue_has_a_dlq(infra_stack: Built) -> None:
    queues = {r.outputs["arn"]: r.inputs for r in infra_stack.of_type("aws:sqs/queue:Queue")}
    dlqs = {
        json.loads(q["redrivePolicy"])["deadLetterTargetArn"]
        for q in queues.values()
        if q.get("redrivePolicy")
    }
    for arn, queue in queues.items():
        assert queue.get("redrivePolicy") or arn in dlqs, f"{queue['name']} has no DLQ"
        if arn in dlqs:
            assert not queue.get("redrivePolicy"), "a DLQ is the end of the line"


def _expected(svc: Service, topo: Topology, built: Built) -> dict[str, set[str]]:
    """Action → resources, from the wire module alone."""
    want: dict[str, set[str]] = defaultdict(set)
    sqs, table = (
        (lambda n: built.arn("sqs", n)),
        (lambda t: built.arn("dynamodb", t.name(built.prefix))),
    )
    for t in topo.topics:
        if t.publisher == svc:
            want["sns:Publish"].add(built.arn("sns", t.name))
    for q in topo.queues:
        if q.owner != svc:
            continue
        for action in (
            "ReceiveMessage",
            "DeleteMessage",
            "ChangeMessageVisibility",
            "GetQueueUrl",
        ):
            want[f"sqs:{action}"].add(sqs(q.name))
        want["sqs:SendMessage"].add(sqs(q.dlq))
        want["sqs:GetQueueUrl"].add(sqs(q.dlq))
        if not q.fifo:  # its timer queue: it sends the timers to itself
            want["sqs:SendMessage"].add(sqs(q.name))
    for t in topo.tables:
        arns = {table(t)}
        if t.writer == svc or svc in t.readers:
            for action in ("GetItem", "BatchGetItem", "Query"):
                want[f"dynamodb:{action}"] |= arns
            if t.indexes or t.local_indexes:  # indexes are only queried
                want["dynamodb:Query"].add(f"{table(t)}/index/*")
        if t.writer == svc and t.logical.endswith("-outbox"):  # swept for unpublished events
            want["dynamodb:Scan"].add(table(t))
        if t.writer == svc:
            for action in (
                "PutItem",
                "UpdateItem",
                "DeleteItem",
                "BatchWriteItem",
                "ConditionCheckItem",
            ):
                want[f"dynamodb:{action}"] |= arns
    # The bus key: senders (SNS publish, SQS send) make data keys; receivers only decrypt.
    key = built.one("aws:kms/key:Key").outputs["arn"]
    if want.get("sns:Publish") or want.get("sqs:SendMessage"):
        want["kms:GenerateDataKey"].add(key)
        want["kms:Decrypt"].add(key)
    elif want.get("sqs:ReceiveMessage"):
        want["kms:Decrypt"].add(key)
    return want


@pytest.mark.parametrize("svc", list(Service))
def test_each_task_role_may_do_only_what_the_wire_module_says(
    svc: Service, infra_stack: Built, topo: Topology
) -> None:
    got: dict[str, set[str]] = defaultdict(set)
    for st in _role_policies(infra_stack)[f"{infra_stack.prefix}-{svc}-task"]:
        assert st["Effect"] == "Allow"
        assert "Condition" not in st
        for action in _as_list(st["Action"]):
            got[action] |= set(_as_list(st["Resource"]))
    connections = got.pop("execute-api:ManageConnections", None)
    # The notifier pushes to browsers; the gateway closes sockets whose token expired.
    assert (connections is not None) == (svc in (Service.NOTIFIER, Service.GATEWAY))
    # Only the gateway ends a person's sign-in (DELETE /v1/me), on the stack's user pool only.
    pool = infra_stack.one("aws:cognito/userPool:UserPool").outputs["arn"]
    for action in ("cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminDeleteUser"):
        assert got.pop(action, None) == ({pool} if svc == Service.GATEWAY else None)
    assert dict(got) == dict(_expected(svc, topo, infra_stack))


def test_task_roles_trust_only_ecs_tasks_of_this_account(infra_stack: Built) -> None:
    for svc in Service:
        role = infra_stack.one("aws:iam/role:Role", name=f"{infra_stack.prefix}-{svc}-task")
        (st,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert st["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert st["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_secret_values_appear_only_where_they_must(infra_stack: Built) -> None:
    for r in infra_stack.resources:
        text = json.dumps(r.inputs)
        if any(v in text for v in TEST_SECRETS.values()):
            assert r.type in SECRET_HOLDERS, f"{r.type} {r.name} holds a secret in clear"


def test_the_program_logs_no_warnings(infra_stack: Built) -> None:
    assert infra_stack.warnings == []  # e.g. deprecated arguments
