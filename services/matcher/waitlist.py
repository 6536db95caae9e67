"""The authoritative waiting set: one `matcher-waiting` item per waiting ticket.

Every matcher instance reads the whole set with strongly consistent queries before it decides
who talks to whom, so no decision rests on what one process happens to remember. The items
are written and deleted inside the transactions that move a ticket into and out of
`waiting` (see `matching` and `tickets`); they carry what the pairing core needs to score a
ticket, including whom its person blocked or met today and their partners (pair rows are written
both ways, so one side's lists are enough).
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.matcher.clock import epoch
from services.matcher.items import TICKET_TTL, Entry
from services.matcher.waiting import Waiting
from services.runtime.dynamo import from_item, is_condition_failure, to_item, values

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

# Partitions of the waiting set. A reader queries all of them, so more shards spread the
# read units (docs/capacity.md) at the price of one more concurrent query per look. Changing
# the number needs every instance to read the union of the old and new shards first.
SHARDS: tuple[str, ...] = ("0",)


def shard_of(ticket_id: str) -> str:
    return SHARDS[zlib.crc32(ticket_id.encode()) % len(SHARDS)]


@dataclass(frozen=True)
class Entrant:
    """A waiting ticket as the waiting set holds it."""

    ticket_id: str
    user_id: str
    speaks: tuple[str, ...]
    learns: tuple[str, ...]
    since: float  # epoch seconds, to the millisecond
    minutes: int
    pool: str
    avoid: frozenset[str] = frozenset()
    met: frozenset[str] = frozenset()
    met_day: str = ""
    partners: frozenset[str] = frozenset()
    looking_for: str = ""  # the level last announced to the person
    expires_at: int = 0  # the item's TTL (epoch seconds), kept fresh while it waits

    def waiting(self, today: str) -> Waiting:
        """A fresh pairing-core ticket (the core keeps per-pool heap positions in it, so
        every look builds its own)."""
        return Waiting(
            ticket_id=self.ticket_id,
            user_id=self.user_id,
            speaks=self.speaks,
            learns=self.learns,
            since=self.since,
            minutes=self.minutes,
            pool=self.pool,
            avoid=self.avoid,
            met=self.met if self.met_day == today else frozenset(),
            partners=self.partners,
        )

    @classmethod
    def from_item(cls, d: dict[str, Any]) -> Entrant:
        return cls(
            ticket_id=d["ticketId"],
            user_id=d["userId"],
            speaks=tuple(d.get("speaks", ())),
            learns=tuple(d.get("learns", ())),
            since=int(d["sinceMs"]) / 1000,
            minutes=int(d.get("minutes", 1)),
            pool=d.get("pool", "any"),
            avoid=frozenset(d.get("avoid", ())),
            met=frozenset(d.get("met", ())),
            met_day=d.get("metDay", ""),
            partners=frozenset(d.get("partners", ())),
            looking_for=d.get("lookingFor", ""),
            expires_at=int(d.get("expiresAt", 0)),
        )


def put(table: str, w: Waiting, today: str, now: datetime, looking_for: str) -> Entry:
    item: dict[str, Any] = {
        "shard": shard_of(w.ticket_id),
        "ticketId": w.ticket_id,
        "userId": w.user_id,
        "speaks": list(w.speaks),
        "learns": list(w.learns),
        "sinceMs": round(w.since * 1000),
        "minutes": w.minutes,
        "pool": w.pool,
        "avoid": set(w.avoid) or None,  # DynamoDB has no empty sets
        "met": set(w.met) or None,
        "metDay": today if w.met else None,
        "partners": set(w.partners) or None,
        "lookingFor": looking_for,
        "expiresAt": epoch(now + TICKET_TTL),
    }
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(ticketId)",
        }
    }


def delete(table: str, ticket_id: str) -> Entry:
    # No condition: the ticket's own status condition in the same transaction is the judge.
    key = {"shard": shard_of(ticket_id), "ticketId": ticket_id}
    return {"Delete": {"TableName": table, "Key": to_item(key)}}


class Waitlist:
    def __init__(self, db: DynamoDBClient, table: str) -> None:
        self._db = db
        self.table = table

    async def read(self) -> list[Entrant]:
        """Every waiting ticket, oldest first, as of now (strongly consistent)."""
        parts = await asyncio.gather(*(self._shard(s) for s in SHARDS))
        return sorted((e for part in parts for e in part), key=lambda e: e.since)

    async def _shard(self, shard: str) -> list[Entrant]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#shard = :s",
            "ExpressionAttributeNames": {"#shard": "shard"},
            "ExpressionAttributeValues": values(s=shard),
            "ConsistentRead": True,
        }
        out: list[Entrant] = []
        while True:
            resp = await self._db.query(**kwargs)
            out.extend(Entrant.from_item(from_item(i)) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp:
                return out
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    async def claim_level(self, ticket_id: str, level: str) -> bool:
        """Record that `level` is being announced for a waiting ticket; False if it was already
        (or the ticket no longer waits)."""
        try:
            await self._db.update_item(
                TableName=self.table,
                Key=to_item({"shard": shard_of(ticket_id), "ticketId": ticket_id}),
                UpdateExpression="SET lookingFor = :lf",
                ConditionExpression="attribute_exists(ticketId) AND lookingFor <> :lf",
                ExpressionAttributeValues=values(lf=level),
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    async def learn(self, ticket_id: str, *, avoid: str | None, met: str | None, day: str) -> None:
        """Teach a waiting item a block or today's meeting its person had (found when a
        pairing transaction tripped over the pair rows), so no look proposes it again."""
        sets: list[str] = []
        vals: dict[str, Any] = {}
        if avoid:
            sets.append("avoid :a")
            vals |= values(a={avoid})
        if met:
            sets.append("met :m")
            vals |= values(m={met})
        if not sets:
            return
        try:
            await self._db.update_item(
                TableName=self.table,
                Key=to_item({"shard": shard_of(ticket_id), "ticketId": ticket_id}),
                UpdateExpression="ADD " + ", ".join(sets) + " SET metDay = :d",
                ConditionExpression="attribute_exists(ticketId)",
                ExpressionAttributeValues=vals | values(d=day),
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise

    async def learn_partner(self, ticket_id: str, other: str, partners: bool) -> None:
        """A partnership formed or ended while its person waits."""
        try:
            await self._db.update_item(
                TableName=self.table,
                Key=to_item({"shard": shard_of(ticket_id), "ticketId": ticket_id}),
                UpdateExpression=("ADD" if partners else "DELETE") + " partners :p",
                ConditionExpression="attribute_exists(ticketId)",
                ExpressionAttributeValues=values(p={other}),
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise
