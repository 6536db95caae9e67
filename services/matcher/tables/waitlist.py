"""The authoritative waiting set in `matcher-waiting`, filed so that a look's cost does not grow
with the crowd.

How many ways the set is split is the deployment's `Layout` (`PARLEY_WAITING_PARTITIONS`),
sized to its load: every split is one more query per look and per sweep, so a stack that
serves a million people a day has 1 and one that serves ten million has 4 (docs/capacity.md).

Each waiting ticket has a *home* item (shard `Layout.home_of(ticket id)`, one of the layout's
`homes`): the home shards together are the whole set, which the sweep, the TTL refresher and
the stray check read. It also has *copies*, filed where its partners look (`Layout.copies`):
- `T:<s>><l>` per language it speaks (s) and learns (l) (a ticket with both lists; the first
  `MAX_PAIRS` pairs): its tandem partners look in their mirror, `T:<l>><s>`;
- `B:<level>#<k>`, its base level (tandem, one_sided, anyone), split as many ways by ticket id
  so no one partition takes every join's writes: whoever accepts one-sided pairs or anyone
  looks in all of them, taking the tandem-base ones only once they are old enough.
Every item names all of its ticket's partitions (`filed`), so a ticket is found and refreshed
where it was put even after the layout changed; while a resize is under way
(`Layout.also_read`, the other count) reads and deletes cover both counts.
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from services.matcher.clock import epoch
from services.matcher.core.waiting import Level, Relax, Waiting
from services.matcher.tables.items import TICKET_TTL, Entry
from services.matcher.tables.waiting_layout import Layout
from services.runtime.dynamo import from_item, is_condition_failure, to_item, values

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

PAGE = 25  # items a look reads per partition: a Limit, one page however many wait
BY_AGE = "byAge"  # the local index (shard, sinceMs): oldest first, strongly consistent


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
    # Every partition its ticket is in, home first (empty for items written before they said).
    filed: tuple[str, ...] = ()

    def where(self, layout: Layout) -> list[str]:
        """Where this ticket's items are: as they say, or (older items) as `layout` puts them."""
        return list(self.filed) or layout.filed(self.ticket_id, self.speaks, self.learns)

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
            filed=tuple(str(s) for s in d.get("filed") or ()),
        )


def put(
    table: str, layout: Layout, w: Waiting, today: str, now: datetime, looking_for: str
) -> list[Entry]:
    """Put a ticket's home item and its copies (`Layout.filed`), each naming them all."""
    filed = layout.filed(w.ticket_id, w.speaks, w.learns)
    item: dict[str, Any] = {
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
        "filed": filed,
    }
    return [
        {
            "Put": {
                "TableName": table,
                "Item": to_item(item | {"shard": shard}),
                "ConditionExpression": "attribute_not_exists(ticketId)",
            }
        }
        for shard in filed
    ]


def delete(
    table: str, layout: Layout, ticket_id: str, speaks: Sequence[str], learns: Sequence[str]
) -> list[Entry]:
    """Delete a ticket's home item and copies wherever they may be (its languages and the
    layout, or the one before, say where)."""
    # No condition: the ticket's own status condition in the same transaction is the judge
    # (and deleting a key that is not there is no error).
    return [
        {"Delete": {"TableName": table, "Key": to_item({"shard": shard, "ticketId": ticket_id})}}
        for shard in layout.anywhere(ticket_id, speaks, learns)
    ]


class Waitlist:
    def __init__(self, db: DynamoDBClient, table: str, layout: Layout | None = None) -> None:
        self._db = db
        self.table = table
        self.layout = layout or Layout()

    async def read(self) -> list[Entrant]:
        """Every waiting ticket, oldest first, as of now (strongly consistent): the home
        shards, page by page. Its cost grows with the crowd: for the sweep and the
        reconciler, never per join."""
        parts = await asyncio.gather(*(self._shard(s) for s in self.layout.homes))
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
                for shard, newest in self.layout.searched(speaks, learns, accepts, now, relax)
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

    def homes_of(self, ticket_id: str) -> list[str]:
        """Where a waiting ticket's home item may be: under the layout, or the one before."""
        homes = [self.layout.home_of(ticket_id)]
        if self.layout.also_read:
            homes.append(Layout(self.layout.also_read).home_of(ticket_id))
        return list(dict.fromkeys(homes))

    async def claim_level(self, e: Entrant, level: str) -> bool:
        """Record that `level` is being announced for a waiting ticket; False if it was already
        (or the ticket no longer waits)."""
        try:
            await self._db.update_item(
                TableName=self.table,
                Key=to_item({"shard": e.where(self.layout)[0], "ticketId": e.ticket_id}),
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
        for shard in self.homes_of(ticket_id):
            home = await self._update(shard, ticket_id, update, vals, "ALL_NEW")
            if home is not None:
                copies = Entrant.from_item(home).where(self.layout)[1:]
                await asyncio.gather(*(self._update(c, ticket_id, update, vals) for c in copies))
                return

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
