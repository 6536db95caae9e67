"""The notifier's own copy of who has which connection open (table `notifier-connections`).

The gateway owns the connection records; the notifier learns of each connection from the
gateway's `connection.opened` / `connection.closed` events and keeps one item per person
with a string set of connection ids. Adding or removing an id twice changes nothing, so
redelivered events are harmless. A connection API answer of 410 removes an id as well.
Lookups of many people at once share one BatchGetItem (see `batching.Batcher`), and so does
the other question every event asks — was it pushed before? — when the store is given the
notifier's idempotency table: one call per event instead of two, side by side.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from services.notifier.batching import Batcher
from services.runtime.dynamo import is_condition_failure
from services.wire.tables.notifier import CONNECTIONS

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

# API Gateway ends every connection after 2 hours; a day covers every open id with room to
# spare. Only a clean-up for ids whose `connection.closed` was never seen.
ITEM_TTL_S = 24 * 3600
_BATCH_GET_MAX = 100
_ATTEMPTS = 5


# A key read in the shared BatchGetItem: a person's connections, or a pushed-before marker.
_Key = tuple[Literal["connections", "handled"], str]


class ConnectionStore:
    def __init__(
        self, dynamodb: DynamoDBClient, table: str, handled_table: str | None = None
    ) -> None:
        self._db = dynamodb
        self.table = table
        self.handled_table = handled_table
        self._lookups: Batcher[_Key, Any] = Batcher(self._lookup_many, max_batch=_BATCH_GET_MAX)

    @classmethod
    def for_prefix(
        cls, dynamodb: DynamoDBClient, prefix: str, handled_table: str | None = None
    ) -> ConnectionStore:
        return cls(dynamodb, CONNECTIONS.name(prefix), handled_table)

    async def add(self, user_id: str, connection_id: str) -> None:
        now = time.time()
        await self._db.update_item(
            TableName=self.table,
            Key={"userId": {"S": user_id}},
            UpdateExpression="ADD connectionIds :c SET updatedAt = :u, expiresAt = :x",
            ExpressionAttributeValues={
                ":c": {"SS": [connection_id]},
                ":u": {"S": _iso(now)},
                ":x": {"N": str(int(now) + ITEM_TTL_S)},
            },
        )

    async def remove(self, user_id: str, connection_id: str) -> None:
        try:
            await self._db.update_item(
                TableName=self.table,
                Key={"userId": {"S": user_id}},
                UpdateExpression="DELETE connectionIds :c SET updatedAt = :u",
                # Never create an item just to remove something from it.
                ConditionExpression="attribute_exists(userId)",
                ExpressionAttributeValues={
                    ":c": {"SS": [connection_id]},
                    ":u": {"S": _iso(time.time())},
                },
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise

    async def forget(self, user_id: str) -> None:
        """The person deleted their account: drop their item (idempotent)."""
        await self._db.delete_item(TableName=self.table, Key={"userId": {"S": user_id}})

    async def of(self, user_id: str) -> tuple[str, ...]:
        """The person's open connection ids (none if they have no tab open)."""
        ids: tuple[str, ...] = await self._lookups.get(("connections", user_id))
        return ids

    async def seen(self, event_id: str) -> bool:
        """Whether `event_id` was pushed before (its marker in the idempotency table)."""
        if self.handled_table is None:
            raise RuntimeError("no idempotency table given to this store")
        found: bool = await self._lookups.get(("handled", event_id))
        return found

    @property
    def lookup_calls(self) -> int:
        return self._lookups.calls

    async def _lookup_many(self, keys: Sequence[_Key]) -> Mapping[_Key, Any]:
        found: dict[_Key, Any] = {k: () if k[0] == "connections" else False for k in keys}
        wanted = {
            self.table: [{"userId": {"S": k}} for kind, k in keys if kind == "connections"],
            self.handled_table: [{"eventId": {"S": k}} for kind, k in keys if kind == "handled"],
        }
        projection = {self.table: "userId, connectionIds", self.handled_table: "eventId"}
        pending: dict[str, Any] = {
            table: {"Keys": ks, "ConsistentRead": True, "ProjectionExpression": projection[table]}
            for table, ks in wanted.items()
            if table is not None and ks
        }
        for attempt in range(_ATTEMPTS):
            if attempt:
                # Unprocessed keys mean throttling: give DynamoDB a moment before the rest.
                await asyncio.sleep(0.05 * 2**attempt)
            resp = await self._db.batch_get_item(RequestItems=pending)
            answers = resp.get("Responses", {})
            for item in answers.get(self.table, []):
                ids = item.get("connectionIds", {}).get("SS", [])
                found[("connections", item["userId"]["S"])] = tuple(sorted(ids))
            for item in answers.get(self.handled_table or "", []):
                found[("handled", item["eventId"]["S"])] = True
            pending = dict(resp.get("UnprocessedKeys") or {})
            if not pending:
                return found
        left = sum(len(v["Keys"]) for v in pending.values())
        raise RuntimeError(f"{left} connection and marker keys left unread")


def _iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
