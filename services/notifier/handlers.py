"""The notifier's handlers: an event in, a message on each open connection of each person told.

For an event that tells people something (see `messages.pushes_for`):
1. take a turn in each recipient's lane (per-person order, `lanes`), before any `await`;
2. skip it if it was pushed before (a redelivery): the idempotency table, read in batches,
   asked at the same time as each person's connections (the connections table, in batches);
3. for each person: wait for their turn, post each message to each connection; a
   connection that is gone (410) is removed from the notifier's table;
4. mark the event as pushed.
One person's failing delivery never holds up another's: people run side by side and each post
is bounded in time. Only when nothing could be delivered at all and something failed does the
handler raise, so the event comes back later (and, if it keeps failing, ends in the DLQ).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from services.notifier.batching import Batcher
from services.notifier.delivery import Outcome
from services.notifier.lanes import Lanes, Turn
from services.notifier.messages import NOTIFYING_TYPES, pushes_for, recipients
from services.runtime.consumer import Delivery, Handler
from services.runtime.logs import get_logger, log_with_metrics
from services.wire.events.base import Event
from services.wire.events.gateway import ConnectionClosed, ConnectionOpened, UserErased


class Poster(Protocol):
    async def post(self, connection_id: str, data: bytes) -> Outcome: ...


class Connections(Protocol):
    """Who has which connection open (`connections.ConnectionStore`)."""

    async def of(self, user_id: str) -> tuple[str, ...]: ...
    async def add(self, user_id: str, connection_id: str) -> None: ...
    async def remove(self, user_id: str, connection_id: str) -> None: ...
    async def forget(self, user_id: str) -> None: ...


class Handled(Protocol):
    """Which events were pushed already (`runtime.idempotency.Idempotency`)."""

    async def seen_many(self, keys: Sequence[str]) -> set[str]: ...
    async def mark_many(self, keys: Sequence[str]) -> None: ...


class DeliveryFailed(RuntimeError):
    """Nothing of an event reached anyone and some posts failed: try the event again later.

    Transient (minutes of retries, services/runtime/retry.py) unless a post was refused: the
    connections API being down or restarting is an outage to wait out, not a bad message.
    """

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass
class Tally:
    """Running counts, for tests and benchmarks (metrics go to the logs)."""

    events: int = 0
    sent: int = 0
    gone: int = 0
    failed: int = 0
    offline: int = 0  # people told something while they had no connection open
    duplicates: int = 0


class Notifier:
    def __init__(
        self,
        store: Connections,
        poster: Poster,
        idempotency: Handled,
        seen: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        """`seen`: "pushed before?" answered elsewhere (the connection store reads it in the
        same call as the connections); by default asked of `idempotency` in batches."""
        self._store = store
        self._poster = poster
        self._idem = idempotency
        self._lanes = Lanes()
        self._seen_batches: Batcher[str, bool] = Batcher(self._seen_many, max_batch=100)
        self._seen = seen or self._seen_batches.get
        self._marks: Batcher[str, None] = Batcher(self._mark_many, max_batch=25)
        self.tally = Tally()
        self._log = get_logger(component="notifier")

    def handlers(self) -> dict[str, Handler]:
        table: dict[str, Handler] = dict.fromkeys(NOTIFYING_TYPES, self.notify)
        table[ConnectionOpened.TYPE] = self.connection_opened
        table[ConnectionClosed.TYPE] = self.connection_closed
        table[UserErased.TYPE] = self.user_erased
        return table

    async def connection_opened(self, event: ConnectionOpened, _: Delivery) -> None:
        await self._store.add(event.user_id, event.connection_id)

    async def connection_closed(self, event: ConnectionClosed, _: Delivery) -> None:
        await self._store.remove(event.user_id, event.connection_id)

    async def user_erased(self, event: UserErased, _: Delivery) -> None:
        await self._store.forget(event.user_id)

    async def notify(self, event: Event, _: Delivery | None = None) -> None:
        pushes = pushes_for(event)
        if not pushes:
            return
        # Synchronously, before the first await: the lanes keep the order events came in.
        turns = {user: self._lanes.take(user) for user in recipients(pushes)}
        # Who is connected is asked alongside "pushed before?": one round trip, not two.
        lookups = {user: asyncio.ensure_future(self._store.of(user)) for user in turns}
        try:
            if await self._seen(event.id):
                self.tally.duplicates += 1
                return
            results = await asyncio.gather(
                *(
                    self._tell(user, [p.data() for p in pushes if p.user_id == user], turn, lookup)
                    for (user, turn), lookup in zip(turns.items(), lookups.values(), strict=True)
                ),
                return_exceptions=True,
            )
        finally:
            for turn in turns.values():
                turn.end()
            for lookup in lookups.values():
                _discard(lookup)
        outcomes: list[Outcome] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            outcomes += result
        self._account(event, outcomes)
        if Outcome.SENT in outcomes:
            await self._marks.get(event.id)

    async def _tell(
        self,
        user_id: str,
        messages: Sequence[bytes],
        turn: Turn,
        lookup: Awaitable[tuple[str, ...]],
    ) -> list[Outcome]:
        gone: set[str] = set()
        outcomes: list[Outcome] = []
        try:
            connections = await lookup
            if not connections:
                self.tally.offline += 1
                return outcomes
            await turn.wait()
            for data in messages:
                live = [c for c in connections if c not in gone]
                sent = await asyncio.gather(*(self._poster.post(c, data) for c in live))
                gone |= {
                    c for c, outcome in zip(live, sent, strict=True) if outcome is Outcome.GONE
                }
                outcomes += sent
        finally:
            turn.end()
        for connection_id in sorted(gone):
            await self._store.remove(user_id, connection_id)
        return outcomes

    def _account(self, event: Event, outcomes: list[Outcome]) -> None:
        sent = outcomes.count(Outcome.SENT)
        gone = outcomes.count(Outcome.GONE)
        refused = outcomes.count(Outcome.REFUSED)
        failed = outcomes.count(Outcome.FAILED) + refused
        self.tally.events += 1
        self.tally.sent += sent
        self.tally.gone += gone
        self.tally.failed += failed
        if gone or failed:
            log_with_metrics(
                self._log,
                "notifier.delivery_trouble",
                {"ConnectionsGone": (gone, "Count"), "DeliveryFailures": (failed, "Count")},
                event_type=event.TYPE,
                event_id=event.id,
                sent=sent,
            )
        if failed and not sent:
            raise DeliveryFailed(
                f"{failed} posts failed and none was delivered", transient=not refused
            )

    async def _seen_many(self, keys: Sequence[str]) -> Mapping[str, bool]:
        found = await self._idem.seen_many(keys)
        return {k: k in found for k in keys}

    async def _mark_many(self, keys: Sequence[str]) -> Mapping[str, None]:
        await self._idem.mark_many(keys)
        return dict.fromkeys(keys)


def _discard(task: asyncio.Future[tuple[str, ...]]) -> None:
    """Cancel a lookup nobody will wait for, or consume its error so it is not reported."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()
