"""Who is online (table `gateway-presence`), and `GET /v1/presence`: who could take an invite.

A person is online while they hold at least one connection: `connections` counts them and
`shard` ("online#0".."online#3") is present only then, which puts them in the sparse `online`
index (shard, lastSeen). `expiresAt` is a lease every ping renews: a count left too high by
a lost `$disconnect` stops mattering once the lease runs out (DynamoDB's TTL deletes late,
and the embedded AWS never does, so readers compare `expiresAt` with the clock themselves).

Listing reads a bounded slice of each shard's index, newest first; never a table scan.
Everyone listed says whether they can take a call now (`available`) and, when not, why: in a
call, busy (waiting in the queue or inviting someone), or out of points for today (the
ledger's summary of their day, a read model the gateway may read). They are listed rather
than hidden, so nobody vanishes from the list while they talk; only blocks hide someone.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from services.gateway.blocklist import BlockList
from services.gateway.models import Presence, PresentPerson, Unavailable
from services.gateway.names import starting_name
from services.gateway.routes_partners import PartnerRecords
from services.gateway.spec import Call
from services.gateway.views import day_of, points_left
from services.runtime.dynamo import from_item, is_condition_failure
from services.wire.tables.gateway import PRESENCE, PROFILES
from services.wire.tables.ledger import SUMMARIES
from services.wire.tables.matcher import PEOPLE

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

SHARDS = 4
PER_SHARD = 50  # index entries read per shard: the bound on one listing's cost
MAX_LISTED = 50
# People per BatchGetItem: 33 states + 33 profiles + 33 days' points, within its 100 keys.
_BATCH = 33
# What the matcher's state of a person means for an invite to them now.
_BUSY: dict[str, Unavailable] = {"in_session": "in_call", "waiting": "busy", "inviting": "busy"}


_NAMES = {
    "#shard": "shard",
    "#seen": "lastSeen",
    "#exp": "expiresAt",
    "#name": "name",
    "#conns": "connections",
}


def shard_of(user_id: str) -> str:
    return f"online#{zlib.crc32(user_id.encode()) % SHARDS}"


def unavailable_because(state: str, left: int) -> Unavailable | None:
    """Why someone online cannot take an invite now (None: they can). Their state first: in a
    call they may have points left for later; out of points they cannot talk again today."""
    if state in _BUSY:
        return _BUSY[state]
    return "no_points" if left <= 0 else None


@dataclass(frozen=True)
class Online:
    user_id: str
    last_seen_ms: int
    name: str


class PresenceRecords:
    def __init__(self, dynamodb: DynamoDBClient, prefix: str, ttl_s: int) -> None:
        self._db = dynamodb
        self.table = PRESENCE.name(prefix)
        self._people = PEOPLE.name(prefix)
        self._profiles = PROFILES.name(prefix)
        self._summaries = SUMMARIES.name(prefix)
        self._ttl_s = ttl_s

    def _lease(self, user_id: str, now: float) -> dict[str, Any]:
        return {
            ":shard": {"S": shard_of(user_id)},
            ":seen": {"N": str(int(now * 1000))},
            ":exp": {"N": str(int(now) + self._ttl_s)},
            ":one": {"N": "1"},
        }

    async def _update(
        self,
        user_id: str,
        expression: str,
        values: dict[str, Any],
        condition: str | None = None,
        returns: Literal["NONE", "UPDATED_NEW"] = "NONE",
    ) -> Any:
        # Every attribute through a placeholder: `shard` and `name` are reserved words.
        used = expression + (condition or "")
        extra: dict[str, Any] = {"ConditionExpression": condition} if condition else {}
        return await self._db.update_item(
            TableName=self.table,
            Key={"userId": {"S": user_id}},
            UpdateExpression=expression,
            ExpressionAttributeNames={k: v for k, v in _NAMES.items() if k in used},
            ExpressionAttributeValues=values,
            ReturnValues=returns,
            **extra,
        )

    async def connected(self, user_id: str, name: str, now: float) -> None:
        """One more open connection for the person."""
        values = {**self._lease(user_id, now), ":name": {"S": name}}
        lease = "#shard = :shard, #seen = :seen, #exp = :exp, #name = :name"
        try:
            # A new or lapsed record starts counting afresh: a stale count is not trusted.
            await self._update(
                user_id,
                f"SET #conns = :one, {lease}",
                {**values, ":now": {"N": str(int(now))}},
                condition="attribute_not_exists(userId) OR #exp < :now",
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise
            await self._update(user_id, f"SET {lease} ADD #conns :one", values)

    async def disconnected(self, user_id: str, now: float) -> None:
        """One connection fewer; offline (out of the index) once none is left."""
        try:
            resp = await self._update(
                user_id,
                "SET #seen = :seen ADD #conns :minus",
                {":seen": {"N": str(int(now * 1000))}, ":minus": {"N": "-1"}},
                condition="attribute_exists(userId)",
                returns="UPDATED_NEW",
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return
            raise
        if int(resp["Attributes"]["connections"]["N"]) > 0:
            return
        try:
            # Conditional: a connection opened meanwhile keeps the person online.
            await self._update(
                user_id,
                "SET #conns = :zero REMOVE #shard",
                {":zero": {"N": "0"}},
                condition="#conns <= :zero",
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise

    async def refreshed(self, user_id: str, now: float) -> None:
        """A ping: renew the lease (and put the person back in the index if a count drifted)."""
        await self._update(
            user_id,
            "SET #shard = :shard, #seen = :seen, #exp = :exp, #conns = if_not_exists(#conns, :one)",
            self._lease(user_id, now),
        )

    async def online(self, now: float) -> list[Online]:
        """People with a live lease, newest first (at most PER_SHARD from each shard)."""
        shards = await asyncio.gather(*(self._shard(f"online#{i}", now) for i in range(SHARDS)))
        # One item per person, so nobody appears twice.
        return sorted((o for s in shards for o in s), key=lambda o: -o.last_seen_ms)

    async def _shard(self, shard: str, now: float) -> list[Online]:
        resp = await self._db.query(
            TableName=self.table,
            IndexName="online",
            KeyConditionExpression="#shard = :s",
            FilterExpression="#exp > :now",
            ProjectionExpression="userId, #seen, #name",
            ExpressionAttributeNames={k: _NAMES[k] for k in ("#shard", "#exp", "#seen", "#name")},
            ExpressionAttributeValues={":s": {"S": shard}, ":now": {"N": str(int(now))}},
            ScanIndexForward=False,
            Limit=PER_SHARD,
        )
        out = []
        for raw in resp.get("Items", []):
            item = from_item(raw)
            out.append(
                Online(str(item["userId"]), int(item["lastSeen"]), str(item.get("name", "")))
            )
        return out

    async def available(
        self,
        me: str,
        now: float,
        day: str,
        daily_points: int,
        limit: int = MAX_LISTED,
        hidden: frozenset[str] = frozenset(),
        first: frozenset[str] = frozenset(),
    ) -> list[dict[str, Any]]:
        """Online, not `me` and not `hidden` (blocked either way): what the invite list shows,
        each with whether they can take a call now (`why` not, if not). Those who can come
        first, and within each, people in `first` (partners); newest first within those."""
        candidates = [
            o for o in await self.online(now) if o.user_id != me and o.user_id not in hidden
        ]
        candidates.sort(key=lambda o: o.user_id not in first)  # stable: newest first within
        free: list[dict[str, Any]] = []
        others: list[dict[str, Any]] = []
        for start in range(0, len(candidates), _BATCH):
            chunk = candidates[start : start + _BATCH]
            states, profiles, summaries = await self._lookups([o.user_id for o in chunk], day)
            for o in chunk:
                why = unavailable_because(
                    states.get(o.user_id, "free"),
                    points_left(summaries.get(o.user_id), daily_points),
                )
                profile = profiles.get(o.user_id, {})
                person: dict[str, Any] = {
                    "userId": o.user_id,
                    # The chosen display name; without a profile yet, only the first word of
                    # the item's sign-in name (never the full name).
                    "name": str(profile.get("name") or starting_name(o.name, "")),
                    "speaks": list(profile.get("speaks") or []),
                    "learns": list(profile.get("learns") or []),
                    "available": why is None,
                }
                if why is not None:
                    person["why"] = why
                (free if why is None else others).append(person)
            if len(free) >= limit:
                break  # enough who can talk: the rest would only be cut off below
        return (free + others)[:limit]

    async def _lookups(
        self, user_ids: Sequence[str], day: str
    ) -> tuple[dict[str, str], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        """Each person's state, profile and points for `day`, in one BatchGetItem (and its
        retries for unprocessed keys)."""
        keys = [{"userId": {"S": u}} for u in user_ids]
        request: Any = {
            self._people: {
                "Keys": keys,
                "ProjectionExpression": "userId, #s",
                "ExpressionAttributeNames": {"#s": "state"},
            },
            self._profiles: {
                "Keys": keys,
                "ProjectionExpression": "userId, #n, speaks, learns",
                "ExpressionAttributeNames": {"#n": "name"},
            },
            self._summaries: {
                "Keys": [{"userId": {"S": u}, "day": {"S": day}} for u in user_ids],
                "ProjectionExpression": "userId, #a, #c, #h",
                "ExpressionAttributeNames": {"#a": "allowance", "#c": "charged", "#h": "held"},
            },
        }
        states: dict[str, str] = {}
        profiles: dict[str, dict[str, Any]] = {}
        summaries: dict[str, dict[str, Any]] = {}
        for attempt in range(4):
            resp = await self._db.batch_get_item(RequestItems=request)
            got = resp.get("Responses", {})
            for item in map(from_item, got.get(self._people, [])):
                states[str(item["userId"])] = str(item.get("state") or "free")
            for item in map(from_item, got.get(self._profiles, [])):
                profiles[str(item["userId"])] = item
            for item in map(from_item, got.get(self._summaries, [])):
                summaries[str(item["userId"])] = item
            request = resp.get("UnprocessedKeys") or {}
            if not request:
                break
            await asyncio.sleep(0.02 * 2**attempt)
        return states, profiles, summaries


async def list_presence(call: Call) -> Presence:
    """`GET /v1/presence` (declared in `api.PRESENCE`: signed in, rate-limited)."""
    s, db, me = call.ctx.settings, call.ctx.aws.dynamodb, call.me.user_id
    records = PresenceRecords(db, s.name_prefix, s.connection_ttl_s)
    hidden, partners = await asyncio.gather(
        BlockList(db, s.name_prefix).hidden_from(me), PartnerRecords(db, s.name_prefix).of(me)
    )
    people = await records.available(
        me,
        call.now.timestamp(),
        day_of(call.now, s.zone),
        s.daily_points,
        hidden=hidden,
        first=frozenset(partners),
    )
    return Presence(people=[PresentPerson.model_validate(p) for p in people])
