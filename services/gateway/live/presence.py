"""Who is online (table `gateway-presence`), and `GET /v1/presence`: who could take an invite.

A person is online while they hold at least one connection: `connections` counts them and
`shard` (one of `SHARDS`, presence_sizing.py) is present only then, which puts them in the
sparse `online` index (shard, lastSeen). `expiresAt` is a lease their pings renew: a count
left too high by a lost `$disconnect` stops mattering once the lease runs out (DynamoDB's TTL
deletes late, and the embedded AWS never does, so readers compare `expiresAt` with the clock
themselves).

A connect puts the person in the index at once and the close of their last socket takes them
out at once. Between the two, pings renew the lease at most once a minute per person, however
many sockets and gateway tasks the pings come through: the renewal is a conditional write
(only a lease renewed more than `renew_after_s` ago is renewed again), and each task also
remembers its own renewals so it does not even ask. A renewal moves the person within the
index (`lastSeen` is its sort key), so the index's writes grow with people online / 75 s,
spread over `SHARDS` partitions. Someone whose sockets all died without a word leaves the
list when the lease ends: at most `connection_ttl_s` (120 s) after their last renewal, which
came no later than their last ping (and the lapsed-lease sweep closes their connections).

Listing reads the `PER_SHARD` newest entries of each shard, one round of parallel queries
(never a table scan): at most `LISTING_READS` index entries, whatever the crowd. Each
gateway task reads the index afresh for every listing, up to `LISTING_FRESH_PER_S` reads a
second (after a burst of `LISTING_BURST`); past that its listings share its latest read, at
most 1 / `LISTING_FRESH_PER_S` s old. So the index's partitions are read in proportion to
the gateway's tasks, not to everyone polling the list, and a quiet task is always exact.
Items written under an older shard count are still found while their shard is among today's
(`online#0..`), move to today's shard on their next renewal, and otherwise leave by their
lease (a smaller count hides the others' items until then, a minute or so).

Everyone listed says whether they can take a call now (`available`) and, when not, why: in a
call, busy (waiting in the queue or inviting someone), or out of points for today (the
ledger's summary of their day, a read model the gateway may read). They are listed rather
than hidden, so nobody vanishes from the list while they talk; only blocks hide someone.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from services.gateway.http.spec import Call
from services.gateway.live.presence_sizing import (
    LISTING_BURST,
    LISTING_FRESH_PER_S,
    MAX_LISTED,
    PER_SHARD,
    SHARDS,
    renew_after_s,
    shard_name,
    shard_of,
)
from services.gateway.models import Presence, PresentPerson, Unavailable
from services.gateway.people.names import starting_name
from services.gateway.people.views import day_of, points_left
from services.gateway.routes.partners import PartnerRecords
from services.gateway.safety.blocklist import BlockList
from services.runtime.dynamo import from_item, is_condition_failure
from services.wire.tables.gateway import PRESENCE, PROFILES
from services.wire.tables.ledger import SUMMARIES
from services.wire.tables.matcher import PEOPLE

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["MAX_LISTED", "PER_SHARD", "SHARDS", "PresenceRecords", "shard_of"]

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


# People whose renewal one task remembers (the oldest forgotten first).
_REMEMBERED = 100_000


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
    expires_at: int


@dataclass
class _Reads:
    """A task's reads of one table's index: a token bucket of fresh reads, and the latest."""

    tokens: float
    at: float
    latest: list[Online]
    # What the lookups said of each listed person (user, day) → (state, profile, summary),
    # from the fresh read's listings: listings that reuse the read reuse these too.
    looked_up: dict[tuple[str, str], _LookedUp] = field(default_factory=dict)


_LookedUp = tuple[str, dict[str, Any], dict[str, Any] | None]

# Per table, a task's reads of its `online` index, shared by all its listings: one per
# gateway task (`GatewayContext.presence_reads`), handed to each listing's records.
SharedReads = dict[str, _Reads]


class PresenceRecords:
    def __init__(
        self,
        dynamodb: DynamoDBClient,
        prefix: str,
        ttl_s: int,
        fresh_per_s: float | None = LISTING_FRESH_PER_S,
        shared: SharedReads | None = None,
    ) -> None:
        self._db = dynamodb
        self.table = PRESENCE.name(prefix)
        self._people = PEOPLE.name(prefix)
        self._profiles = PROFILES.name(prefix)
        self._summaries = SUMMARIES.name(prefix)
        self._ttl_s = ttl_s
        # A lease younger than this is not renewed (the lease outlasts it by two pings).
        self.renew_after_s = renew_after_s(ttl_s)
        self._fresh_per_s = fresh_per_s  # None: every listing reads afresh
        self._reads: SharedReads = {} if shared is None else shared
        # The task's shared index read this listing used, and whether it reused it (then it
        # reuses that read's lookups too: `_looked_up`).
        self._shared: _Reads | None = None
        self._reuse = False
        self._renewed: OrderedDict[str, float] = OrderedDict()  # person → lease renewed at

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

    def _remember(self, user_id: str, now: float) -> None:
        self._renewed[user_id] = now
        self._renewed.move_to_end(user_id)
        while len(self._renewed) > _REMEMBERED:
            self._renewed.popitem(last=False)

    async def connected(self, user_id: str, name: str, now: float) -> None:
        """One more open connection for the person: listed at once."""
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
        self._remember(user_id, now)

    async def disconnected(self, user_id: str, now: float) -> None:
        """One connection fewer; offline (out of the index) at once when none is left."""
        try:
            # `lastSeen` stays: it is the index's sort key, and a count is not a sighting.
            resp = await self._update(
                user_id,
                "ADD #conns :minus",
                {":minus": {"N": "-1"}},
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
            return
        self._renewed.pop(user_id, None)

    async def refreshed(self, user_id: str, now: float) -> bool:
        """A ping: renew the lease if it was renewed more than `renew_after_s` ago (and put the
        person back in the index if a count drifted). Whether it wrote."""
        if now - self._renewed.get(user_id, float("-inf")) < self.renew_after_s:
            return False  # this task renewed it lately: nothing to ask
        # Renewed by anyone lately (another tab, another task): the write is refused, and
        # neither the item nor the index changes.
        due = int(now) + self._ttl_s - int(self.renew_after_s)
        try:
            await self._update(
                user_id,
                "SET #shard = :shard, #seen = :seen, #exp = :exp, "
                "#conns = if_not_exists(#conns, :one)",
                {**self._lease(user_id, now), ":due": {"N": str(due)}},
                condition="attribute_not_exists(#shard) OR attribute_not_exists(#exp) "
                "OR #exp <= :due",
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise
            return False
        self._remember(user_id, now)
        return True

    async def online(self, now: float) -> list[Online]:
        """People with a live lease, newest first (at most PER_SHARD from each shard): a fresh
        read of the index, or this task's latest when it is past its rate of fresh reads."""
        self._shared, self._reuse = None, False
        reads = self._reads.get(self.table) if self._fresh_per_s else None
        if reads is not None and self._fresh_per_s:
            reads.tokens = min(
                LISTING_BURST, reads.tokens + max(0.0, now - reads.at) * self._fresh_per_s
            )
            reads.at = max(reads.at, now)
            if reads.tokens < 1:
                self._shared, self._reuse = reads, True
                return [o for o in reads.latest if o.expires_at > now]
            reads.tokens -= 1
        shards = await asyncio.gather(*(self._shard(shard_name(i), now) for i in range(SHARDS)))
        # One item per person, so nobody appears twice.
        latest = sorted((o for s in shards for o in s), key=lambda o: -o.last_seen_ms)
        if reads is not None:
            reads.latest = latest
            reads.looked_up = {}  # a fresh read: its listing looks people up afresh
        elif self._fresh_per_s:
            reads = self._reads[self.table] = _Reads(LISTING_BURST - 1, now, latest)
        self._shared = reads
        return latest

    async def _shard(self, shard: str, now: float) -> list[Online]:
        resp = await self._db.query(
            TableName=self.table,
            IndexName="online",
            KeyConditionExpression="#shard = :s",
            FilterExpression="#exp > :now",
            ProjectionExpression="userId, #seen, #name, #exp",
            ExpressionAttributeNames={k: _NAMES[k] for k in ("#shard", "#exp", "#seen", "#name")},
            ExpressionAttributeValues={":s": {"S": shard}, ":now": {"N": str(int(now))}},
            ScanIndexForward=False,
            Limit=PER_SHARD,
        )
        out = []
        for raw in resp.get("Items", []):
            item = from_item(raw)
            out.append(
                Online(
                    str(item["userId"]),
                    int(item["lastSeen"]),
                    str(item.get("name", "")),
                    int(item["expiresAt"]),
                )
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
            looked_up = await self._looked_up([o.user_id for o in chunk], day)
            for o in chunk:
                state, profile, summary = looked_up[o.user_id]
                why = unavailable_because(state, points_left(summary, daily_points))
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

    async def _looked_up(self, user_ids: Sequence[str], day: str) -> dict[str, _LookedUp]:
        """Each person's state, profile and points for `day`. A listing that reuses the task's
        latest index read (it is past its rate of fresh reads) reuses what the listings since
        that read looked up, and asks only for the people they did not: a busy task then
        pays about one round of lookups per fresh read, not one per listing (the people
        listed are the same newest few for everyone). A fresh listing looks everyone up."""
        shared = self._shared.looked_up if self._shared is not None else None
        known = shared if shared is not None and self._reuse else {}
        wanted = [u for u in user_ids if (u, day) not in known]
        found: dict[str, _LookedUp] = {}
        if wanted:
            states, profiles, summaries = await self._lookups(wanted, day)
            for u in wanted:
                found[u] = (states.get(u, "free"), profiles.get(u, {}), summaries.get(u))
        if shared is None:
            return found
        for u, answer in found.items():
            shared[(u, day)] = answer
        return {u: shared[(u, day)] for u in user_ids}

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
    records = PresenceRecords(db, s.name_prefix, s.connection_ttl_s, shared=call.ctx.presence_reads)
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
