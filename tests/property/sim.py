"""The matcher's and the ledger's real handlers on the embedded AWS (moto over HTTP), joined by
a bus this test controls, on a clock it moves.

Everything a service publishes lands here instead of SNS: each copy for each consumer is
delivered later, out of order across message groups (never within one), sometimes twice,
and, between the matcher and the ledger, sometimes never (the reconcilers must repair that).
Timers are delivered at their due time, sometimes late. What the notifier would push is
worked out from the events it receives with its own pure rules.

What people do becomes the events the gateway would publish, recorded as the requests that
caused them; with the room log this test plays and the tables at the end, that is the facts
the referee judges.
"""

from __future__ import annotations

import heapq
import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.ledger.bookkeeping import Bookkeeper
from services.ledger.handlers import LedgerHandlers
from services.ledger.reconcile import HoldReconciler
from services.ledger.service import rules as ledger_rules
from services.ledger.service import store as ledger_store
from services.ledger.settings import LedgerSettings
from services.matcher.context import Matcher
from services.matcher.handlers import inbox_handlers, timer_handlers
from services.matcher.repair.reconcile import reconcile
from services.matcher.rooms import NoRooms
from services.matcher.service import build
from services.matcher.settings import MatcherSettings
from services.notifier.messages import pushes_for
from services.runtime.aws import Aws
from services.runtime.dynamo import from_item
from services.wire.events import Event
from services.wire.events.gateway import (
    ConnectionClosed,
    ConnectionOpened,
    MediaParticipantJoined,
    MediaParticipantLeft,
    SessionStopRequested,
    TicketCancelRequested,
    TicketRequested,
)
from services.wire.names import Service
from services.wire.tables import ledger as ledger_tables
from services.wire.tables import matcher as matcher_tables

DAILY, CAP = 6, 3  # small, so that balances run out within a run
NO_SHOW_S, GRACE_S = 45.0, 30
RECONCILE_S, HOLD_CHECK_S, HOLD_STALE_S = 10.0, 60.0, 300.0
TABLES = (
    *(t.logical for t in matcher_tables.TABLES if not t.logical.endswith("processed")),
    *(t.logical for t in ledger_tables.TABLES if not t.logical.endswith("processed")),
)


@dataclass(frozen=True)
class Chaos:
    """How the bus misbehaves in one run."""

    max_delay_s: float = 2.0
    duplicate: float = 0.0
    lose: float = 0.0  # matcher ↔ ledger events only
    timer_late_s: float = 0.0
    seed: int = 0


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        return self.at


@dataclass(order=True)
class _Due:
    due: datetime
    seq: int
    target: str = field(compare=False)  # matcher | ledger | notifier | timer
    event: Event = field(compare=False)


class _Publisher:
    def __init__(self, sim: Sim, service: Service) -> None:
        self.sim, self.service = sim, service

    async def publish(self, event: Event) -> None:
        self.sim.send(event, self.service)

    async def publish_many(self, events: Any) -> None:
        for e in events:
            self.sim.send(e, self.service)


class _Timers:
    def __init__(self, sim: Sim) -> None:
        self.sim = sim

    async def schedule(self, timer: Event, due_at: datetime, now: datetime | None = None) -> None:
        self.sim.timer(timer, due_at)

    async def rearm_if_early(self, timer: Event, due_at: datetime) -> bool:
        if (due_at - self.sim.clock.now()).total_seconds() <= 1:
            return False
        self.sim.timer(timer, due_at)
        return True


class Sim:
    def __init__(
        self, aws: Aws, endpoint: str, prefix: str, mode: str, chaos: Chaos, start: datetime
    ) -> None:
        self.aws, self.mode, self.chaos = aws, mode, chaos
        self.rand = random.Random(chaos.seed)
        self.clock = VirtualClock(start)
        self.started = start
        self._seq = itertools.count()
        self.queue: list[_Due] = []
        self._group_last: dict[tuple[str, str], datetime] = {}
        self.requests: list[dict[str, Any]] = []
        self.pushes: list[dict[str, Any]] = []
        self.room_log: list[dict[str, Any]] = []
        self.losing = True
        self.reconcile_every = RECONCILE_S
        base: dict[str, Any] = {
            "name_prefix": prefix,
            "aws_endpoint_url": endpoint,
            "daily_points": DAILY,
            "session_minutes": CAP,
            "log_format": "console",
        }
        self.msettings = MatcherSettings(
            **base,
            media_mode=mode,
            livekit_url="http://127.0.0.1:9",
            livekit_api_key="referee",
            livekit_api_secret="s" * 40,
            no_show_s=NO_SHOW_S,
            media_grace_s=GRACE_S,
            reconcile_s=RECONCILE_S,
            relax_one_sided_s=0,
            relax_anyone_s=0,
        )
        self.lsettings = LedgerSettings(
            **base, hold_check_s=HOLD_CHECK_S, hold_stale_s=HOLD_STALE_S
        )
        self.matcher: Matcher | None = None
        self.ledger: LedgerHandlers | None = None
        self.holds: HoldReconciler | None = None
        self._next_reconcile = start

    async def open(self) -> None:
        m = await build(self.aws, self.msettings, self.clock, NoRooms())
        m.outbox._publisher = _Publisher(self, Service.MATCHER)  # type: ignore[assignment]
        m.outbox._timers = _Timers(self)  # type: ignore[assignment]
        m.timers = _Timers(self)  # type: ignore[assignment]
        self.matcher = m
        self._m_inbox = inbox_handlers(m)
        self._m_timers = timer_handlers(m)
        db = ledger_store(self.aws, self.lsettings)
        keeper = Bookkeeper(db, ledger_rules(self.lsettings), clock=self.clock.now)
        publish = _Publisher(self, Service.LEDGER).publish_many
        self.ledger = LedgerHandlers(keeper, publish)
        self._l_inbox = self.ledger.routes()
        self.holds = HoldReconciler(keeper, db, publish, HOLD_STALE_S, clock=self.clock.now)

    # -- the bus -----------------------------------------------------------------------------

    def _enqueue(self, target: str, event: Event, delay: float) -> None:
        due = self.clock.now() + timedelta(seconds=delay)
        key = (target, event.group())
        due = max(due, self._group_last.get(key, due))  # FIFO within a group
        self._group_last[key] = due
        heapq.heappush(self.queue, _Due(due, next(self._seq), target, event))

    def send(self, event: Event, publisher: Service) -> None:
        targets = {Service.MATCHER: "matcher", Service.LEDGER: "ledger"}
        targets |= {Service.NOTIFIER: "notifier"}
        for consumer in sorted(event.CONSUMERS, key=str):
            target = targets.get(consumer)
            if target is None:
                continue
            between = {publisher, consumer} == {Service.MATCHER, Service.LEDGER}
            if between and self.losing and self.rand.random() < self.chaos.lose:
                continue
            self._enqueue(target, event, self.rand.uniform(0, self.chaos.max_delay_s))
            if self.rand.random() < self.chaos.duplicate:
                self._enqueue(target, event, self.rand.uniform(0, 3 * self.chaos.max_delay_s))

    def timer(self, timer: Event, due_at: datetime) -> None:
        late = self.rand.uniform(0, self.chaos.timer_late_s)
        due = max(due_at, self.clock.now()) + timedelta(seconds=late)
        heapq.heappush(self.queue, _Due(due, next(self._seq), "timer", timer))

    async def deliver(self, item: _Due) -> None:
        e = item.event
        if item.target == "notifier":
            for push in pushes_for(e):
                self.pushes.append(
                    {"person": push.user_id, "receivedAt": self.iso(), "message": push.body}
                )
            return
        routes = {"matcher": self._m_inbox, "ledger": self._l_inbox, "timer": self._m_timers}
        handler = routes[item.target].get(e.TYPE)
        if handler is not None:
            await handler(e, None)  # type: ignore[arg-type]

    async def run_until(self, until: datetime) -> None:
        """Deliver everything due up to `until` in time order, reconciling on the way."""
        while True:
            nxt = self.queue[0].due if self.queue else None
            if self._next_reconcile <= until and (nxt is None or self._next_reconcile < nxt):
                self.clock.at = max(self.clock.at, self._next_reconcile)
                await self.reconcile()
                continue
            if nxt is None or nxt > until:
                break
            item = heapq.heappop(self.queue)
            self.clock.at = max(self.clock.at, item.due)
            await self.deliver(item)
        self.clock.at = max(self.clock.at, until)

    async def reconcile(self) -> None:
        assert self.matcher is not None
        assert self.holds is not None
        await reconcile(self.matcher)
        await self.holds.run_once()
        await self.matcher.outbox.sweep(0)
        self._next_reconcile = self.clock.now() + timedelta(seconds=self.reconcile_every)

    async def advance(self, seconds: float) -> None:
        await self.run_until(self.clock.now() + timedelta(seconds=seconds))

    # -- what people do (as the gateway would publish it) ---------------------------------------

    def iso(self, at: datetime | None = None) -> str:
        return (at or self.clock.now()).isoformat().replace("+00:00", "Z")

    def _request(
        self, person: str, method: str, path: str, answer: dict[str, Any], status: int = 202
    ) -> None:
        now = self.iso()
        self.requests.append(
            {
                "person": person,
                "method": method,
                "path": path,
                "body": {},
                "sentAt": now,
                "answeredAt": now,
                "status": status,
                "answer": answer,
            }
        )

    def gateway(self, event: Event) -> None:
        self.send(event, Service.GATEWAY)

    def open_tab(self, person: str) -> None:
        self.gateway(ConnectionOpened(connection_id=f"c-{person}", user_id=person))

    def close_tab(self, person: str) -> None:
        self.gateway(ConnectionClosed(connection_id=f"c-{person}", user_id=person))

    def join(self, person: str) -> str:
        ticket = uuid.uuid4().hex
        self._request(person, "POST", "/v1/queue", {"ticketId": ticket})
        self.gateway(TicketRequested(ticket_id=ticket, user_id=person, occurred_at=self.now()))
        return ticket

    def leave(self, person: str, ticket: str) -> None:
        self._request(person, "DELETE", "/v1/queue", {"ticketId": ticket})
        self.gateway(
            TicketCancelRequested(ticket_id=ticket, user_id=person, occurred_at=self.now())
        )

    def stop(self, person: str, session_id: str) -> None:
        self._request(person, "POST", f"/v1/sessions/{session_id}/stop", {"sessionId": session_id})
        self.gateway(
            SessionStopRequested(session_id=session_id, user_id=person, occurred_at=self.now())
        )

    def connected(self, person: str, session_id: str) -> None:
        """direct mode: the browser's report that its peer connection is up."""
        path = f"/v1/sessions/{session_id}/connected"
        self._request(person, "POST", path, {"sessionId": session_id})
        self.gateway(
            MediaParticipantJoined(session_id=session_id, user_id=person, occurred_at=self.now())
        )

    def media(self, person: str, session_id: str, kind: str, connection: str) -> None:
        """livekit mode: LiveKit's webhook, stamped now, with its own id."""
        hook = f"EV_{uuid.uuid4().hex[:12]}"
        self.room_log.append(
            {"room": session_id, "identity": person, "kind": kind, "at": self.iso(), "id": hook}
        )
        cls = MediaParticipantJoined if kind == "in" else MediaParticipantLeft
        self.gateway(
            cls(
                id=uuid.uuid5(uuid.NAMESPACE_URL, hook).hex,
                session_id=session_id,
                user_id=person,
                occurred_at=self.now(),
                connection=connection,
            )
        )

    def now(self) -> datetime:
        return self.clock.now()

    # -- the facts -----------------------------------------------------------------------------

    async def tables(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for logical in TABLES:
            items: list[dict[str, Any]] = []
            kwargs: dict[str, Any] = {"TableName": self.aws.table(logical)}
            while True:
                resp = await self.aws.dynamodb.scan(**kwargs)
                items += [from_item(i) for i in resp.get("Items", [])]
                if "LastEvaluatedKey" not in resp:
                    break
                kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
            out[logical] = items
        return out

    async def facts(self) -> dict[str, Any]:
        return {
            "config": {
                "dailyPoints": DAILY,
                "sessionMinutes": CAP,
                "noShowS": NO_SHOW_S,
                "mediaGraceS": GRACE_S,
                "inviteTimeoutS": 60,
                "mediaMode": self.mode,
                "zone": "UTC",
            },
            "requests": list(self.requests),
            "pushes": list(self.pushes),
            "roomLog": list(self.room_log),
            "window": {"startedAt": self.iso(self.started), "endedAt": self.iso()},
            "tables": await self.tables(),
        }


def start_of_run(minutes_before_midnight: int) -> datetime:
    midnight = datetime(2026, 3, 2, tzinfo=UTC)
    return midnight - timedelta(minutes=minutes_before_midnight)
