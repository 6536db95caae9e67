"""What the consumer holds, group by group: pure bookkeeping, no I/O.

A group's messages take turns on the group's lock. A group whose head is waiting out a
backoff is *stalled*: it holds messages but runs no handler, so it does not count against
the room for new receives. A group with a message *released* (given back unfinished) gives
back every message received up to then, so nothing overtakes it.
"""

from __future__ import annotations

import asyncio


class Groups:
    def __init__(self, concurrency: int, max_held: int) -> None:
        self._concurrency = concurrency
        self._max_held = max_held
        self._pending: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._stalled: set[str] = set()
        self._released: dict[str, int] = {}
        self._received = 0

    @property
    def held(self) -> int:
        return sum(self._pending.values())

    @property
    def active(self) -> int:
        """Held messages that are running or queued behind a running one (not backing off)."""
        return self.held - sum(self._pending.get(g, 0) for g in self._stalled)

    def room(self) -> int:
        """How many messages a receive may take now (at most ten, SQS's limit)."""
        return max(0, min(10, self._concurrency - self.active, self._max_held - self.held))

    def take(self, group: str) -> tuple[asyncio.Lock, int]:
        """A message of `group` was received: its lock and its receive number."""
        self._pending[group] = self._pending.get(group, 0) + 1
        self._received += 1
        return self._locks.setdefault(group, asyncio.Lock()), self._received

    def done(self, group: str) -> None:
        self._pending[group] -= 1
        if self._pending[group] == 0:
            del self._pending[group]
            self._locks.pop(group, None)
            self._released.pop(group, None)
            self._stalled.discard(group)

    def stall(self, group: str) -> None:
        self._stalled.add(group)

    def resume(self, group: str) -> None:
        self._stalled.discard(group)

    def release(self, group: str) -> None:
        """One of the group's messages goes back: so do those received up to now."""
        self._released[group] = self._received

    def must_release(self, group: str, seq: int) -> bool:
        return seq <= self._released.get(group, 0)
