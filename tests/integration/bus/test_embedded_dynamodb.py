"""The embedded DynamoDB keeps every committed write while other transactions get cancelled.

moto alone restores whole tables when a transaction is cancelled, dropping writes that other
requests committed meanwhile; the embedded AWS serialises DynamoDB calls so that cannot happen.
"""

from __future__ import annotations

import asyncio

import pytest

from services.runtime.aws import Aws
from services.runtime.dynamo import TransactionConflict, transact

N = 150


async def test_cancelled_transactions_never_erase_concurrent_commits(aws: Aws) -> None:
    table = aws.table("ledger-holds")
    await aws.dynamodb.put_item(TableName=table, Item={"holdId": {"S": "taken"}})

    async def commit(i: int) -> None:
        await transact(
            aws.dynamodb,
            [{"Put": {"TableName": table, "Item": {"holdId": {"S": f"ok{i}"}}}}],
        )

    async def doomed(i: int) -> None:
        try:
            await transact(
                aws.dynamodb,
                [
                    {"Put": {"TableName": table, "Item": {"holdId": {"S": f"never{i}"}}}},
                    {
                        "Put": {
                            "TableName": table,
                            "Item": {"holdId": {"S": "taken"}},
                            "ConditionExpression": "attribute_not_exists(holdId)",
                        }
                    },
                ],
            )
        except TransactionConflict:
            return
        raise AssertionError("a transaction with a failing condition committed")

    await asyncio.gather(*(f(i) for i in range(N) for f in (commit, doomed)))

    keys = set()
    pages = aws.dynamodb.get_paginator("scan").paginate(TableName=table)
    async for page in pages:
        keys |= {item["holdId"]["S"] for item in page["Items"]}
    assert keys == {"taken"} | {f"ok{i}" for i in range(N)}


async def test_a_cancelled_transaction_leaves_updated_and_deleted_items_as_they_were(
    aws: Aws,
) -> None:
    """The undo is per item: an update applied before the failing condition is reverted, a
    delete is put back, on a table with a sort key as on one without."""
    pairs, holds = aws.table("matcher-pairs"), aws.table("ledger-holds")
    row = {"userId": {"S": "ann"}, "otherUserId": {"S": "bea"}, "metDay": {"S": "monday"}}
    await aws.dynamodb.put_item(TableName=pairs, Item=row)
    await aws.dynamodb.put_item(TableName=holds, Item={"holdId": {"S": "h1"}, "n": {"N": "1"}})
    with pytest.raises(TransactionConflict) as cancelled:
        await transact(
            aws.dynamodb,
            [
                {
                    "Update": {
                        "TableName": pairs,
                        "Key": {"userId": {"S": "ann"}, "otherUserId": {"S": "bea"}},
                        "UpdateExpression": "SET metDay = :d",
                        "ExpressionAttributeValues": {":d": {"S": "tuesday"}},
                    }
                },
                {"Delete": {"TableName": holds, "Key": {"holdId": {"S": "h1"}}}},
                {
                    "ConditionCheck": {
                        "TableName": holds,
                        "Key": {"holdId": {"S": "missing"}},
                        "ConditionExpression": "attribute_exists(holdId)",
                    }
                },
            ],
        )
    assert cancelled.value.failed(2)

    got = await aws.dynamodb.get_item(
        TableName=pairs, Key={k: row[k] for k in row if k != "metDay"}
    )
    assert got["Item"]["metDay"] == {"S": "monday"}
    hold = await aws.dynamodb.get_item(TableName=holds, Key={"holdId": {"S": "h1"}})
    assert hold["Item"]["n"] == {"N": "1"}
