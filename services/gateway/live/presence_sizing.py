"""How presence is sized: how often a person's lease is renewed, how many shards the `online`
index is split into, and how much one listing reads. Pure arithmetic, no I/O.

The capacity model (`services/capacity`) imports these figures, so what it simulates is what
the gateway does. The index's partition key is one of `SHARDS` values and its sort key is
`lastSeen`: every renewal moves the person within the index (2 index writes, a delete and a
put), all on their shard's partition. So the writes one partition takes are

    online people / renewal period x 2 / SHARDS

and `SHARDS` is the smallest power of two that keeps that under half a partition's 1,000
WCU at the sizing peak (`SIZING_PEAK_SOCKETS`, the ten-million-a-day peak of
docs/capacity.md), with the connects and closes on top.
"""

from __future__ import annotations

import math
import zlib

# The SPA pings every 45 s (PING_INTERVAL_MS, frontend/src/api/ws.ts); a ping is what renews.
PING_S = 45.0
# A person's presence is renewed at most once a minute, however many sockets (tabs, gateway
# tasks) their pings come through. With pings every 45 s the renewal happens on every second
# ping: every 90 s (`renewal_period_s`), and the lease (180 s) outlives that by a lost ping.
RENEW_AFTER_S = 60
SHARDS = 16
MAX_LISTED = 50
# Index entries one listing reads at most, over all shards (4 x 50 before the shards were 16):
# one round of parallel queries, one per shard, each a slice of PER_SHARD newest entries.
LISTING_READS = 200
PER_SHARD = math.ceil(LISTING_READS / SHARDS)
# Fresh reads of the index one gateway task makes for listings, at most, a second (after a
# burst): past that its listings share its latest read. The index's reads are then bounded by
# the tasks, not by the crowd polling the list (the SPA re-reads it every 10 s on Home).
LISTING_FRESH_PER_S = 1.0
LISTING_BURST = 5

# The sizing peak: docs/capacity.md [Sim], 155,650 open sockets at the peak of ten million
# people a day (`make capacity`), rounded up.
SIZING_PEAK_SOCKETS = 160_000
# Connects and last closes per second at that peak (the top-of-hour burst included), each
# about 2 index writes: docs/capacity.md [Sim].
SIZING_PEAK_MEMBERSHIP_PER_S = 1_000
PARTITION_WCU = 1_000.0
TARGET_SHARE = 0.5


def shard_name(i: int) -> str:
    return f"online#{i}"


def shard_of(user_id: str, shards: int = SHARDS) -> str:
    return shard_name(zlib.crc32(user_id.encode()) % shards)


def renew_after_s(ttl_s: float, ping_s: float = PING_S) -> float:
    """How old a lease may get before a ping renews it: a minute, but never so long that the
    lease (`ttl_s`) would lapse for someone alive. The renewal comes with the first ping at
    least this long after the last one, so the gap between renewals is under this plus a
    ping; the lease covers that and one lost ping more."""
    return max(0.0, min(float(RENEW_AFTER_S), ttl_s - 2 * ping_s))


def renewal_period_s(ttl_s: float = 180, ping_s: float = PING_S) -> float:
    """The gap between a live person's renewals: the first ping `renew_after_s` after the last."""
    after = renew_after_s(ttl_s, ping_s)
    return max(1, math.ceil(after / ping_s)) * ping_s


def index_wcu_per_shard(
    sockets: float,
    shards: int = SHARDS,
    ttl_s: float = 180,
    ping_s: float = PING_S,
    membership_per_s: float = 0.0,
) -> float:
    """Write units per second on one `online` partition: every renewal moves a person in the
    index (2 writes); each connect or last close adds about 2 more."""
    return (sockets / renewal_period_s(ttl_s, ping_s) * 2 + membership_per_s * 2) / shards


def shards_needed(
    sockets: float = SIZING_PEAK_SOCKETS,
    membership_per_s: float = SIZING_PEAK_MEMBERSHIP_PER_S,
    share: float = TARGET_SHARE,
) -> int:
    """The smallest power of two of shards keeping each partition at or under `share` of its
    limit."""
    shards = 1
    while index_wcu_per_shard(sockets, shards, membership_per_s=membership_per_s) > (
        share * PARTITION_WCU
    ):
        shards *= 2
    return shards
