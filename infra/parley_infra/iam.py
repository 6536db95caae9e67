"""Each service's task role, derived from the wire module — nothing here names a table or queue.

`grants(service, topology)` reads who publishes what, who consumes which inbox, who writes and
who reads each table, and turns that into IAM statements over *references*; the component
resolves references to the ARNs of the resources the other components created. A service may:

- `sns:Publish` to its own topic only (publishers: gateway, ledger, matcher);
- receive/delete/extend visibility on its own inbox, and send to that inbox's DLQ (to park a
  message that can never be handled);
- send and receive on its own timer queue (the matcher);
- read and write the tables it is the writer of (and their indexes), read (GetItem,
  BatchGetItem, Query) the tables that list it as a reader;
- `dynamodb:Scan` on its own outbox table only (the sweep that publishes what a crash left
  between a commit and its publish); no index and no other table may be scanned;
- the notifier alone: `execute-api:ManageConnections` on the WebSocket API's `@connections`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from parley_infra.data import Data
from parley_infra.messaging import Messaging
from parley_infra.realtime import Realtime
from services.wire import Service, Topology
from services.wire.tables.spec import Table

RefKind = Literal["topic", "queue", "table", "table-indexes", "connections"]

CONSUME = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:GetQueueAttributes",
)
PARK = ("sqs:SendMessage", "sqs:GetQueueUrl")
TIMERS = ("sqs:SendMessage", *CONSUME)
TABLE_READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query")
TABLE_WRITE = (
    *TABLE_READ,
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
MANAGE_CONNECTIONS = ("execute-api:ManageConnections",)
SWEEP = ("dynamodb:Scan",)

# Who pushes to browsers through API Gateway's @connections API (not a wire fact).
PUSHES_TO_BROWSERS = frozenset({Service.NOTIFIER})


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    key: str = ""


@dataclass(frozen=True)
class Grant:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Ref, ...]


def swept(table: Table) -> bool:
    """An outbox: events committed with a state change, which its writer sweeps with Scan."""
    return table.logical.endswith("-outbox")


def grants(svc: Service, topo: Topology) -> list[Grant]:
    out: list[Grant] = []
    if any(t.publisher == svc for t in topo.topics):
        out.append(
            Grant("PublishOwnTopic", ("sns:Publish",), (Ref("topic", topo.topic(svc).name),))
        )
    inbox = next((q for q in topo.inboxes if q.owner == svc), None)
    if inbox:
        out.append(Grant("ConsumeOwnInbox", CONSUME, (Ref("queue", inbox.name),)))
        out.append(Grant("ParkInOwnDlq", PARK, (Ref("queue", inbox.dlq),)))
    timers = topo.timer_queue(svc)
    if timers:
        out.append(Grant("OwnTimers", TIMERS, (Ref("queue", timers.name),)))
        out.append(Grant("ParkOwnTimers", PARK, (Ref("queue", timers.dlq),)))
    written = topo.tables_written_by(svc)
    if written:
        refs = [Ref("table", t.logical) for t in written]
        refs += [Ref("table-indexes", t.logical) for t in written if t.indexes]
        out.append(Grant("WriteOwnTables", TABLE_WRITE, tuple(refs)))
        outboxes = tuple(Ref("table", t.logical) for t in written if swept(t))
        if outboxes:
            out.append(Grant("SweepOwnOutbox", SWEEP, outboxes))
    read = topo.tables_read_by(svc)
    if read:
        refs = [Ref("table", t.logical) for t in read]
        refs += [Ref("table-indexes", t.logical) for t in read if t.indexes]
        out.append(Grant("ReadModels", TABLE_READ, tuple(refs)))
    if svc in PUSHES_TO_BROWSERS:
        out.append(Grant("PushToBrowsers", MANAGE_CONNECTIONS, (Ref("connections"),)))
    return out


def arn(ref: Ref, topo: Topology, region: str, account: str, connections: str = "") -> str:
    """The ARN a reference resolves to, as AWS names the resources the program creates."""
    match ref.kind:
        case "topic":
            return f"arn:aws:sns:{region}:{account}:{ref.key}"
        case "queue":
            return f"arn:aws:sqs:{region}:{account}:{ref.key}"
        case "table" | "table-indexes":
            (table,) = [t for t in topo.tables if t.logical == ref.key]
            base = f"arn:aws:dynamodb:{region}:{account}:table/{table.name(topo.prefix)}"
            return base if ref.kind == "table" else f"{base}/index/*"
        case "connections":
            return connections
    raise ValueError(ref)


def policy_document(items: list[tuple[Grant, list[str]]]) -> str:
    """The JSON policy for grants whose references have been resolved to ARNs."""
    statements: list[dict[str, Any]] = [
        {"Sid": g.sid, "Effect": "Allow", "Action": list(g.actions), "Resource": sorted(arns)}
        for g, arns in items
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def assume_role_policy(service_principal: str, account_id: str | None = None) -> str:
    """Trust one AWS service; with `account_id`, only on behalf of this account (task roles)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service_principal},
        "Action": "sts:AssumeRole",
    }
    if account_id:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class Iam(pulumi.ComponentResource):
    """One task role per service, with one inline policy built by `grants`."""

    task_role_arns: dict[Service, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        s: Settings,
        topo: Topology,
        account_id: pulumi.Output[str],
        messaging: Messaging,
        data: Data,
        realtime: Realtime,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("parley:infra:Iam", name, None, opts)
        topics = {t.name: messaging.topic_arns[t.publisher] for t in topo.topics}

        def resolve(ref: Ref) -> pulumi.Output[str]:
            match ref.kind:
                case "topic":
                    return topics[ref.key]
                case "queue":
                    return messaging.queue_arns[ref.key]
                case "table":
                    return data.table_arns[ref.key]
                case "table-indexes":
                    return data.table_arns[ref.key].apply(lambda arn: f"{arn}/index/*")
                case "connections":
                    return realtime.connections_arn
            raise ValueError(ref)

        self.task_role_arns = {}
        for svc in Service:
            role = aws.iam.Role(
                f"{svc}-task",
                name=f"{s.prefix}-{svc}-task",
                description=f"Parley {svc}: what the wire module lets it do, nothing else",
                assume_role_policy=account_id.apply(
                    lambda a: assume_role_policy("ecs-tasks.amazonaws.com", a)
                ),
                tags=s.tags(service=svc.value),
                opts=pulumi.ResourceOptions(parent=self),
            )
            svc_grants = grants(svc, topo)
            if svc_grants:
                aws.iam.RolePolicy(
                    f"{svc}-task",
                    name="wire",
                    role=role.id,
                    policy=_resolved_policy(svc_grants, resolve),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            self.task_role_arns[svc] = role.arn
        self.register_outputs({"taskRoles": self.task_role_arns})


def _resolved_policy(
    svc_grants: list[Grant], resolve: Callable[[Ref], pulumi.Output[str]]
) -> pulumi.Output[str]:
    flat = [(i, resolve(r)) for i, g in enumerate(svc_grants) for r in g.resources]

    def build(arns: list[str]) -> str:
        by_grant: list[tuple[Grant, list[str]]] = [(g, []) for g in svc_grants]
        for (i, _), arn in zip(flat, arns, strict=True):
            by_grant[i][1].append(arn)
        return policy_document(by_grant)

    return pulumi.Output.all(*[o for _, o in flat]).apply(build)
