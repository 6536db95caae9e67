"""The AWS calls the services were recorded making, checked against their task roles' policies.

`services/runtime/aws_calls.py` records each distinct call of a service during the integration
and browser suites. Here each call becomes the IAM actions it needs and the ARNs it touches,
in the names of a stack (`parley-dev` in eu-west-1: the test prefix is swapped for the
stack's), and is matched against the policy `services.wire.permissions` derives for that
service's role (`policies`; tests/infra/test_iam_calls.py checks it equals the one the program
registers).
A call no statement allows is denied; a granted (action, resource) no call used is unused.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from services.wire import Service, Topology, topology
from services.wire.permissions import arn, grants

STACK_PREFIX, REGION, ACCOUNT = "parley-dev", "eu-west-1", "123456789012"
# The user pool's ARN as the infra tests' mocks give it (tests/infra/infra_harness.py).
USER_POOL = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_MockPool1"
# API operation → the IAM action it needs, where the two differ.
ACTIONS = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "sns:PublishBatch": "sns:Publish",
    "dynamodb:TransactGetItems": "dynamodb:GetItem",
}
# A transaction needs the item action of each of its parts.
TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}

Call = tuple[str, str, str]  # (service, IAM action, resource ARN)


def load(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line.strip()]


def _rename(name: str, prefix: str) -> str:
    return f"{STACK_PREFIX}-{name.removeprefix(prefix + '-')}" if name.startswith(prefix) else name


def calls(record: dict[str, Any]) -> list[Call]:
    """The (service, action, ARN) triples one recorded call needs, in the stack's names."""
    svc, op, prefix = record["service"], f"{record['aws']}:{record['operation']}", record["prefix"]
    out: list[Call] = []
    for res in record["resources"]:
        action = ACTIONS.get(op, op)
        if "table" in res:
            if op == "dynamodb:TransactWriteItems":
                action = f"dynamodb:{TRANSACT[res['op']]}"
            target = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{_rename(res['table'], prefix)}"
            if res.get("index"):
                target += f"/index/{res['index']}"
        elif "userpool" in res:
            # One user pool per stack, whatever its id in the test's embedded Cognito.
            target = USER_POOL
        elif "queue" in res:
            target = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{_rename(res['queue'], prefix)}"
        else:
            target = f"arn:aws:sns:{REGION}:{ACCOUNT}:{_rename(res['topic'], prefix)}"
        out.append((svc, action, target))
    return out


def policies(topo: Topology | None = None) -> dict[str, list[dict[str, Any]]]:
    """Each service's task-role statements, as the program builds them for the stack."""
    topo = topo or topology(STACK_PREFIX)
    connections = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:wsapi123/live/*/@connections/*"
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"  # mocks'
    return {
        svc.value: [
            {
                "Sid": g.sid,
                "Effect": "Allow",
                "Action": list(g.actions),
                "Resource": sorted(
                    arn(r, topo, REGION, ACCOUNT, connections, key, USER_POOL) for r in g.resources
                ),
            }
            for g in grants(svc, topo)
        ]
        for svc in Service
    }


@dataclass
class Verdict:
    used: set[Call] = field(default_factory=set)
    denied: set[Call] = field(default_factory=set)
    unused: set[Call] = field(default_factory=set)


def check(records: list[dict[str, Any]], stmts: dict[str, list[dict[str, Any]]]) -> Verdict:
    v = Verdict()
    granted_used: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for record in records:
        for svc, action, target in calls(record):
            v.used.add((svc, action, target))
            hits = [
                (action, pattern)
                for st in stmts.get(svc, [])
                if action in st["Action"]
                for pattern in st["Resource"]
                if fnmatchcase(target, pattern)
            ]
            if not hits:
                v.denied.add((svc, action, target))
            granted_used[svc].update(hits)
    for svc, statements in stmts.items():
        for st in statements:
            for action in st["Action"]:
                for pattern in st["Resource"]:
                    if (action, pattern) not in granted_used[svc]:
                        v.unused.add((svc, action, pattern))
    return v


def report(v: Verdict) -> list[str]:
    lines = [f"AWS calls recorded: {len(v.used)} distinct (service, action, resource)"]
    lines += [f"DENIED {s}: {a} on {r}" for s, a, r in sorted(v.denied)]
    lines += [f"unused grant {s}: {a} on {r}" for s, a, r in sorted(v.unused)]
    return lines
