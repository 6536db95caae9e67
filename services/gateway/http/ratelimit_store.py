"""The shared counters behind `shared_limits.SharedLimiter` (table `gateway-ratelimits`).

One item per person and (rule, window): `used`, the requests reserved so far, grown only by a
conditional `ADD` that never takes it past the window's limit. DynamoDB's TTL removes
windows a minute after they end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.runtime.dynamo import is_condition_failure
from services.wire.tables.gateway import RATE_LIMITS

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

_ATTEMPTS = 3


class RateLimitCounters:
    def __init__(self, dynamodb: DynamoDBClient, prefix: str) -> None:
        self._db = dynamodb
        self.table = RATE_LIMITS.name(prefix)

    async def reserve(self, who: str, window: str, want: int, limit: int, expires_at: int) -> int:
        """Reserve up to `want` of the window's `limit`; how many were granted (0 if full)."""
        for _ in range(_ATTEMPTS):
            try:
                await self._db.update_item(
                    TableName=self.table,
                    Key={"userId": {"S": who}, "window": {"S": window}},
                    UpdateExpression="ADD used :want SET expiresAt = :exp",
                    ConditionExpression="attribute_not_exists(used) OR used <= :most",
                    ExpressionAttributeValues={
                        ":want": {"N": str(want)},
                        ":most": {"N": str(limit - want)},
                        ":exp": {"N": str(expires_at)},
                    },
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return want
            except ClientError as exc:
                if not is_condition_failure(exc):
                    raise
                old: dict[str, Any] = dict(exc.response.get("Item") or {})  # type: ignore[call-overload]
                used = int(old.get("used", {}).get("N", limit))
                # Less than a batch is left: take what remains (another process may race us).
                want = min(want, limit - used)
                if want <= 0:
                    return 0
        return 0
