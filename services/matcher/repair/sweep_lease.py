"""Who sweeps: one matcher instance at a time reads the whole waiting set.

A join reads only the heads of the partitions its partners are in (`waitlist.look`); the
pairing sweep (`leftovers`) and the TTL refresher (`ttl`) read every waiting ticket. Done by
every instance each second, that read is what grows with the fleet: at ten million people a
day ~200 instances would read the whole set 200 times a second. So the sweep takes turns by a
lease: an item in the waiting table (`shard = "lease"`, a key no look, read or index ever
touches) naming its holder and until when it holds. The holder renews it on each sweep with a
conditional write; the others read it (one unit) once a period and
take it over once it has lapsed or its holder released it on a clean stop. A holder that
dies is replaced within `lease_s`; two
that briefly both believe they hold it only sweep twice, which was every instance's habit
before (a pair two of them commit is committed once: its marker is derived from the pair).
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from services.matcher.context import Matcher, component_log
from services.runtime.dynamo import from_item, is_condition_failure, to_item, values

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

log = component_log("sweep_lease")

KEY = {"shard": "lease", "ticketId": "sweeper"}
LEASE_PERIODS = 2  # a lease lasts this many sweep periods (and at least MIN_LEASE_S)
MIN_LEASE_S = 1.5
ITEM_TTL_S = 86_400  # the item itself goes once nobody has swept for a day


class SweepLease:
    def __init__(self, db: DynamoDBClient, table: str, period_s: float) -> None:
        self._db = db
        self._table = table
        self.lease_s = max(MIN_LEASE_S, LEASE_PERIODS * period_s)
        self.holder = uuid.uuid4().hex
        self._held_until = 0.0  # monotonic: until when this instance knows it holds it

    def holds(self) -> bool:
        """Whether this instance held the lease at its last turn and it has not lapsed."""
        return time.monotonic() < self._held_until

    async def turn(self, now_s: float) -> bool:
        """Whether this instance sweeps now: it renews its lease, or takes over a lapsed one."""
        if not self.holds():
            current = await self._db.get_item(
                TableName=self._table, Key=to_item(KEY), ConsistentRead=True
            )
            item = from_item(current["Item"]) if "Item" in current else {}
            if item.get("holder") not in (None, self.holder) and int(
                item.get("untilMs", 0)
            ) > round(now_s * 1000):
                return False  # someone else sweeps
        started = time.monotonic()
        try:
            await self._db.update_item(
                TableName=self._table,
                Key=to_item(KEY),
                UpdateExpression="SET holder = :me, untilMs = :until, expiresAt = :gone",
                ConditionExpression="attribute_not_exists(holder) OR holder = :me "
                "OR untilMs < :now",
                ExpressionAttributeValues=values(
                    me=self.holder,
                    until=round((now_s + self.lease_s) * 1000),
                    now=round(now_s * 1000),
                    gone=epoch_in(now_s, ITEM_TTL_S),
                ),
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise
            if self.holds():
                log.info("sweep_lease.lost", holder=self.holder)
            self._held_until = 0.0
            return False
        if not self.holds():
            log.info("sweep_lease.taken", holder=self.holder, lease_s=self.lease_s)
        # Counted from before the write: the lease in the table runs at least this long.
        self._held_until = started + self.lease_s
        return True

    async def release(self) -> None:
        """On a clean stop: the next instance takes over at its next turn, not after the
        lease lapses (a rolling deploy then leaves no gap in sweeping)."""
        if not self.holds():
            return
        self._held_until = 0.0
        try:
            await self._db.delete_item(
                TableName=self._table,
                Key=to_item(KEY),
                ConditionExpression="holder = :me",
                ExpressionAttributeValues=values(me=self.holder),
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise
        log.info("sweep_lease.released", holder=self.holder)


def epoch_in(now_s: float, seconds: float) -> int:
    return int(now_s + seconds)


def lease_of(m: Matcher) -> SweepLease:
    """This matcher instance's lease."""
    if m.sweep_lease is None:
        m.sweep_lease = SweepLease(m.store.db, m.tables.waiting, m.settings.pool_sweep_s)
    return m.sweep_lease


__all__ = ["SweepLease", "lease_of"]
