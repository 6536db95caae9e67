"""The gateway's record of open WebSocket connections (table `gateway-connections`).

One item per connection: who holds it, since when, when it last pinged, and `expiresAt`, the
lease a ping renews. The same records serve API Gateway's connections in AWS and the local
edge's on this machine.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from services.runtime.dynamo import is_condition_failure
from services.wire.tables.gateway import CONNECTIONS

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


# One shard is plenty for a sweep every half minute; more spread the index's writes.
LEASE_SHARD = "0"


def iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


class ConnectionRecords:
    def __init__(self, dynamodb: DynamoDBClient, prefix: str, ttl_s: int) -> None:
        self._db = dynamodb
        self.table = CONNECTIONS.name(prefix)
        self._ttl_s = ttl_s

    async def put(
        self, connection_id: str, user_id: str, now: float, token_expires_at: float
    ) -> None:
        await self._db.put_item(
            TableName=self.table,
            Item={
                "connectionId": {"S": connection_id},
                "userId": {"S": user_id},
                "connectedAt": {"S": iso(now)},
                "lastSeen": {"S": iso(now)},
                "expiresAt": {"N": str(int(now) + self._ttl_s)},
                "leaseShard": {"S": LEASE_SHARD},
                # When the token the socket opened with expires: the socket must not outlive it.
                "tokenExpiresAt": {"N": str(int(token_expires_at))},
            },
        )

    async def lapsed(self, now: float, limit: int = 100) -> list[str]:
        """Connections whose lease ran out before `now`: nobody pinged and no disconnect came."""
        resp = await self._db.query(
            TableName=self.table,
            IndexName="byLease",
            KeyConditionExpression="leaseShard = :shard AND expiresAt < :now",
            ExpressionAttributeValues={":shard": {"S": LEASE_SHARD}, ":now": {"N": str(int(now))}},
            Limit=limit,
        )
        return [item["connectionId"]["S"] for item in resp.get("Items", [])]

    async def owner(self, connection_id: str) -> str | None:
        """Whose connection it is, or None if there is no such record."""
        resp = await self._db.get_item(
            TableName=self.table,
            Key={"connectionId": {"S": connection_id}},
            ConsistentRead=True,
            ProjectionExpression="userId",
        )
        item = resp.get("Item")
        return item["userId"]["S"] if item and "userId" in item else None

    async def delete(self, connection_id: str) -> str | None:
        """Forget the connection; whose it was, or None if it was already gone."""
        resp = await self._db.delete_item(
            TableName=self.table,
            Key={"connectionId": {"S": connection_id}},
            ReturnValues="ALL_OLD",
        )
        old = resp.get("Attributes")
        return old["userId"]["S"] if old and "userId" in old else None

    async def refresh(self, connection_id: str, now: float) -> tuple[str, float | None] | None:
        """Renew the lease; whose connection it is and when its token expires (None if the
        record predates that attribute), or None if there is no such record."""
        try:
            resp = await self._db.update_item(
                TableName=self.table,
                Key={"connectionId": {"S": connection_id}},
                UpdateExpression="SET lastSeen = :seen, expiresAt = :exp",
                ConditionExpression="attribute_exists(connectionId)",
                ExpressionAttributeValues={
                    ":seen": {"S": iso(now)},
                    ":exp": {"N": str(int(now) + self._ttl_s)},
                },
                ReturnValues="ALL_NEW",
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return None
            raise
        item = resp["Attributes"]
        token_exp = item.get("tokenExpiresAt", {}).get("N")
        return item["userId"]["S"], float(token_exp) if token_exp else None
