"""The embedded DynamoDB keeps every committed write while other transactions get cancelled.

moto alone restores whole tables when a transaction is cancelled, dropping writes that other
requests committed meanwhile; the embedded AWS serialises DynamoDB calls so that cannot happen.
"""

from __future__ import annotations

import asyncio

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
