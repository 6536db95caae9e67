"""Who is online (table `gateway-presence`), and `GET /v1/presence`: who could take an invite.

A person is online while they hold at least one connection: `connections` counts them and
`shard` ("online#0".."online#3") is present only then, which puts them in the sparse `online`
index (shard, lastSeen). `expiresAt` is a lease every ping renews: a count left too high by
a lost `$disconnect` stops mattering once the lease runs out (DynamoDB's TTL deletes late,
and the embedded AWS never does, so readers compare `expiresAt` with the clock themselves).

Listing reads a bounded slice of each shard's index, newest first; never a table scan.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from services.gateway.blocklist import BlockList
from services.gateway.models import Presence, Profile
from services.gateway.names import starting_name
from services.gateway.routes_partners import PartnerRecords
from services.gateway.spec import Call
from services.runtime.dynamo import from_item, is_condition_failure
from services.wire.tables.gateway import PRESENCE, PROFILES
from services.wire.tables.matcher import PEOPLE

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

SHARDS = 4
PER_SHARD = 50  # index entries read per shard: the bound on one listing's cost
MAX_LISTED = 50
_BATCH = 50  # people per BatchGetItem: 50 states + 50 profiles = its 100-key limit


_NAMES = {
    "#shard": "shard",
    "#seen": "lastSeen",
    "#exp": "expiresAt",
    "#name": "name",
    "#conns": "connections",
}


def shard_of(user_id: str) -> str:
    return f"online#{zlib.crc32(user_id.encode()) % SHARDS}"


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
        limit: int = MAX_LISTED,
        hidden: frozenset[str] = frozenset(),
        first: frozenset[str] = frozenset(),
    ) -> list[dict[str, Any]]:
        """Online, free (not waiting, inviting or talking), not `me` and not `hidden` (blocked
        either way): what the invite list shows, people in `first` (partners) first."""
        candidates = [
            o for o in await self.online(now) if o.user_id != me and o.user_id not in hidden
        ]
        candidates.sort(key=lambda o: o.user_id not in first)  # stable: newest first within
        people: list[dict[str, Any]] = []
        for start in range(0, len(candidates), _BATCH):
            chunk = candidates[start : start + _BATCH]
            states, profiles = await self._states_and_profiles([o.user_id for o in chunk])
            for o in chunk:
                if states.get(o.user_id, "free") != "free":
                    continue
                profile = profiles.get(o.user_id, {})
                people.append(
                    {
                        "userId": o.user_id,
                        # The chosen display name; without a profile yet, only the first
                        # word of the item's sign-in name (never the full name).
                        "name": str(profile.get("name") or starting_name(o.name, "")),
                        "speaks": list(profile.get("speaks") or []),
                        "learns": list(profile.get("learns") or []),
                    }
                )
                if len(people) == limit:
                    return people
        return people

    async def _states_and_profiles(
        self, user_ids: Sequence[str]
    ) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        keys = [{"userId": {"S": u}} for u in user_ids]
        request: Any = {
            self._people: {"Keys": keys, "ProjectionExpression": "userId, #s"},
            self._profiles: {"Keys": keys, "ProjectionExpression": "userId, #n, speaks, learns"},
        }
        request[self._people]["ExpressionAttributeNames"] = {"#s": "state"}
        request[self._profiles]["ExpressionAttributeNames"] = {"#n": "name"}
        states: dict[str, str] = {}
        profiles: dict[str, dict[str, Any]] = {}
        for attempt in range(4):
            resp = await self._db.batch_get_item(RequestItems=request)
            got = resp.get("Responses", {})
            for item in map(from_item, got.get(self._people, [])):
                states[str(item["userId"])] = str(item.get("state") or "free")
            for item in map(from_item, got.get(self._profiles, [])):
                profiles[str(item["userId"])] = item
            request = resp.get("UnprocessedKeys") or {}
            if not request:
                break
            await asyncio.sleep(0.02 * 2**attempt)
        return states, profiles


async def list_presence(call: Call) -> Presence:
    """`GET /v1/presence` (declared in `api.PRESENCE`: signed in, rate-limited)."""
    s, db, me = call.ctx.settings, call.ctx.aws.dynamodb, call.me.user_id
    records = PresenceRecords(db, s.name_prefix, s.connection_ttl_s)
    hidden, partners = await asyncio.gather(
        BlockList(db, s.name_prefix).hidden_from(me), PartnerRecords(db, s.name_prefix).of(me)
    )
    people = await records.available(
        me, call.now.timestamp(), hidden=hidden, first=frozenset(partners)
    )
    return Presence(people=[Profile.model_validate(p) for p in people])
