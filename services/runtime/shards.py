"""Sparse index keys spread over shards, and the one round of queries that reads them all.

A sparse index whose partition key takes one value (`open`, `live`, a lease) puts every write
of every item it holds on one partition, and a partition takes at most 1,000 write units a
second. Items here carry `<prefix><shard>` instead, the shard chosen by a hash of the item's
own id (stable: rewriting an item never moves it), so the writes spread evenly over `shards`
partitions; a reader queries each of them, all at once. The shard counts are sized by the
capacity model (`make capacity`), which imports them.

`legacy` names values written before the key was sharded: readers still query them, so an
item written then (a hold still open, a session still live) is found until it is rewritten
under its shard or closes (docs/runbook.md, "Sharded index keys").
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


def shard_of(item_id: str, shards: int) -> int:
    """The shard of an item, by a hash of its id (the same in every process and release)."""
    return int(hashlib.sha256(item_id.encode()).hexdigest()[:8], 16) % shards


@dataclass(frozen=True)
class ShardedKey:
    """The values of one sparse index's partition key: `<prefix>0` … `<prefix><shards - 1>`."""

    prefix: str
    shards: int
    legacy: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.shards < 1:
            raise ValueError("a sharded key needs at least one shard")

    def of(self, item_id: str) -> str:
        """The key an item with this id is written under."""
        return f"{self.prefix}{shard_of(item_id, self.shards)}"

    def all_keys(self) -> tuple[str, ...]:
        """Every value a reader queries: each shard, then the legacy values not among them."""
        sharded = tuple(f"{self.prefix}{i}" for i in range(self.shards))
        return sharded + tuple(v for v in self.legacy if v not in sharded)


async def query_shards(
    db: DynamoDBClient,
    key: ShardedKey,
    params: Mapping[str, Any],
    *,
    placeholder: str = ":shard",
    per_key: int | None = None,
) -> list[dict[str, Any]]:
    """The items of every shard (raw DynamoDB items): one query per key value, all at once.

    `params` is one Query's arguments with the key value as `placeholder` in its
    `ExpressionAttributeValues`. Each value is read to its last page, or, with `per_key`, its
    first page of at most that many items (a sweep that takes a bounded bite each pass)."""
    pages = await asyncio.gather(
        *(_one(db, params, placeholder, value, per_key, count=False) for value in key.all_keys())
    )
    return [item for items, _ in pages for item in items]


async def count_shards(
    db: DynamoDBClient, key: ShardedKey, params: Mapping[str, Any], *, placeholder: str = ":shard"
) -> int:
    """How many items every shard holds (`Select=COUNT`: no items are returned)."""
    counts = await asyncio.gather(
        *(_one(db, params, placeholder, value, None, count=True) for value in key.all_keys())
    )
    return sum(n for _, n in counts)


async def _one(
    db: DynamoDBClient,
    params: Mapping[str, Any],
    placeholder: str,
    value: str,
    per_key: int | None,
    *,
    count: bool,
) -> tuple[list[dict[str, Any]], int]:
    kwargs: dict[str, Any] = dict(params)
    kwargs["ExpressionAttributeValues"] = {
        **params.get("ExpressionAttributeValues", {}),
        placeholder: {"S": value},
    }
    if count:
        kwargs["Select"] = "COUNT"
    if per_key is not None:
        kwargs["Limit"] = per_key
    items: list[dict[str, Any]] = []
    total = 0
    while True:
        resp = await db.query(**kwargs)
        items.extend(resp.get("Items", []))
        total += resp.get("Count", 0)
        if per_key is not None or "LastEvaluatedKey" not in resp:
            return items, total
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
