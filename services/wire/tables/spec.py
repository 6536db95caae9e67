"""How a DynamoDB table is described on the wire: keys, indexes, TTL, its one writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from services.wire.names import Service, table_name

KeyType = Literal["S", "N"]


@dataclass(frozen=True)
class Key:
    name: str
    type: KeyType = "S"


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: Key
    range_key: Key | None = None


@dataclass(frozen=True)
class Table:
    logical: str
    writer: Service
    hash_key: Key
    range_key: Key | None = None
    indexes: tuple[Index, ...] = ()
    # Local secondary indexes: the table's hash key with another sort key. Unlike a global
    # one they can be read strongly consistent; they exist only from the table's creation
    # (adding or removing one replaces the table in AWS).
    local_indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = "expiresAt"
    # Services other than the writer that may read it (the gateway's read models).
    readers: frozenset[Service] = field(default_factory=frozenset)
    doc: str = ""

    def __post_init__(self) -> None:
        for ix in self.local_indexes:
            if ix.hash_key != self.hash_key or ix.range_key is None or self.range_key is None:
                raise ValueError(f"{self.logical}: a local index shares the hash key, sorts anew")

    def name(self, prefix: str) -> str:
        return table_name(prefix, self.logical)

    def attributes(self) -> list[Key]:
        keys: dict[str, Key] = {}
        for k in (self.hash_key, self.range_key):
            if k:
                keys[k.name] = k
        for ix in (*self.indexes, *self.local_indexes):
            for k in (ix.hash_key, ix.range_key):
                if k:
                    if k.name in keys and keys[k.name].type != k.type:
                        raise ValueError(f"{self.logical}: {k.name} declared with two types")
                    keys[k.name] = k
        return list(keys.values())

    def create_table_kwargs(self, prefix: str) -> dict[str, Any]:
        """Arguments for DynamoDB CreateTable (on-demand), as boto3 takes them."""

        def schema(h: Key, r: Key | None) -> list[dict[str, str]]:
            out = [{"AttributeName": h.name, "KeyType": "HASH"}]
            if r:
                out.append({"AttributeName": r.name, "KeyType": "RANGE"})
            return out

        kwargs: dict[str, Any] = {
            "TableName": self.name(prefix),
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": schema(self.hash_key, self.range_key),
            "AttributeDefinitions": [
                {"AttributeName": k.name, "AttributeType": k.type} for k in self.attributes()
            ],
        }
        if self.indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": ix.name,
                    "KeySchema": schema(ix.hash_key, ix.range_key),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for ix in self.indexes
            ]
        if self.local_indexes:
            kwargs["LocalSecondaryIndexes"] = [
                {
                    "IndexName": ix.name,
                    "KeySchema": schema(self.hash_key, ix.range_key),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for ix in self.local_indexes
            ]
        return kwargs


def processed_table(owner: Service) -> Table:
    """The idempotency table of a consuming service: one item per handled event id."""
    return Table(
        logical=f"{owner}-processed",
        writer=owner,
        hash_key=Key("eventId"),
        doc="Event ids already handled (idempotency), expiring after a few days.",
    )
