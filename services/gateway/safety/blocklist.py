"""Blocks the gateway accepted (table `gateway-blocks`), so presence can hide people both ways
and settings can list whom I blocked. The matcher keeps its own record (`matcher-pairs`, not
readable here) and is told through `user.blocked` / `user.unblocked`.

Two rows per pair, one per direction, each written by plain idempotent updates: a retried
block or unblock converges to the same rows, and a row with neither flag counts as nothing.

Someone suspended pending review (safety.py) is out of everyone's reach the same way: hidden
from presence and, to an inviter, "offline", as if they had blocked everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.gateway.safety.records import SafetyRecords
from services.runtime.dynamo import from_item
from services.wire.tables.gateway import BLOCKS

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

# One person's rows are read in one query page; nobody legitimately blocks thousands.
MAX_ROWS = 1000


@dataclass(frozen=True)
class PairRow:
    other: str
    i_blocked: bool
    blocked_me: bool
    blocked_at: str


def _row(item: dict[str, Any]) -> PairRow:
    return PairRow(
        other=str(item["otherUserId"]),
        i_blocked=bool(item.get("iBlocked")),
        blocked_me=bool(item.get("blockedMe")),
        blocked_at=str(item.get("blockedAt") or ""),
    )


class BlockList:
    def __init__(self, dynamodb: DynamoDBClient, prefix: str) -> None:
        self._db = dynamodb
        self.table = BLOCKS.name(prefix)
        self._safety = SafetyRecords(dynamodb, prefix)

    async def _set(self, user: str, other: str, expression: str, values: dict[str, Any]) -> None:
        await self._db.update_item(
            TableName=self.table,
            Key={"userId": {"S": user}, "otherUserId": {"S": other}},
            UpdateExpression=expression,
            ExpressionAttributeValues=values,
        )

    async def block(self, user: str, other: str, now_iso: str) -> str:
        """Records the block; returns when it began (a repeated block keeps the first time)."""
        yes = {":yes": {"BOOL": True}}
        resp = await self._db.update_item(
            TableName=self.table,
            Key={"userId": {"S": user}, "otherUserId": {"S": other}},
            UpdateExpression="SET iBlocked = :yes, blockedAt = if_not_exists(blockedAt, :at)",
            ExpressionAttributeValues={**yes, ":at": {"S": now_iso}},
            ReturnValues="ALL_NEW",
        )
        await self._set(other, user, "SET blockedMe = :yes", yes)
        return str(resp["Attributes"]["blockedAt"]["S"])

    async def get(self, user: str, other: str) -> PairRow | None:
        """The pair's row as `user` sees it; `blocked_me` also when `other` is suspended."""
        resp = await self._db.get_item(
            TableName=self.table,
            Key={"userId": {"S": user}, "otherUserId": {"S": other}},
            ConsistentRead=True,
        )
        row = _row(from_item(resp["Item"])) if "Item" in resp else None
        if other in await self._safety.suspended_users():
            return PairRow(other, bool(row and row.i_blocked), True, row.blocked_at if row else "")
        return row

    async def unblock(self, user: str, other: str) -> None:
        """Lifts my block of `other` (idempotent). Their block of me stays."""
        for key, expression in (
            ((user, other), "REMOVE iBlocked, blockedAt"),
            ((other, user), "REMOVE blockedMe"),
        ):
            await self._db.update_item(
                TableName=self.table,
                Key={"userId": {"S": key[0]}, "otherUserId": {"S": key[1]}},
                UpdateExpression=expression,
            )

    async def rows(self, user: str) -> list[PairRow]:
        out: list[PairRow] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "userId = :u",
            "ExpressionAttributeValues": {":u": {"S": user}},
            "ConsistentRead": True,
        }
        while len(out) < MAX_ROWS:
            resp = await self._db.query(**kwargs)
            out.extend(_row(from_item(raw)) for raw in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp:
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        return out

    async def hidden_from(self, user: str) -> frozenset[str]:
        """People `user` must not see online: whom they blocked, who blocked them, and
        whoever is suspended."""
        blocked = frozenset(r.other for r in await self.rows(user) if r.i_blocked or r.blocked_me)
        return blocked | await self._safety.suspended_users()

    async def blocked_by(self, user: str) -> list[PairRow]:
        """Whom `user` blocked, newest first."""
        mine = [r for r in await self.rows(user) if r.i_blocked]
        return sorted(mine, key=lambda r: r.blocked_at, reverse=True)
