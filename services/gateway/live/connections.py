"""The gateway's record of open WebSocket connections (table `gateway-connections`).

One item per connection: who holds it, since when, when its lease was last renewed, and
`expiresAt`, the lease its pings renew. The same records serve API Gateway's connections in
AWS and the local edge's on this machine.

Every record is in the `byLease` index (`leaseShard`, `expiresAt`), where the lapsed-lease
sweep (leases.py) finds connections whose disconnect never came. A renewal moves the record
within that index (`expiresAt` is its sort key: 2 index writes), so:
- a lease is renewed at most once a minute (`renew_after_s`), however many pings and gateway
  tasks it sees: the renewal is a conditional write that only a lease older than that passes,
  and a refused one changes neither the item nor the index. With the SPA's pings every 25 s
  the lease (`connection_ttl_s`, 180 s) still outlasts the gap between renewals by a lost ping;
- `leaseShard` is one of `LEASE_SHARDS` values by a hash of the connection id, so the renewals
  spread over that many partitions, and the sweep queries them all at once.

A socket that died without a disconnect is noticed once its lease lapses: at most
`connection_ttl_s` after its last renewal (no later than its last ping), plus a sweep period
(`lease_sweep_s`): within 2.5 minutes with the defaults, as before the renewals were spaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.gateway.live.presence_sizing import renew_after_s
from services.runtime.dynamo import is_condition_failure
from services.runtime.shards import ShardedKey, query_shards
from services.wire.tables.gateway import CONNECTIONS

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


# `leaseShard` values "0".."15" (records written before the shards were many carry "0", one
# of them). Sized by `make capacity`: at the peak of ten million people a day (~155,000
# sockets, a renewal every 75 s, 2 index writes each, plus connects and closes) one key would
# take ~4,700 write units a second; sixteen take ~300 each, under a third of a partition.
LEASE_SHARDS = 16
LEASE = ShardedKey("", LEASE_SHARDS)


def iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


class ConnectionRecords:
    def __init__(self, dynamodb: DynamoDBClient, prefix: str, ttl_s: int) -> None:
        self._db = dynamodb
        self.table = CONNECTIONS.name(prefix)
        self._ttl_s = ttl_s
        # A lease younger than this is not renewed (it outlasts the gap by a lost ping).
        self.renew_after_s = renew_after_s(ttl_s)

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
                "leaseShard": {"S": LEASE.of(connection_id)},
                # When the token the socket opened with expires: the socket must not outlive it.
                "tokenExpiresAt": {"N": str(int(token_expires_at))},
            },
        )

    async def lapsed(self, now: float, limit: int = 100) -> list[str]:
        """Connections whose lease ran out before `now`: nobody pinged and no disconnect came.
        One round of queries, one per shard, about `limit` in all (the oldest of each)."""
        items = await query_shards(
            self._db,
            LEASE,
            {
                "TableName": self.table,
                "IndexName": "byLease",
                "KeyConditionExpression": "leaseShard = :shard AND expiresAt < :now",
                "ExpressionAttributeValues": {":now": {"N": str(int(now))}},
                "ProjectionExpression": "connectionId",
            },
            per_key=max(1, -(-limit // LEASE_SHARDS)),
        )
        return [item["connectionId"]["S"] for item in items]

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
        """A ping: renew the lease if it was renewed more than `renew_after_s` ago. Whose
        connection it is and when its token expires (None if the record predates that
        attribute), or None if there is no such record."""
        # Renewed by anyone lately (another task took a ping): the write is refused, and
        # neither the item nor its index entries change; the refusal still says whose it is.
        due = int(now) + self._ttl_s - int(self.renew_after_s)
        try:
            resp = await self._db.update_item(
                TableName=self.table,
                Key={"connectionId": {"S": connection_id}},
                UpdateExpression="SET lastSeen = :seen, expiresAt = :exp",
                ConditionExpression="attribute_exists(connectionId) "
                "AND (attribute_not_exists(expiresAt) OR expiresAt <= :due)",
                ExpressionAttributeValues={
                    ":seen": {"S": iso(now)},
                    ":exp": {"N": str(int(now) + self._ttl_s)},
                    ":due": {"N": str(due)},
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise
            old: dict[str, Any] = dict(getattr(exc, "response", {}).get("Item") or {})
            return _lease_of(old) if old else None
        return _lease_of(resp["Attributes"])


def _lease_of(item: Mapping[str, Any]) -> tuple[str, float | None] | None:
    if "userId" not in item:
        return None
    token_exp = item.get("tokenExpiresAt", {}).get("N")
    return item["userId"]["S"], float(token_exp) if token_exp else None
