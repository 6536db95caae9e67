"""Each service's task role: the grants `services.wire.permissions` derives from the wire,
resolved to the ARNs of the resources the other components created. Nothing here names a
table or queue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from parley_infra.data import Data
from parley_infra.messaging import Messaging
from parley_infra.realtime import Realtime
from services.wire import Service, Topology
from services.wire.permissions import Grant, Ref, grants


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
        user_pool_arn: pulumi.Output[str] | None = None,
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
                case "bus-key":
                    return messaging.key_arn
                case "userpool" if user_pool_arn is not None:
                    return user_pool_arn
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
