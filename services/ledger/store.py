"""The ledger's DynamoDB adapter: read a snapshot, commit a change in one transaction.

Tables (services/wire/tables/ledger.py): `ledger-accounts` (userId), `ledger-summaries`
(userId, day — the gateway's read model), `ledger-holds` (holdId), `ledger-entries`
(userDay, entryKey — append-only, the key is the idempotency key).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from services.ledger import codec
from services.ledger.codec import user_day
from services.ledger.model import (
    Account,
    Change,
    Conflict,
    DayBook,
    Entry,
    EntryKind,
    Hold,
    Rules,
    Snapshot,
    entry_key,
)
from services.runtime.dynamo import TransactionConflict, from_item, to_item, transact, values
from services.runtime.shards import query_shards

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class DynamoStore:
    def __init__(self, db: DynamoDBClient, tables: dict[str, str], rules: Rules) -> None:
        self._db = db
        self._accounts = tables["ledger-accounts"]
        self._summaries = tables["ledger-summaries"]
        self._holds = tables["ledger-holds"]
        self._entries = tables["ledger-entries"]
        self._rules = rules

    # -- reading ---------------------------------------------------------------------------

    async def snapshot(self, user_id: str, hold_id: str, today: date) -> Snapshot:
        """Account, hold and today's book in one round trip; the hold's own day if it differs."""
        keys = {
            self._accounts: {"Keys": [{"userId": {"S": user_id}}], "ConsistentRead": True},
            self._holds: {"Keys": [{"holdId": {"S": hold_id}}], "ConsistentRead": True},
            self._summaries: {"Keys": [_book_key(user_id, today)], "ConsistentRead": True},
        }
        found: dict[str, list[dict[str, Any]]] = {t: [] for t in keys}
        pending: Any = keys
        while pending:
            resp = await self._db.batch_get_item(RequestItems=pending)
            for table, items in resp.get("Responses", {}).items():
                found[table].extend(from_item(i) for i in items)
            pending = resp.get("UnprocessedKeys") or None
        account = (
            codec.account(found[self._accounts][0]) if found[self._accounts] else Account(user_id)
        )
        hold = codec.hold(found[self._holds][0]) if found[self._holds] else None
        day = hold.day if hold else today
        if day == today:
            rows = found[self._summaries]
            book = codec.book(rows[0]) if rows else self._rules.fresh_book(user_id, day)
        else:
            book = await self.book(user_id, day)
        return Snapshot(account=account, book=book, hold=hold)

    async def book(self, user_id: str, day: date) -> DayBook:
        resp = await self._db.get_item(
            TableName=self._summaries, Key=_book_key(user_id, day), ConsistentRead=True
        )
        item = resp.get("Item")
        return codec.book(from_item(item)) if item else self._rules.fresh_book(user_id, day)

    async def entry(self, user_id: str, day: date, kind: EntryKind, hold_id: str) -> Entry | None:
        resp = await self._db.get_item(
            TableName=self._entries,
            Key={
                "userDay": {"S": user_day(user_id, day)},
                "entryKey": {"S": entry_key(kind, hold_id)},
            },
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return codec.entry(from_item(item)) if item else None

    async def entries(self, user_id: str, day: date) -> list[Entry]:
        """The day's log, for audits and tests."""
        out: list[Entry] = []
        kwargs: dict[str, Any] = {
            "TableName": self._entries,
            "KeyConditionExpression": "userDay = :k",
            "ExpressionAttributeValues": values(k=user_day(user_id, day)),
            "ConsistentRead": True,
        }
        while True:
            resp = await self._db.query(**kwargs)
            out.extend(codec.entry(from_item(i)) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp:
                return out
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    async def hold(self, hold_id: str) -> Hold | None:
        resp = await self._db.get_item(
            TableName=self._holds, Key={"holdId": {"S": hold_id}}, ConsistentRead=True
        )
        item = resp.get("Item")
        return codec.hold(from_item(item)) if item else None

    async def open_holds(self, decided_before: datetime) -> AsyncIterator[Hold]:
        """Open holds decided before a time, from every shard of the sparse `open` index at
        once (it lags a little: whoever acts on one reads it again strongly)."""
        items = await query_shards(
            self._db,
            codec.OPEN_SHARD,
            {
                "TableName": self._holds,
                "IndexName": "open",
                "KeyConditionExpression": "openShard = :shard AND decidedAt < :t",
                "ExpressionAttributeValues": values(t=codec.iso(decided_before)),
            },
        )
        for item in items:
            yield codec.hold(from_item(item))

    async def account(self, user_id: str) -> Account:
        resp = await self._db.get_item(
            TableName=self._accounts, Key={"userId": {"S": user_id}}, ConsistentRead=True
        )
        item = resp.get("Item")
        return codec.account(from_item(item)) if item else Account(user_id)

    # -- writing ---------------------------------------------------------------------------

    async def commit(self, change: Change, now: datetime) -> None:
        """All of it or none of it; `Conflict` if any item moved since it was read."""
        hold, account, book = change.hold, change.account, change.book
        items: list[dict[str, Any]] = [
            _put(self._holds, codec.hold_item(hold, now), "holdId", hold.version - 1)
        ]
        if change.account_changed:
            item = codec.account_item(account, now)
            items.append(_put(self._accounts, item, "userId", account.version - 1))
        else:
            key = {"userId": {"S": account.user_id}}
            items.append(_check(self._accounts, key, "userId", account.version))
        if book is not None:
            items.append(
                _put(self._summaries, codec.book_item(book, now), "userId", book.version - 1)
            )
        if change.entry is not None:
            items.append(_put(self._entries, codec.entry_item(change.entry), "entryKey", 0))
        try:
            await transact(self._db, items)
        except TransactionConflict as exc:
            raise Conflict(str(exc.reasons)) from exc


def _book_key(user_id: str, day: date) -> dict[str, Any]:
    return {"userId": {"S": user_id}, "day": {"S": day.isoformat()}}


def _condition(key_attr: str, version: int) -> dict[str, Any]:
    if version == 0:
        return {"ConditionExpression": f"attribute_not_exists({key_attr})"}
    return {
        "ConditionExpression": "version = :v",
        "ExpressionAttributeValues": values(v=version),
    }


def _put(table: str, item: dict[str, Any], key_attr: str, expected: int) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": to_item(item), **_condition(key_attr, expected)}}


def _check(table: str, key: dict[str, Any], key_attr: str, expected: int) -> dict[str, Any]:
    return {"ConditionCheck": {"TableName": table, "Key": key, **_condition(key_attr, expected)}}
