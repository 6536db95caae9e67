"""The embedded AWS enforces IAM: each service only what its wire grants name, the admin all.

moto server in its own process with `PARLEY_LOCAL_IAM=enforce` (services/devstack/moto_main.py),
reached over HTTP with each identity's keys, as the services and tools reach it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from services.devstack.embedded_aws import MotoServer, free_port
from services.devstack.local_iam import Keys, admin_keys, process_env, service_keys
from services.devstack.provision import provision
from services.wire import Service

REGION = "us-east-1"


@pytest.fixture(scope="module")
def enforcing_aws() -> Iterator[MotoServer]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PARLEY_LOCAL_IAM", "enforce")
        server = MotoServer(free_port()).start()
    yield server
    server.stop()


def client(server: MotoServer, name: str, keys: Keys) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        name,
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
    )


@pytest.fixture(scope="module")
def table(enforcing_aws: MotoServer) -> str:
    db = client(enforcing_aws, "dynamodb", admin_keys())
    db.create_table(
        TableName="iam-check",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return "iam-check"


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_a_service_may_do_what_its_grants_name(enforcing_aws: MotoServer, table: str) -> None:
    ledger = client(enforcing_aws, "dynamodb", service_keys(Service.LEDGER))
    ledger.put_item(TableName=table, Item={"id": {"S": "1"}})
    assert ledger.get_item(TableName=table, Key={"id": {"S": "1"}})["Item"]
    matcher = client(enforcing_aws, "dynamodb", service_keys(Service.MATCHER))
    assert matcher.scan(TableName=table)["Count"] == 1  # its outbox sweep


def test_a_service_is_refused_what_its_grants_do_not_name(
    enforcing_aws: MotoServer, table: str
) -> None:
    ledger = client(enforcing_aws, "dynamodb", service_keys(Service.LEDGER))
    with pytest.raises(ClientError) as scan:
        ledger.scan(TableName=table)
    assert "not authorized to perform: dynamodb:Scan" in str(scan.value)
    gateway = client(enforcing_aws, "sqs", service_keys(Service.GATEWAY))
    with pytest.raises(ClientError) as create:
        gateway.create_queue(QueueName="not-the-gateways")
    assert "not authorized to perform: sqs:CreateQueue" in str(create.value)


def test_unknown_keys_are_refused(enforcing_aws: MotoServer) -> None:
    stranger = Keys("nobody", "AKIANOBODYXXXXXXXXXX", "nope")
    with pytest.raises(ClientError) as exc:
        client(enforcing_aws, "sqs", stranger).list_queues()
    assert _code(exc) in {"InvalidClientTokenId", "UnrecognizedClientException", "403"}


def test_the_local_stack_provisions_as_admin_and_runs_each_service_as_itself(
    enforcing_aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_LOCAL_IAM", "enforce")
    done = provision(enforcing_aws.url, "iam-local")
    ledger_env = process_env(Service.LEDGER)
    assert ledger_env["AWS_ACCESS_KEY_ID"] == service_keys(Service.LEDGER).access_key_id
    ledger = client(enforcing_aws, "sqs", service_keys(Service.LEDGER))
    inbox = done.topology.inbox(Service.LEDGER).name
    assert ledger.receive_message(QueueUrl=done.queue_urls[inbox])["ResponseMetadata"]
    notifier = client(enforcing_aws, "sns", service_keys(Service.NOTIFIER))
    with pytest.raises(ClientError) as publish:
        notifier.publish(TopicArn=next(iter(done.topic_arns.values())), Message="{}")
    assert "not authorized to perform: sns:Publish" in str(publish.value)


def test_only_the_gateway_may_end_a_persons_sign_in(enforcing_aws: MotoServer) -> None:
    admin = client(enforcing_aws, "cognito-idp", admin_keys())
    pool = admin.create_user_pool(PoolName="iam-check")["UserPool"]["Id"]
    admin.admin_create_user(UserPoolId=pool, Username="leaving")
    ledger = client(enforcing_aws, "cognito-idp", service_keys(Service.LEDGER))
    with pytest.raises(ClientError) as exc:
        ledger.admin_delete_user(UserPoolId=pool, Username="leaving")
    assert _code(exc) in {"AccessDenied", "AccessDeniedException", "403"}
    gateway = client(enforcing_aws, "cognito-idp", service_keys(Service.GATEWAY))
    gateway.admin_user_global_sign_out(UserPoolId=pool, Username="leaving")
    gateway.admin_delete_user(UserPoolId=pool, Username="leaving")
    with pytest.raises(ClientError):
        admin.admin_get_user(UserPoolId=pool, Username="leaving")
