"""The bus key: one customer-managed KMS key (yearly rotation) for every topic and queue.

With SQS's own keys (SSE-SQS) anyone allowed `sqs:ReceiveMessage` reads the messages — ICE
candidates carry people's IP addresses. With this key a principal must also be granted
`kms:Decrypt` on it, and only the services' task roles are (`services.wire.permissions`).
SNS itself must use the key to deliver into the encrypted queues: the key policy lets it,
only for Parley's own topics (`aws:SourceArn`) in this account.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from services.wire import Topology

SNS_DELIVERS = ("kms:GenerateDataKey", "kms:Decrypt")


def topic_arn(region: str, account: str, name: str) -> str:
    # Known before the topics exist: the topics need the key, the key policy names the topics.
    return f"arn:aws:sns:{region}:{account}:{name}"


def key_policy(account: str, topic_arns: list[str]) -> str:
    statements: list[dict[str, Any]] = [
        {
            # IAM policies decide who uses the key (the task roles); without this no IAM
            # grant on a KMS key takes effect, and nobody could administer it.
            "Sid": "AccountGrantsThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "SnsDeliversParleyTopicsToEncryptedQueues",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": list(SNS_DELIVERS),
            "Resource": "*",
            "Condition": {
                "ArnEquals": {"aws:SourceArn": sorted(topic_arns)},
                "StringEquals": {"aws:SourceAccount": account},
            },
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def bus_key(
    parent: pulumi.Resource, s: Settings, topo: Topology, account_id: pulumi.Output[str]
) -> aws.kms.Key:
    names = [t.name for t in topo.topics]
    key = aws.kms.Key(
        "bus-key",
        description=f"Parley {s.stack}: SNS topics and SQS queues of the bus",
        enable_key_rotation=True,
        rotation_period_in_days=365,
        deletion_window_in_days=30 if s.deletion_protection else 7,
        policy=account_id.apply(
            lambda a: key_policy(a, [topic_arn(s.region, a, n) for n in names])
        ),
        tags=s.tags(),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.kms.Alias(
        "bus-key",
        name=f"alias/{s.prefix}-bus",
        target_key_id=key.key_id,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return key
