"""Erasing a person from a service's own tables: find their items, delete them, or put the
pseudonym in place of their id where abuse handling keeps the item.

Each service decides which of its items go and which stay (its `erasure` module); this holds
the DynamoDB plumbing they share. Everything here is idempotent: deleting an item that is
gone, or pseudonymising an item that no longer carries the id, changes nothing.
Items are handled in DynamoDB's own attribute format, so nothing is lost in conversion. Ids
are Cognito subs (UUIDs), so one never occurs inside another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

RawItem = dict[str, Any]
MAX_PAGES = 100


async def query_all(db: DynamoDBClient, **args: Any) -> list[RawItem]:
    """Every item a Query finds, page after page."""
    items: list[RawItem] = []
    for _ in range(MAX_PAGES):
        resp = await db.query(**args)
        items += resp.get("Items", [])
        last = resp.get("LastEvaluatedKey")
        if not last:
            break
        args["ExclusiveStartKey"] = last
    return items


def by_key(
    table: str, attr: str, value: str, index: str | None = None, *, consistent: bool = False
) -> dict[str, Any]:
    """Query arguments for the items whose `attr` (a table or index hash key) is `value`;
    strongly consistent on a table (an index cannot be)."""
    args: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#k = :v",
        "ExpressionAttributeNames": {"#k": attr},
        "ExpressionAttributeValues": {":v": {"S": value}},
    }
    if index:
        args["IndexName"] = index
    elif consistent:
        args["ConsistentRead"] = True
    return args


def key_of(item: RawItem, key_names: Sequence[str]) -> RawItem:
    return {k: item[k] for k in key_names}


async def delete_all(db: DynamoDBClient, table: str, keys: Sequence[RawItem]) -> int:
    """Delete the items with these keys (absent ones are fine); how many were asked."""
    unique = {repr(sorted(k.items())): k for k in keys}
    await asyncio.gather(*(db.delete_item(TableName=table, Key=k) for k in unique.values()))
    return len(unique)


def replaced(value: Any, user_id: str, pseudonym: str) -> Any:
    """A DynamoDB attribute value with every occurrence of `user_id` in its strings replaced."""
    if isinstance(value, dict):
        if "S" in value:
            return {"S": value["S"].replace(user_id, pseudonym)}
        if "SS" in value:
            return {"SS": sorted({s.replace(user_id, pseudonym) for s in value["SS"]})}
        if "L" in value:
            return {"L": [replaced(v, user_id, pseudonym) for v in value["L"]]}
        if "M" in value:
            return {"M": {k: replaced(v, user_id, pseudonym) for k, v in value["M"].items()}}
    return value


def pseudonymised(item: RawItem, user_id: str, pseudonym: str) -> RawItem:
    return {k: replaced(v, user_id, pseudonym) for k, v in item.items()}


async def pseudonymise(
    db: DynamoDBClient,
    table: str,
    key_names: Sequence[str],
    item: RawItem,
    user_id: str,
    pseudonym: str,
    extra: RawItem | None = None,
) -> bool:
    """Rewrite one item with the pseudonym in place of the id (and `extra` attributes set);
    an item whose key changes moves to its new key in one transaction. False if nothing
    carried the id."""
    new = pseudonymised(item, user_id, pseudonym)
    if new == item:
        return False
    new |= extra or {}
    old_key, new_key = key_of(item, key_names), key_of(new, key_names)
    if old_key == new_key:
        await db.put_item(TableName=table, Item=new)
    else:
        await db.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": table, "Key": old_key}},
                {"Put": {"TableName": table, "Item": new}},
            ]
        )
    return True
