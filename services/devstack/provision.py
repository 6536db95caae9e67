"""Provision the wire's topology and tables on an (embedded) AWS, the way infra/ does in AWS."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from services.devstack.local_iam import tool_credentials
from services.wire.topology import Topology, topology

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


def clients(endpoint_url: str, region: str, service: str) -> Any:
    creds = tool_credentials()  # the local admin when the embedded AWS enforces IAM
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 3}),
    )


@dataclass(frozen=True)
class Provisioned:
    topology: Topology
    topic_arns: dict[str, str]
    queue_urls: dict[str, str]


def provision(
    endpoint_url: str, prefix: str, region: str = "us-east-1", dynamodb_url: str | None = None
) -> Provisioned:
    """Create every table, queue, topic and subscription of `topology(prefix)` (idempotent);
    the tables on `dynamodb_url` when DynamoDB runs as a process of its own."""
    topo = topology(prefix)
    ddb: DynamoDBClient = clients(dynamodb_url or endpoint_url, region, "dynamodb")
    sqs: SQSClient = clients(endpoint_url, region, "sqs")
    sns: SNSClient = clients(endpoint_url, region, "sns")

    for table in topo.tables:
        kwargs = table.create_table_kwargs(prefix)
        with contextlib.suppress(ddb.exceptions.ResourceInUseException):
            ddb.create_table(**kwargs)
        if table.ttl_attribute:
            ddb.update_time_to_live(
                TableName=kwargs["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )

    queue_urls: dict[str, str] = {}
    queue_arns: dict[str, str] = {}
    for queue in topo.queues:
        dlq_attrs: Any = queue.dlq_attributes()
        dlq_url = sqs.create_queue(QueueName=queue.dlq, Attributes=dlq_attrs)["QueueUrl"]
        attrs: Any = queue.attributes(_arn(sqs, dlq_url))
        url = sqs.create_queue(QueueName=queue.name, Attributes=attrs)["QueueUrl"]
        queue_urls[queue.name], queue_urls[queue.dlq] = url, dlq_url
        queue_arns[queue.name] = _arn(sqs, url)

    topic_arns: dict[str, str] = {}
    for topic in topo.topics:
        topic_arns[topic.name] = sns.create_topic(Name=topic.name, Attributes=topic.attributes())[
            "TopicArn"
        ]

    for sub in topo.subscriptions:
        sns.subscribe(
            TopicArn=topic_arns[sub.topic.name],
            Protocol="sqs",
            Endpoint=queue_arns[sub.queue.name],
            Attributes={
                "RawMessageDelivery": "true",
                "FilterPolicyScope": sub.scope,
                "FilterPolicy": json.dumps(sub.filter_policy()),
            },
            ReturnSubscriptionArn=True,
        )
    # Only the topics that feed a queue may send to it (as the queue policies in AWS say).
    for queue in topo.inboxes:
        sources = [topic_arns[s.topic.name] for s in topo.subscriptions if s.queue == queue]
        sqs.set_queue_attributes(
            QueueUrl=queue_urls[queue.name],
            Attributes={"Policy": json.dumps(_queue_policy(queue_arns[queue.name], sources))},
        )
    return Provisioned(topo, topic_arns, queue_urls)


def _arn(sqs: SQSClient, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attrs["Attributes"]["QueueArn"]


def _queue_policy(queue_arn: str, topic_arns: list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arns}},
            }
        ],
    }
