"""The embedded AWS's faults over HTTP: botocore reads them as AWS's own errors, and the
services' clients absorb and count them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aioboto3
import pytest
from aiobotocore.config import AioConfig
from botocore.exceptions import ClientError
from structlog.testing import capture_logs

from services.devstack.embedded_aws import MotoServer
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item, transact
from tests.conftest import Stack
from tests.integration.faults import faults

ONE_TRY = AioConfig(retries={"total_max_attempts": 1, "mode": "standard"})


def _put(table: str, key: str) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": to_item({"userId": key})}}


async def test_botocore_parses_the_faults_as_dynamodbs_own_errors(
    moto_server: MotoServer, stack: Stack
) -> None:
    table = f"{stack.prefix}-matcher-people"
    session = aioboto3.Session(region_name="us-east-1")
    async with session.client("dynamodb", endpoint_url=stack.endpoint_url, config=ONE_TRY) as db:
        with faults(moto_server, stack, throttle=1.0) as injected:
            codes = set()
            for _ in range(12):
                with pytest.raises(ClientError) as caught:
                    await db.get_item(TableName=table, Key=to_item({"userId": "a"}))
                codes.add(caught.value.response["Error"]["Code"])
                assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
            assert codes == {"ProvisionedThroughputExceededException", "ThrottlingException"}
            kinds = set()
            for _ in range(20):  # one of the two kinds at random: botocore's own classes
                try:
                    await db.put_item(TableName=table, Item=to_item({"userId": "a"}))
                except db.exceptions.ProvisionedThroughputExceededException as exc:
                    kinds.add(type(exc).__name__)
                except db.exceptions.ThrottlingException as exc:
                    kinds.add(type(exc).__name__)
            assert kinds == {"ProvisionedThroughputExceededException", "ThrottlingException"}
            with pytest.raises(db.exceptions.TransactionCanceledException) as cancelled:
                await db.transact_write_items(
                    TransactItems=[_put(table, "a"), _put(table, "b"), _put(table, "c")]
                )
            reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
            assert sorted(reasons) == ["None", "None", "ThrottlingError"]
            assert injected()["throttled"] >= 14
        with faults(moto_server, stack, conflict=1.0):
            with pytest.raises(db.exceptions.TransactionCanceledException) as crossed:
                await db.transact_write_items(TransactItems=[_put(table, "a"), _put(table, "b")])
            reasons = [r["Code"] for r in crossed.value.response["CancellationReasons"]]
            assert sorted(reasons) == ["None", "TransactionConflict"]
        with faults(moto_server, stack, delay_ms=300):
            began = time.monotonic()
            await db.get_item(TableName=table, Key=to_item({"userId": "a"}))
            assert time.monotonic() - began >= 0.3
        # Off again: nothing refused, nothing was written by the refused calls.
        resp = await db.scan(TableName=table)
        assert resp["Items"] == []


async def test_the_services_clients_absorb_throttling_and_count_each_refusal(
    moto_server: MotoServer, stack: Stack, aws: Aws
) -> None:
    table = aws.table("matcher-people")
    with capture_logs() as logs, faults(moto_server, stack, throttle=0.3, conflict=0.3) as seen:
        puts = [_put(table, f"u{i}")["Put"] for i in range(30)]
        pairs = [[_put(table, f"t{i}"), _put(table, f"s{i}")] for i in range(15)]
        await asyncio.gather(
            *(aws.dynamodb.put_item(**put) for put in puts),
            *(transact(aws.dynamodb, pair) for pair in pairs),
        )
        injected = seen()
    resp = await aws.dynamodb.scan(TableName=table)
    assert len(resp["Items"]) == 30 + 2 * 15  # every write went through in the end
    assert injected["throttled"] > 0
    assert injected["conflicts"] > 0
    counted = [e for e in logs if e.get("Throttled") == 1]
    # Every throttled attempt counted once, against the table it hit; a crossed transaction
    # is retried too, but it was not throttled.
    assert len(counted) == injected["throttled"]
    assert {e["Table"] for e in counted} == {table}
    assert all(
        e["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Service", "Table"]] for e in counted
    )
