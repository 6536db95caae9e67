"""The authoritative waiting set in `matcher-waiting`, filed so that a look's cost does not grow
with the crowd.

Each waiting ticket has a *home* item (shard `shard_of(ticket id)`, one of `SHARDS`): the
home shards together are the whole set, which the sweep, the TTL refresher and the stray check
read. It also has *copies*, filed where its partners look (`partitions`):
- `T:<s>><l>` per language it speaks (s) and learns (l) (a ticket with both lists; the first
  `MAX_PAIRS` pairs): its tandem partners look in their mirror, `T:<l>><s>`;
- `B:<level>#<k>`, its base level (tandem, one_sided, anyone), split `BASE_SPLITS` ways by
  ticket id so no one partition takes every join's writes: whoever accepts one-sided pairs or
  anyone looks in all of them, taking the tandem-base ones only once they are old enough.
A look (`Waitlist.look`) reads the oldest `PAGE` items of each partition the ticket may take
a partner from, strongly consistent (the `byAge` local index: every instance reads the same
snapshot): a handful of one-page queries, whatever the number waiting. What a page cannot
show (a partner past the oldest `PAGE`, a pair past `MAX_PAIRS`) the sweep pairs, which reads
the whole set every `pool_sweep_s` (docs/design-matching-and-healing.md).

All of a ticket's items are written and deleted inside the transactions that move it into and
out of `waiting` (see `matching` and `tickets`); they carry what the pairing core needs to
score it, including whom its person blocked or met today and their partners (pair rows are
written both ways, so one side's lists are enough).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from services.matcher.clock import epoch
from services.matcher.items import TICKET_TTL, Entry
from services.matcher.waiting import Level, Relax, Waiting, base_level
from services.runtime.dynamo import from_item, is_condition_failure, to_item, values

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

# Home partitions (the whole set, by ticket id). Only the sweep, the TTL refresher and the
# stray check read them all, so more shards spread their load and writes (docs/capacity.md)
# at no cost to a look. Changing the number needs every instance to read the union of the
# old and new shards first.
SHARDS: tuple[str, ...] = ("0", "1", "2", "3")
PAGE = 25  # items a look reads per partition: a Limit, one page however many wait
MAX_PAIRS = 8  # tandem copies per ticket (8 x 8 languages would be 64): the rest, the sweep
BY_AGE = "byAge"  # the local index (shard, sinceMs): oldest first, strongly consistent
_BASES = (Level.TANDEM, Level.ONE_SIDED, Level.ANYONE)  # what `base_level` gives


def shard_of(ticket_id: str) -> str:
    """A ticket's home partition."""
    return SHARDS[zlib.crc32(ticket_id.encode()) % len(SHARDS)]


def pairs_of(speaks: Sequence[str], learns: Sequence[str]) -> list[tuple[str, str]]:
    """The (speaks, learns) pairs a ticket is filed under as a tandem partner."""
    if not (speaks and learns):
        return []
    return [(s, lang) for s in speaks for lang in learns][:MAX_PAIRS]


def tandem_partition(speaks: str, learns: str) -> str:
    return f"T:{speaks}>{learns}"


# Every ticket has a base-level copy: one partition per level would take every join's put
# and delete (and its claims of a widened search), so each level is split by ticket id.
BASE_SPLITS = 4


def base_partition(level: Level, ticket_id: str) -> str:
    return f"B:{level.looking_for}#{zlib.crc32(ticket_id.encode()) % BASE_SPLITS}"


def base_partitions(level: Level) -> list[str]:
    return [f"B:{level.looking_for}#{i}" for i in range(BASE_SPLITS)]


def partitions(ticket_id: str, speaks: Sequence[str], learns: Sequence[str]) -> list[str]:
    """Where a ticket's copies are filed (its home apart)."""
    tandem = [tandem_partition(s, lang) for s, lang in pairs_of(speaks, learns)]
    return [*tandem, base_partition(base_level(tuple(speaks), tuple(learns)), ticket_id)]


def searched(
    speaks: Sequence[str], learns: Sequence[str], accepts: Level, now: float, relax: Relax
) -> list[tuple[str, int | None]]:
    """The partitions a ticket accepting `accepts` now finds its partners in, each with the
    newest `sinceMs` a partner filed there may have (None: any), since a ticket whose base is
    tandem takes one-sided pairs only once it has waited long enough."""
    out: list[tuple[str, int | None]] = [
        (tandem_partition(lang, s), None) for s, lang in pairs_of(speaks, learns)
    ]
    if accepts >= Level.ONE_SIDED:
        newest = round((now - relax.threshold(Level.ONE_SIDED)) * 1000)
        out += [
            (part, newest if b < Level.ONE_SIDED else None)
            for b in _BASES
            for part in base_partitions(b)
        ]
    return out


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
    # Self-rated CEFR level per language learnt, and the lowest level of learners welcomed
    # (items written before levels have neither: unrated, welcoming everyone).
    levels: Mapping[str, str] = field(default_factory=dict)
    welcomes_from: str = "A1"

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
            levels=self.levels,
            welcomes_from=self.welcomes_from,
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
            levels={str(k): str(v) for k, v in (d.get("levels") or {}).items()},
            welcomes_from=str(d.get("welcomesFrom") or "A1"),
        )


def put(table: str, w: Waiting, today: str, now: datetime, looking_for: str) -> list[Entry]:
    """Put a ticket's home item and its copies (`partitions`)."""
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
        "levels": dict(w.levels) or None,  # absent: unrated (as items before levels)
        "welcomesFrom": w.welcomes_from if w.welcomes_from != "A1" else None,
    }
    return [
        {
            "Put": {
                "TableName": table,
                "Item": to_item(item | {"shard": shard}),
                "ConditionExpression": "attribute_not_exists(ticketId)",
            }
        }
        for shard in (item["shard"], *partitions(w.ticket_id, w.speaks, w.learns))
    ]


def delete(table: str, ticket_id: str, speaks: Sequence[str], learns: Sequence[str]) -> list[Entry]:
    """Delete a ticket's home item and copies (its languages say where they are)."""
    # No condition: the ticket's own status condition in the same transaction is the judge.
    return [
        {"Delete": {"TableName": table, "Key": to_item({"shard": shard, "ticketId": ticket_id})}}
        for shard in (shard_of(ticket_id), *partitions(ticket_id, speaks, learns))
    ]


class Waitlist:
    def __init__(self, db: DynamoDBClient, table: str) -> None:
        self._db = db
        self.table = table

    async def read(self) -> list[Entrant]:
        """Every waiting ticket, oldest first, as of now (strongly consistent): the home
        shards, page by page. Its cost grows with the crowd: for the sweep and the
        reconciler, never per join."""
        parts = await asyncio.gather(*(self._shard(s) for s in SHARDS))
        return sorted((e for part in parts for e in part), key=lambda e: e.since)

    async def look(
        self, speaks: Sequence[str], learns: Sequence[str], accepts: Level, now: float, relax: Relax
    ) -> list[Entrant]:
        """The oldest waiting tickets of every partition where a ticket with these languages,
        accepting `accepts`, finds its partners, oldest first: one page each (`searched`),
        strongly consistent, so instances looking at once see the same tickets."""
        parts = await asyncio.gather(
            *(
                self._shard(shard, newest=newest, limit=PAGE)
                for shard, newest in searched(speaks, learns, accepts, now, relax)
            )
        )
        unique = {e.ticket_id: e for part in parts for e in part}
        return sorted(unique.values(), key=lambda e: e.since)

    async def _shard(
        self, shard: str, *, newest: int | None = None, limit: int | None = None
    ) -> list[Entrant]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#shard = :s",
            "ExpressionAttributeNames": {"#shard": "shard"},
            "ExpressionAttributeValues": values(s=shard),
            "ConsistentRead": True,
        }
        if limit is not None:
            kwargs |= {"IndexName": BY_AGE, "Limit": limit}
        if newest is not None:
            kwargs["KeyConditionExpression"] += " AND sinceMs <= :newest"
            kwargs["ExpressionAttributeValues"] |= values(newest=newest)
        out: list[Entrant] = []
        while True:
            resp = await self._db.query(**kwargs)
            out.extend(Entrant.from_item(from_item(i)) for i in resp.get("Items", []))
            if limit is not None or "LastEvaluatedKey" not in resp:
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
        await self._update_all(
            ticket_id, "ADD " + ", ".join(sets) + " SET metDay = :d", vals | values(d=day)
        )

    async def learn_partner(self, ticket_id: str, other: str, partners: bool) -> None:
        """A partnership formed or ended while its person waits."""
        update = ("ADD" if partners else "DELETE") + " partners :p"
        await self._update_all(ticket_id, update, values(p={other}))

    async def _update_all(self, ticket_id: str, update: str, vals: dict[str, Any]) -> None:
        """Apply `update` to a waiting ticket's home item, then to its copies (the home item
        says where they are); nothing if it no longer waits."""
        home = await self._update(shard_of(ticket_id), ticket_id, update, vals, "ALL_NEW")
        if home is not None:
            copies = partitions(ticket_id, home.get("speaks", ()), home.get("learns", ()))
            await asyncio.gather(*(self._update(c, ticket_id, update, vals) for c in copies))

    async def _update(
        self,
        shard: str,
        ticket_id: str,
        update: str,
        vals: dict[str, Any],
        returns: Literal["NONE", "ALL_NEW"] = "NONE",
    ) -> dict[str, Any] | None:
        """One conditional update; the item as it is now (`returns`), None if it is gone."""
        try:
            resp = await self._db.update_item(
                TableName=self.table,
                Key=to_item({"shard": shard, "ticketId": ticket_id}),
                UpdateExpression=update,
                ConditionExpression="attribute_exists(ticketId)",
                ExpressionAttributeValues=vals,
                ReturnValues=returns,
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise
            return None
        return from_item(resp.get("Attributes", {}))
