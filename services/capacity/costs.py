"""What each step of a conversation costs: DynamoDB units per table and per hot partition,
SQS messages per queue, SNS publishes per topic, AWS calls per service, pushes, LiveKit calls.

Read from the code and scaled from the measured call tallies: the calls per step are the
ones `tests/load/test_matcher_calls.py` records for the matcher and docs/capacity.md §5 lists
for the other services (the whole flow under `make load`, `GET /_parley/calls`: 108-123 calls
per conversation, of which the modelled flow below makes ~150 with its re-reads). Units follow
DynamoDB's rules [S]: a transactional write is 2 units per KB and item, a plain write 1, a
strongly consistent read 1 unit per 4 KB (per page for a Query), an eventual one half; an
index whose key attributes change costs 2 index writes (delete and put), one whose projected
attributes change 1.

Where a step writes an index keyed by a handful of values (the presence shard,
`waitingPool`), the cost is booked on that key's partition: `wcu:<table>.<index>/<key>`.
A sparse index whose key is sharded by the item's id (`leaseShard`, `openShard`,
`liveShard`, `awaitingShard`, `requestedShard`, `busyState`: services/runtime/shards.py) is
booked as one even share on each of its partitions, `<prefix><0..N-1>`, with N imported from
the code (`spread`). Tables keyed by a person, a ticket or a session spread over as many
partitions as their throughput needs, so they are booked per table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from services.gateway.live.connections import LEASE
from services.ledger.codec import OPEN_SHARD as HOLDS_OPEN
from services.matcher.core.waiting import Level
from services.matcher.tables.invite_items import OPEN as INVITES_OPEN
from services.matcher.tables.items import REQUESTED, busy
from services.matcher.tables.session_items import AWAITING, LIVE
from services.matcher.tables.waitlist import PAGE
from services.runtime.shards import ShardedKey

# Item sizes [A], bytes: what the code writes, rounded up.
WAITING_ITEM_B = 300  # a `matcher-waiting` item (docs/capacity.md §3)
PAGE_B = 1 << 20  # a Query returns at most 1 MB per page

# Where the units are booked (`Op.where`).
ME_READS = "rcu:gateway-me-reads (several tables)"  # `GET /v1/me`: profile, people, tickets...
TIMERS, MATCHER_INBOX, LEDGER_INBOX, NOTIFIER_INBOX = (
    "sqs:matcher-timers",
    "sqs:matcher-inbox",
    "sqs:ledger-inbox",
    "sqs:notifier-inbox",
)


@dataclass(frozen=True)
class Op:
    where: str  # "rcu:<table>", "wcu:<table>.<index>/<key>", "sqs:<queue>", "calls:<svc>", ...
    units: float


def ops(*pairs: tuple[str, float]) -> list[Op]:
    return [Op(w, u) for w, u in pairs]


def spread(index: str, key: ShardedKey, units: float) -> Op:
    """`units` of writes to a sparse index whose key is sharded by a hash of the item's id:
    each of its partitions (`<prefix><0..N-1>`) takes an even share."""
    return Op(f"wcu:{index}/{key.prefix}<0..{key.shards - 1}>", units / key.shards)


# The reconciler's index queries per instance and pass (every 10 s), at most a page each
# (eventual: ½ unit): live sessions counted and read, no-shows, open invites, unanswered
# tickets, and each busy state's strays; every shard of each, and each key from before.
RECONCILER_QUERIES = (
    2 * len(LIVE.all_keys())
    + len(AWAITING.all_keys())
    + len(INVITES_OPEN.all_keys())
    + len(REQUESTED.all_keys())
    + sum(len(busy(state).all_keys()) for state in ("waiting", "inviting", "in_session"))
)


def deliver(*queues: str) -> list[Op]:
    """A message SNS delivers to each queue: counted once per queue (its receive and its
    delete are as many actions again, each under its own 70,000 TPS quota)."""
    return [Op(q, 1) for q in queues]


def push(events: int, posts: int) -> list[Op]:
    """The notifier telling people: one lookup and one mark per event, one post per socket."""
    return ops(
        ("rcu:notifier-connections", 0.5 * events),
        ("rcu:notifier-processed", 0.5 * events),
        ("wcu:notifier-processed", 1.0 * events),
        ("post", posts),
        ("api:messages", posts),
        ("api:requests", posts),
        ("calls:notifier", 2 * events + posts),
    )


def state_change(was: str | None, now: str) -> list[Op]:
    """`matcher-people.busy` (`<state>#<shard>`, updatedAt), sparse: a change puts the person
    under their new busy state and takes them from their old one; free people are not in it."""
    return [spread("matcher-people.busy", busy(s), 1) for s in (now, was) if s and s != "free"]


LOOK_PAGE = PAGE  # items a look reads per waiting-set partition (a Limit)


def waiting_read(waiting: int) -> float:
    """Read units of one look's strongly consistent Query of a waiting-set partition holding
    `waiting` items: its oldest `LOOK_PAGE` only (services/matcher/tables/waitlist.py), 1 unit per
    4 KB, at least 1 — flat however many wait. A join with one language each way reads one
    partition (its tandem mirror); one that accepts one-sided pairs also the base ones
    (3 levels x the layout's splits)."""
    size = min(waiting, LOOK_PAGE) * WAITING_ITEM_B
    return float(max(1, math.ceil(size / 4096)))


def whole_set_read(waiting: int) -> float:
    """Read units of reading every waiting item (the sweep, each instance each `pool_sweep_s`;
    the TTL refresher): 1 unit per 4 KB, at least 1 per home shard, page by page."""
    size = waiting * WAITING_ITEM_B
    pages = max(1, math.ceil(size / PAGE_B))
    return float(max(pages, math.ceil(size / 4096)))


def request() -> list[Op]:
    """`POST /v1/queue` through funding: the gateway, the ledger's hold, the matcher's
    ticket, the points push (docs/capacity.md §5 rows 1, ledger x1, matcher x1)."""
    return [
        *ops(
            ("rcu:gateway-profiles", 0.5),
            ("rcu:matcher-people", 0.5),
            ("wcu:gateway-rate-limits", 1),
            ("wcu:gateway-profiles", 1),
            ("sns:gateway", 1),
            ("calls:gateway", 5),
            # matcher: TransactWriteItems (1 item) and its byUser index
            ("wcu:matcher-tickets", 3),
            ("calls:matcher", 1),
            # ledger: BatchGetItem snapshot, TransactWriteItems (4 items), PublishBatch
            ("rcu:ledger-accounts", 2),
            ("wcu:ledger-holds", 2),
            ("wcu:ledger-accounts", 2),
            ("wcu:ledger-summaries", 2),
            ("wcu:ledger-processed", 2),
            ("sns:ledger", 1),
            ("calls:ledger", 3),
        ),
        spread("ledger-holds.open", HOLDS_OPEN, 1),
        # The ticket is in the sparse `requested` index from its request to its funding.
        spread("matcher-tickets.requested", REQUESTED, 2),
        *deliver(MATCHER_INBOX, LEDGER_INBOX),  # ticket.requested
        *deliver(MATCHER_INBOX, NOTIFIER_INBOX),  # ticket.funded, points.changed
        *push(1, 1),
    ]


def look() -> list[Op]:
    """The matcher's look, apart from the waiting set's read: the person's pair rows."""
    return ops(("rcu:matcher-pairs", 1), ("calls:matcher", 1))


def in_or_out(pool: str, shard: str, claims: int = 0, copies: tuple[str, ...] = ()) -> list[Op]:
    """A ticket into or out of waiting (or its search widened): the sparse `waiting` index of
    `matcher-tickets` under its pool, and its `matcher-waiting` items, the home and its
    `copies` (transactional puts or deletes: 2 units each); a widening: one claim per
    sweeping instance on the home item instead."""
    if claims:
        return ops(
            (f"wcu:matcher-tickets.waiting/{pool}", 1),
            (f"wcu:matcher-waiting/{shard}", claims),
        )
    return ops(
        (f"wcu:matcher-tickets.waiting/{pool}", 1),
        (f"wcu:matcher-waiting/{shard}", 2),
        *((f"wcu:matcher-waiting/{c}", 2) for c in copies),
    )


def wait() -> list[Op]:
    """Nobody now: the ticket, the person and the waiting item in one transaction (5 items,
    `in_or_out` books the waiting item), the announcement, the outbox delete (the second
    look's read is booked on its own)."""
    return [
        *ops(
            ("wcu:matcher-tickets", 2),
            ("wcu:matcher-people", 2),
            ("wcu:matcher-outbox", 3),
            ("wcu:matcher-processed", 2),
            ("sns:matcher", 1),
            ("calls:matcher", 3),
        ),
        *state_change("free", "waiting"),
        *deliver(NOTIFIER_INBOX),
        *push(1, 1),
    ]


def match(fresh: bool) -> list[Op]:
    """The pairing transaction (12 items, 13 when neither is fresh; `in_or_out` books the
    waiting items), the announcement and the end timer; the ledger's start for both, the
    pushes, both `/v1/me` re-reads and joins."""
    return [
        *ops(
            ("wcu:matcher-tickets", 4 + 2),  # and their byUser index entries
            ("wcu:matcher-people", 4),
            ("wcu:matcher-sessions", 4),
            ("wcu:matcher-history", 4),
            ("wcu:matcher-pairs", 4),
            ("wcu:matcher-outbox", 3),
            ("wcu:matcher-processed", 2),
            ("sns:matcher", 1),
            (TIMERS, 1),
            ("livekit:CreateRoom", 1),
            ("calls:matcher", 5),
        ),
        spread("matcher-sessions.live", LIVE, 1),
        spread("matcher-sessions.awaiting", AWAITING, 1),
        *state_change("waiting", "in_session"),
        *state_change("waiting" if not fresh else "free", "in_session"),
        *deliver(LEDGER_INBOX, NOTIFIER_INBOX),  # session.started
        *started(),
    ]


def started() -> list[Op]:
    """After `session.started`, match or invite alike: the ledger for both, the pushes, the
    `/v1/me` re-read and the join of both, and both media webhooks."""
    return [
        *ops(
            ("rcu:ledger-accounts", 4),
            ("wcu:ledger-holds", 4),
            ("wcu:ledger-processed", 4),
            ("calls:ledger", 4),
            (ME_READS, 8),
            ("calls:gateway", 18),
            # media connected x2: webhook → Publish → matcher UpdateItem x3
            ("sns:gateway", 2),
            ("calls:gateway", 2),
            ("wcu:matcher-sessions", 3),
            ("calls:matcher", 3),
        ),
        spread("ledger-holds.open", HOLDS_OPEN, 4),
        spread("matcher-sessions.awaiting", AWAITING, 1),
        spread("matcher-sessions.live", LIVE, 2),
        *deliver(MATCHER_INBOX, MATCHER_INBOX),
        *push(1, 2),
    ]


def end() -> list[Op]:
    """Stop (or time up) through settlement: the gateway, the matcher's end transaction, the
    ledger for both, the pushes, the webhooks of both leaving, the timer, the re-reads."""
    return [
        *ops(
            ("rcu:matcher-sessions", 2.5),
            ("sns:gateway", 1),
            ("calls:gateway", 2),
            ("rcu:matcher-people", 2),
            ("wcu:matcher-sessions", 4),
            ("wcu:matcher-people", 4),
            ("wcu:matcher-history", 2),
            ("wcu:matcher-outbox", 3),
            ("wcu:matcher-processed", 2),
            ("sns:matcher", 1),
            ("livekit:DeleteRoom", 1),
            ("calls:matcher", 7),
            ("rcu:ledger-accounts", 4),
            ("wcu:ledger-holds", 4),
            ("wcu:ledger-accounts", 4),
            ("wcu:ledger-summaries", 4),
            ("wcu:ledger-entries", 4),
            ("wcu:ledger-processed", 2),
            ("sns:ledger", 1),
            ("calls:ledger", 5),
            # left x2: webhook → Publish → matcher UpdateItem
            ("sns:gateway", 2),
            ("calls:gateway", 2),
            ("wcu:matcher-sessions", 2),
            ("calls:matcher", 2),
            # the end timer at endsAt: receive, delete, GetItem
            ("rcu:matcher-sessions", 1),
            ("calls:matcher", 1),
            (ME_READS, 6),
            ("calls:gateway", 12),
        ),
        spread("matcher-sessions.live", LIVE, 1),
        spread("ledger-holds.open", HOLDS_OPEN, 2),
        *state_change("in_session", "free"),
        *state_change("in_session", "free"),
        *deliver(MATCHER_INBOX, MATCHER_INBOX, MATCHER_INBOX, LEDGER_INBOX, NOTIFIER_INBOX),
        *deliver(NOTIFIER_INBOX, NOTIFIER_INBOX),  # points.changed x2
        *push(3, 4),
    ]


def cancel() -> list[Op]:
    """Someone gives up waiting: the cancel, the matcher's transaction, the release."""
    return [
        *ops(
            ("sns:gateway", 1),
            ("calls:gateway", 2),
            ("rcu:matcher-tickets", 1),
            ("rcu:matcher-people", 1),
            ("wcu:matcher-tickets", 2),
            ("wcu:matcher-people", 2),
            ("wcu:matcher-outbox", 3),
            ("wcu:matcher-processed", 2),
            ("sns:matcher", 1),
            ("calls:matcher", 6),
            ("rcu:ledger-accounts", 2),
            ("wcu:ledger-holds", 2),
            ("wcu:ledger-accounts", 2),
            ("wcu:ledger-processed", 2),
            ("sns:ledger", 1),
            ("calls:ledger", 3),
        ),
        spread("ledger-holds.open", HOLDS_OPEN, 1),
        *state_change("waiting", "free"),
        *deliver(MATCHER_INBOX, LEDGER_INBOX, NOTIFIER_INBOX),
        *push(1, 1),
    ]


def widen(instances: int) -> list[Op]:
    """A search widened: each sweeping instance tries the claim (a failed conditional write
    still costs its unit; `in_or_out` books them), one commits the announcement."""
    return [
        *ops(
            ("wcu:matcher-tickets", 2),
            ("wcu:matcher-outbox", 3),
            ("wcu:matcher-processed", 2),
            ("sns:matcher", 1),
            ("calls:matcher", 2 + instances),
        ),
        *deliver(NOTIFIER_INBOX),
        *push(1, 1),
    ]


def invite() -> list[Op]:
    """An invite accepted: two holds, the invite's two transactions, then a session start
    like a match's (no waiting set)."""
    return [
        *ops(
            (ME_READS, 3),
            ("sns:gateway", 2),
            ("calls:gateway", 7),
            ("rcu:ledger-accounts", 4),
            ("wcu:ledger-holds", 4),
            ("wcu:ledger-accounts", 4),
            ("wcu:ledger-summaries", 4),
            ("wcu:ledger-processed", 4),
            ("sns:ledger", 2),
            ("calls:ledger", 6),
            ("wcu:matcher-invites", 4 + 4),  # two transactions, byInvitee/byInviter entries
            ("wcu:matcher-people", 6),
            ("wcu:matcher-sessions", 4),
            ("wcu:matcher-history", 4),
            ("wcu:matcher-pairs", 4),
            ("wcu:matcher-outbox", 6),
            ("wcu:matcher-processed", 4),
            ("sns:matcher", 2),
            (TIMERS, 1),
            ("livekit:CreateRoom", 1),
            ("calls:matcher", 8),
        ),
        spread("ledger-holds.open", HOLDS_OPEN, 2),
        spread("matcher-invites.open", INVITES_OPEN, 2),
        spread("matcher-sessions.live", LIVE, 1),
        spread("matcher-sessions.awaiting", AWAITING, 1),
        *state_change("free", "inviting"),
        *state_change("inviting", "in_session"),
        *state_change("free", "in_session"),
        *deliver(MATCHER_INBOX, LEDGER_INBOX, MATCHER_INBOX, LEDGER_INBOX),
        *deliver(MATCHER_INBOX, MATCHER_INBOX, NOTIFIER_INBOX, NOTIFIER_INBOX),
        *deliver(LEDGER_INBOX, NOTIFIER_INBOX),  # session.started
        *push(2, 2),
        *started(),
    ]


def visit() -> list[Op]:
    """A page opened and closed: the connection record and its lease entry, presence in and
    out of the `online` index, the notifier's and the matcher's connection events."""
    return [
        *ops(
            ("wcu:gateway-connections", 2 + 2),  # put, delete; byUser entries
            ("wcu:gateway-presence", 3),  # connect; close: count, then out of the index
            ("sns:gateway", 2),
            ("calls:gateway", 6),
            ("wcu:notifier-connections", 2),
            ("calls:notifier", 2),
            ("wcu:matcher-people", 2),
            ("calls:matcher", 2),
            ("api:connection-minutes", 0),  # booked per second of open socket instead
        ),
        spread("gateway-connections.byLease", LEASE, 2),
        *deliver(MATCHER_INBOX, NOTIFIER_INBOX, MATCHER_INBOX, NOTIFIER_INBOX),
    ]


def ping(presence_shard: str, renews: bool) -> list[Op]:
    """One ping (a socket every 25 s): the gateway asks to renew the connection's lease and
    the person's presence: two conditional writes, 1 unit each whether accepted or refused
    (behind API Gateway the pings of one person land on any task, so a task's memory of its
    own renewals rarely spares the call). Only accepted renewals, at most one a minute
    (`presence_sizing.renewal_period_s`; a lease and a presence opened together renew on the
    same pings), move the index entries: `expiresAt`, the sort key of `byLease` (2 writes,
    spread over the lease shards), and `lastSeen`, the sort key of `online` (2 writes on the
    person's shard)."""
    out = ops(
        ("api:messages", 2),  # the ping and its pong
        ("api:requests", 1),
        ("wcu:gateway-connections", 1),
        ("calls:gateway", 1),
        ("wcu:gateway-presence", 1),
        ("calls:gateway", 1),
    )
    if renews:
        out += ops((f"wcu:gateway-presence.online/{presence_shard}", 2))
        out.append(spread("gateway-connections.byLease", LEASE, 2))
    return out


# `GET /v1/presence`, which the SPA re-reads every 10 s on Home (Presence.tsx REFRESH_MS).
LISTING_EVERY_S = 10.0
LISTING_BATCH = 33  # people per BatchGetItem (presence._BATCH): state, profile, day's points
LISTING_RCU = "rcu:gateway-listing (people, profiles, summaries)"


def listing() -> list[Op]:
    """One listing's own reads: the viewer's blocks and partners (a Query each, eventual)."""
    return ops(("rcu:gateway-blocks, gateway-partners", 1), ("calls:gateway", 2))


def listing_lookups(batches: int) -> list[Op]:
    """The lookups of a fresh index read's listing: `batches` BatchGetItems of 33 people x 3
    items (eventual, ½ unit each), until 50 who can talk are found. Listings that share the
    task's latest index read share these too (`presence._looked_up`)."""
    return ops(
        (LISTING_RCU, batches * LISTING_BATCH * 3 * 0.5),
        ("calls:gateway", batches),
    )


def listing_index(shards: int) -> list[Op]:
    """A fresh read of the `online` index: one Query per shard, in parallel, each at most
    `PER_SHARD` entries of ~150 B (under 4 KB: ½ unit, eventual) on that shard's partition."""
    return [
        *(Op(f"rcu:gateway-presence.online/online#{i}", 0.5) for i in range(shards)),
        Op("calls:gateway", float(shards)),
    ]


def total(parts: Iterable[Op], where: str) -> float:
    return sum(op.units for op in parts if op.where == where)


# The waiting set filed by what each ticket offers (docs/capacity.md, "matching whose cost per
# join does not grow"): one item per heap key of the pairing core (`Waiting.keys`), sort key
# `sinceMs#ticketId`; a look reads the oldest page of each partner heap it may take from now
# (`Waiting.searches`). Keys everyone shares (a spoken or learned language, "anyone") are
# split `OFFER_SUBSHARDS` ways by ticket, and a look reads the head of each.
OFFER_SUBSHARDS = 8
OFFER_PAGE = 25  # items per partition a look reads (a Limit; more only past blocked ones)


def offer_partitions(key: tuple[object, ...]) -> int:
    return 1 if key[0] == "T" else OFFER_SUBSHARDS


def offer_name(key: tuple[object, ...]) -> str:
    """A heap key as a partition name (for split keys: each of its partitions)."""
    if key[0] == "T":
        return f"T:{key[1]}>{key[2]}"
    if key[0] == "A":
        name = "A:anyone" if key[1] else "A:others"
    elif key[0] == "P":  # learners of a language at one CEFR level
        name = f"P:{key[1]}:{key[2]}"
    else:  # speakers or learners of a language, by their base level
        level = key[2]
        name = (
            f"{key[0]}:{key[1]}:{Level(level).looking_for if isinstance(level, int) else 'tandem'}"
        )
    return f"{name} (each of {OFFER_SUBSHARDS})"


def offer_read(waiting: int, parts: int) -> float:
    """Read units on each partition of a heap key holding `waiting` tickets, for one look."""
    head = min(math.ceil(waiting / parts), OFFER_PAGE)
    return float(max(1, math.ceil(head * WAITING_ITEM_B / 4096)))
