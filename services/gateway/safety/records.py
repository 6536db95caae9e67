"""The safety records in DynamoDB (`gateway-safety`, `gateway-moderation-log`).

Rows of `gateway-safety` (the rules in safety_core.py):
- `(key, "standing")`, one per identity key: `userId` / `username` of the account the key is
  signed in as now (removed when that account is deleted), `primary` (the person's primary
  key), a ban (`banUntil`, `banReason`, `bannedAt`, `bannedBy`), a suspension awaiting review
  (`suspendedAt`; `queue` on the primary key's item only), `reviewedAt`, `leftAt`.
- `(blocker, "block#" + blocked)` and `(blocked, "blockedby#" + blocker)`, primary keys both.
- `(reported, "report#" + reportId)`: `reporter` (their primary key), `at`, `reason`.
Every write is an idempotent update: a retried request converges to the same rows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.gateway.people.views import iso, parse_iso
from services.gateway.safety.core import (
    BLOCK,
    BLOCKED_BY,
    REPORT,
    STANDING,
    expired,
    left_until,
)
from services.runtime.dynamo import from_item, is_condition_failure, to_item, values
from services.wire.events import new_id
from services.wire.tables.safety import MODERATION_LOG, SAFETY

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

Item = dict[str, Any]
OPEN = "open"
MAX_ROWS = 1000


@dataclass(frozen=True)
class Row:
    """A block or report row: the other person's primary key and when."""

    other: str
    at: str
    reason: str = ""
    report_id: str = ""


class SafetyRecords:
    # How long one read of the suspension queue answers presence, invites and partners in this
    # task: every listing would otherwise query the queue's one index partition.
    SUSPENDED_FRESH_S = 2.0

    def __init__(self, dynamodb: DynamoDBClient, prefix: str) -> None:
        self._db = dynamodb
        self.table = SAFETY.name(prefix)
        self.log_table = MODERATION_LOG.name(prefix)
        self._suspended: tuple[float, frozenset[str]] | None = None

    # ---- standing ------------------------------------------------------------------------

    async def standings(self, keys: Sequence[str]) -> dict[str, Item]:
        """The standing items of these keys (absent keys are left out)."""
        if not keys:
            return {}
        request: Any = {
            self.table: {
                "Keys": [to_item({"pk": k, "sk": STANDING}) for k in keys],
                "ConsistentRead": True,
            }
        }
        found: dict[str, Item] = {}
        for attempt in range(5):
            resp = await self._db.batch_get_item(RequestItems=request)
            for raw in resp.get("Responses", {}).get(self.table, []):
                item = from_item(raw)
                found[str(item["pk"])] = item
            request = resp.get("UnprocessedKeys") or {}
            if not request:
                break
            await asyncio.sleep(0.02 * 2**attempt)
        return found

    async def _update(
        self, key: str, sk: str, update: str, vals: Item | None = None, **kw: Any
    ) -> Item:
        args: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item({"pk": key, "sk": sk}),
            "UpdateExpression": update,
            **kw,
        }
        if vals:
            args["ExpressionAttributeValues"] = vals
        resp = await self._db.update_item(**args)
        return from_item(resp.get("Attributes", {}))

    async def link(self, keys: Sequence[str], user_id: str, username: str, now: datetime) -> None:
        """The keys are signed in as this account now (and no longer count as having left)."""
        fields = {"u": user_id, "p": keys[0], "at": iso(now)}
        update = "SET userId = :u, #primary = :p, linkedAt = :at"
        if username:
            update += ", username = :n"
            fields["n"] = username
        for key in keys:
            await self._update(
                key,
                STANDING,
                update + " REMOVE leftAt, expiresAt",
                values(**fields),
                ExpressionAttributeNames={"#primary": "primary"},
            )

    async def keys_of(self, user_id: str) -> list[str]:
        """The identity keys an account is signed in as, primary first (none: never seen)."""
        resp = await self._db.query(
            TableName=self.table,
            IndexName="byUser",
            KeyConditionExpression="userId = :u",
            ExpressionAttributeValues=values(u=user_id),
        )
        items = [from_item(i) for i in resp.get("Items", [])]
        primary = next((str(i["primary"]) for i in items if i.get("primary")), None)
        return sorted((str(i["pk"]) for i in items), key=lambda k: (k != primary, k))

    async def user_of(self, key: str) -> str | None:
        """The account an identity key is signed in as now, if any."""
        resp = await self._db.get_item(
            TableName=self.table, Key=to_item({"pk": key, "sk": STANDING}), ConsistentRead=True
        )
        user = from_item(resp.get("Item", {})).get("userId")
        return str(user) if user else None

    async def ban(
        self, keys: Sequence[str], until: str, reason: str, by: str, now: datetime
    ) -> None:
        for key in keys:
            await self._update(
                key,
                STANDING,
                "SET banUntil = :until, banReason = :why, bannedAt = :at, bannedBy = :by, "
                "#primary = if_not_exists(#primary, :p)",
                values(until=until, why=reason, at=iso(now), by=by, p=keys[0]),
                ExpressionAttributeNames={"#primary": "primary"},
            )

    async def lift_ban(self, keys: Sequence[str]) -> None:
        for key in keys:
            await self._update(key, STANDING, "REMOVE banUntil, banReason, bannedAt, bannedBy")

    async def suspend(self, keys: Sequence[str], now: datetime) -> bool:
        """Suspends the person pending review; False if they already were."""
        self._suspended = None  # this task reads the queue afresh next time
        try:
            await self._update(
                keys[0],
                STANDING,
                "SET suspendedAt = :at, #queue = :open, #primary = if_not_exists(#primary, :p)",
                values(at=iso(now), open=OPEN, p=keys[0]),
                ExpressionAttributeNames={"#queue": "queue", "#primary": "primary"},
                ConditionExpression="attribute_not_exists(suspendedAt)",
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        for key in keys[1:]:
            await self._update(key, STANDING, "SET suspendedAt = :at", values(at=iso(now)))
        return True

    async def reviewed(self, keys: Sequence[str], now: datetime) -> None:
        """An operator decided: out of the queue; reports before now no longer count."""
        self._suspended = None
        for key in keys:
            await self._update(
                key,
                STANDING,
                "SET reviewedAt = :at REMOVE suspendedAt, #queue",
                values(at=iso(now)),
                ExpressionAttributeNames={"#queue": "queue"},
            )

    async def queue(self, limit: int = 50) -> list[Item]:
        """Suspensions awaiting review, oldest first."""
        resp = await self._db.query(
            TableName=self.table,
            IndexName="queue",
            KeyConditionExpression="#queue = :open",
            ExpressionAttributeNames={"#queue": "queue"},
            ExpressionAttributeValues=values(open=OPEN),
            Limit=limit,
        )
        return [from_item(i) for i in resp.get("Items", [])]

    async def suspended_users(self) -> frozenset[str]:
        """The accounts of everyone suspended now (a short list: operators empty it), read at
        most every `SUSPENDED_FRESH_S` per task (suspending also withdraws the person's
        ticket and invites at once, so a listing a second old misleads nobody for long)."""
        now = time.monotonic()
        if self._suspended is not None and now - self._suspended[0] < self.SUSPENDED_FRESH_S:
            return self._suspended[1]
        users = frozenset(str(i["userId"]) for i in await self.queue(MAX_ROWS) if i.get("userId"))
        self._suspended = (now, users)
        return users

    # ---- blocks and reports --------------------------------------------------------------

    async def block(self, blocker: str, blocked: str, at: str) -> None:
        for pk, sk in ((blocker, BLOCK + blocked), (blocked, BLOCKED_BY + blocker)):
            await self._update(
                pk,
                sk,
                "SET blockedAt = if_not_exists(blockedAt, :at) REMOVE expiresAt",
                values(at=at),
            )

    async def unblock(self, blocker: str, blocked: str) -> None:
        for pk, sk in ((blocker, BLOCK + blocked), (blocked, BLOCKED_BY + blocker)):
            await self._db.delete_item(TableName=self.table, Key=to_item({"pk": pk, "sk": sk}))

    async def rows(self, key: str, prefix: str, now: datetime) -> list[Row]:
        """The key's rows of one kind (`block#`, `blockedby#`, `report#`) still kept."""
        out: list[Row] = []
        args: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :k AND begins_with(sk, :p)",
            "ExpressionAttributeValues": values(k=key, p=prefix),
            "ConsistentRead": True,
        }
        while len(out) < MAX_ROWS:
            resp = await self._db.query(**args)
            for raw in resp.get("Items", []):
                item = from_item(raw)
                if expired(item, now):
                    continue
                rest = str(item["sk"]).removeprefix(prefix)
                if prefix == REPORT:
                    out.append(
                        Row(str(item["reporter"]), str(item["at"]), str(item["reason"]), rest)
                    )
                else:
                    out.append(Row(rest, str(item.get("blockedAt", ""))))
            if "LastEvaluatedKey" not in resp:
                break
            args["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        return out

    async def kept(self, key: str, other: str) -> None:
        """Both of them are here again: their block rows no longer expire."""
        for pk, sk in ((key, BLOCK + other), (other, BLOCKED_BY + key)):
            await self._update_if_exists(pk, sk, "REMOVE expiresAt")
        for pk, sk in ((key, BLOCKED_BY + other), (other, BLOCK + key)):
            await self._update_if_exists(pk, sk, "REMOVE expiresAt")

    async def _update_if_exists(
        self, pk: str, sk: str, update: str, vals: Item | None = None
    ) -> None:
        try:
            await self._update(pk, sk, update, vals, ConditionExpression="attribute_exists(pk)")
        except Exception as exc:
            if not is_condition_failure(exc):
                raise

    async def add_report(
        self, reported: str, report_id: str, reporter: str, at: str, reason: str
    ) -> None:
        await self._update(
            reported,
            REPORT + report_id,
            "SET reporter = :r, #at = :at, reason = :why",
            values(r=reporter, at=at, why=reason),
            ExpressionAttributeNames={"#at": "at"},
        )

    # ---- leaving ---------------------------------------------------------------------------

    async def left(self, user_id: str, now: datetime, retention: timedelta) -> int:
        """The account is deleted: its keys are no longer signed in as it, and everything kept
        about the person expires `retention` from now (a ban lasts its term). How many rows."""
        keys = await self.keys_of(user_id)
        standings = await self.standings(keys)
        until = int((now + retention).timestamp())
        touched = 0
        for key in keys:
            expires = left_until(standings.get(key, {}).get("banUntil"), now, retention)
            update = "SET leftAt = :at"
            vals = values(at=iso(now))
            if expires is not None:
                update += ", expiresAt = :exp"
                vals |= values(exp=expires)
            await self._update(key, STANDING, update + " REMOVE userId, username", vals)
            touched += 1
        if not keys:
            return 0
        primary = keys[0]
        exp = values(exp=until)
        for prefix, mirror in ((BLOCK, BLOCKED_BY), (BLOCKED_BY, BLOCK)):
            for row in await self.rows(primary, prefix, now):
                await self._update_if_exists(
                    primary, prefix + row.other, "SET expiresAt = :exp", exp
                )
                await self._update_if_exists(
                    row.other, mirror + primary, "SET expiresAt = :exp", exp
                )
                touched += 2
        for row in await self.rows(primary, REPORT, now):
            await self._update_if_exists(
                primary, REPORT + row.report_id, "SET expiresAt = :exp", exp
            )
            touched += 1
        return touched

    # ---- the audit log ---------------------------------------------------------------------

    async def audit(
        self,
        action: str,
        subject: str,
        by: str,
        reason: str,
        now: datetime,
        keep_days: int,
        **details: Any,
    ) -> Item:
        """One moderation action, for good (until `keep_days` from now)."""
        at = iso(now)
        item: Item = {
            "month": at[:7],
            "at": f"{at}#{new_id()[:8]}",
            "action": action,
            "subject": subject,
            "by": by,
            "reason": reason,
            "expiresAt": int((now + timedelta(days=keep_days)).timestamp()),
            **{k: v for k, v in details.items() if v is not None},
        }
        await self._db.put_item(TableName=self.log_table, Item=to_item(item))
        return item

    async def audit_log(
        self, now: datetime, limit: int = 100, subject: str | None = None
    ) -> list[Item]:
        """The newest actions first (this month and the one before), or one person's."""
        if subject is not None:
            resp = await self._db.query(
                TableName=self.log_table,
                IndexName="bySubject",
                KeyConditionExpression="subject = :s",
                ExpressionAttributeValues=values(s=subject),
                ScanIndexForward=False,
                Limit=limit,
            )
            return [from_item(i) for i in resp.get("Items", [])]
        out: list[Item] = []
        for month in _months(now, 2):
            if len(out) >= limit:
                break
            resp = await self._db.query(
                TableName=self.log_table,
                KeyConditionExpression="#m = :m",
                ExpressionAttributeNames={"#m": "month"},
                ExpressionAttributeValues=values(m=month),
                ScanIndexForward=False,
                Limit=limit - len(out),
            )
            out += [from_item(i) for i in resp.get("Items", [])]
        return out


def _months(now: datetime, count: int) -> Iterable[str]:
    year, month = now.year, now.month
    for _ in range(count):
        yield f"{year:04d}-{month:02d}"
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def oldest_age_s(queue: list[Item], now: datetime) -> float:
    """How long the oldest suspension in the queue has waited (0 when none waits)."""
    times = [t for t in (parse_iso(i.get("suspendedAt")) for i in queue) if t is not None]
    return max(0.0, (now - min(times)).total_seconds()) if times else 0.0
