"""Exactly-once effects over at-least-once delivery.

The strongest form is `transact`: the handler's own writes and a marker keyed by the event id
commit in one DynamoDB transaction, so a redelivered event finds the marker and changes
nothing. For effects that are idempotent on their own but worth skipping (publishing, pushing
to a socket), `seen` / `mark` bracket the work: a crash in between repeats the effect, never
loses it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from services.runtime.dynamo import TransactionConflict, is_condition_failure, transact
from services.wire.topology import MARKER_TTL_S

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

# A marker must outlive every way its message can come back (a redrive from the DLQ on its
# last day included): the wire derives that from the queues' retention periods.
DEFAULT_TTL_S = MARKER_TTL_S


class Idempotency:
    def __init__(self, dynamodb: DynamoDBClient, table: str, ttl_s: int = DEFAULT_TTL_S) -> None:
        self._db = dynamodb
        self._table = table
        self._ttl_s = ttl_s

    @property
    def table(self) -> str:
        return self._table

    def _item(self, key: str) -> dict[str, Any]:
        return {
            "eventId": {"S": key},
            "expiresAt": {"N": str(int(time.time()) + self._ttl_s)},
        }

    def marker(self, key: str) -> dict[str, Any]:
        """A TransactWriteItems entry that fails if `key` was already handled."""
        return {
            "Put": {
                "TableName": self._table,
                "Item": self._item(key),
                "ConditionExpression": "attribute_not_exists(eventId)",
            }
        }

    async def transact(self, key: str, items: Sequence[Mapping[str, Any]]) -> bool:
        """Commit `items` and the marker together. False if `key` was handled before.

        Any other failed condition raises TransactionConflict (indexes match `items`).
        """
        try:
            await transact(self._db, [*items, self.marker(key)])
        except TransactionConflict as exc:
            if exc.failed(len(items)):
                return False
            raise
        return True

    async def seen(self, key: str) -> bool:
        resp = await self._db.get_item(
            TableName=self._table, Key={"eventId": {"S": key}}, ConsistentRead=True
        )
        return "Item" in resp

    async def mark(self, key: str) -> bool:
        """Record `key` as handled; False if it already was."""
        try:
            await self._db.put_item(
                TableName=self._table,
                Item=self._item(key),
                ConditionExpression="attribute_not_exists(eventId)",
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    async def seen_many(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` (at most 100, distinct) were handled: one BatchGetItem."""
        pending: list[dict[str, Any]] = [{"eventId": {"S": k}} for k in keys]
        found: set[str] = set()
        for attempt in range(_BATCH_ATTEMPTS):
            if not pending:
                break
            resp = await self._db.batch_get_item(
                RequestItems={
                    self._table: {
                        "Keys": pending,
                        "ConsistentRead": True,
                        "ProjectionExpression": "eventId",
                    }
                }
            )
            found |= {i["eventId"]["S"] for i in resp.get("Responses", {}).get(self._table, [])}
            unread = resp.get("UnprocessedKeys", {}).get(self._table)
            pending = list(unread["Keys"]) if unread else []
            await _backoff(attempt, bool(pending))
        if pending:
            raise RuntimeError(f"{len(pending)} idempotency keys left unread")
        return found

    async def mark_many(self, keys: Sequence[str]) -> None:
        """Record `keys` (at most 25, distinct) as handled, unconditionally: BatchWriteItem."""
        pending: list[Any] = [{"PutRequest": {"Item": self._item(k)}} for k in keys]
        for attempt in range(_BATCH_ATTEMPTS):
            if not pending:
                return
            resp = await self._db.batch_write_item(RequestItems={self._table: pending})
            pending = list(resp.get("UnprocessedItems", {}).get(self._table, []))
            await _backoff(attempt, bool(pending))
        if pending:
            raise RuntimeError(f"{len(pending)} idempotency marks left unwritten")


_BATCH_ATTEMPTS = 5


async def _backoff(attempt: int, more: bool) -> None:
    # DynamoDB hands back unprocessed keys under throttling: wait a little before the rest.
    if more:
        await asyncio.sleep(min(1.0, 0.05 * 2**attempt))
