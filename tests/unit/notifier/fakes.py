"""In-memory stand-ins for the notifier's adapters (connections table, connections API,
idempotency table), so the handlers can be tested without the network."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from services.notifier.delivery import Outcome


class FakeConnections:
    def __init__(self, **people: tuple[str, ...]) -> None:
        self.by_user: dict[str, set[str]] = defaultdict(set)
        for user, ids in people.items():
            self.by_user[user] |= set(ids)
        self.lookups = 0

    async def of(self, user_id: str) -> tuple[str, ...]:
        self.lookups += 1
        await asyncio.sleep(0)
        return tuple(sorted(self.by_user.get(user_id, ())))

    async def add(self, user_id: str, connection_id: str) -> None:
        self.by_user[user_id].add(connection_id)

    async def remove(self, user_id: str, connection_id: str) -> None:
        self.by_user[user_id].discard(connection_id)

    async def forget(self, user_id: str) -> None:
        self.by_user.pop(user_id, None)


class FakePoster:
    """Records what each connection received; some connections are gone, slow or failing."""

    def __init__(
        self,
        gone: frozenset[str] = frozenset(),
        failing: frozenset[str] = frozenset(),
        delays: dict[str, float] | None = None,
        refusing: frozenset[str] = frozenset(),
    ) -> None:
        self.refusing = refusing
        self.gone = gone
        self.failing = failing
        self.delays = delays or {}
        self.received: dict[str, list[bytes]] = defaultdict(list)
        self.attempts = 0

    async def post(self, connection_id: str, data: bytes) -> Outcome:
        self.attempts += 1
        await asyncio.sleep(self.delays.get(connection_id, 0))
        if connection_id in self.gone:
            return Outcome.GONE
        if connection_id in self.failing:
            return Outcome.FAILED
        if connection_id in self.refusing:
            return Outcome.REFUSED
        self.received[connection_id].append(data)
        return Outcome.SENT


class FakeHandled:
    def __init__(self) -> None:
        self.marked: set[str] = set()

    async def seen_many(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self.marked}

    async def mark_many(self, keys: Sequence[str]) -> None:
        self.marked |= set(keys)
