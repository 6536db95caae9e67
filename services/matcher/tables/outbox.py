"""The outbox: what a state change must cause outside DynamoDB (events to publish, timers to
arm, rooms to create or delete), written in the same transaction as the change.

After its commit the handler flushes the entry and deletes it. If the process dies in
between, the entry stays: it is flushed when the same input is redelivered, at start-up, and
by a periodic sweep. Every action is safe to repeat (event ids are derived, so SNS FIFO and
the consumers drop a repeat; rooms are created and deleted idempotently), so a flush that
runs twice announces nothing twice that a consumer would act on twice.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from services.matcher.clock import Clock, epoch, iso, parse_iso
from services.matcher.rooms import Rooms
from services.runtime.dynamo import from_item, to_item
from services.runtime.logs import get_logger
from services.runtime.publisher import Publisher, TimerScheduler
from services.wire.events import REGISTRY, Event

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

Kind = Literal["publish", "timer", "room.create", "room.delete"]


@dataclass(frozen=True)
class Action:
    kind: Kind
    body: str = ""
    due_at: str = ""
    room: str = ""


def publish(event: Event) -> Action:
    return Action("publish", body=event.to_wire())


def timer(event: Event, due_at: datetime) -> Action:
    return Action("timer", body=event.to_wire(), due_at=iso(due_at))


def room_create(room: str) -> Action:
    return Action("room.create", room=room)


def room_delete(room: str) -> Action:
    return Action("room.delete", room=room)


def encode(actions: Sequence[Action]) -> str:
    return json.dumps([{k: v for k, v in asdict(a).items() if v} for a in actions])


def decode(text: str) -> list[Action]:
    return [Action(**raw) for raw in json.loads(text)]


class Outbox:
    def __init__(
        self,
        db: DynamoDBClient,
        table: str,
        publisher: Publisher,
        timers: TimerScheduler,
        rooms: Rooms,
        clock: Clock,
    ) -> None:
        self._db = db
        self.table = table
        self._publisher = publisher
        self._timers = timers
        self._rooms = rooms
        self._clock = clock
        self._log = get_logger(component="outbox")
        self.flushed = 0

    def entry(self, key: str, actions: Sequence[Action], now: datetime) -> dict[str, Any]:
        """The TransactWriteItems entry that records `actions` under `key`."""
        item = {
            "eventId": key,
            "actions": encode(actions),
            "createdAt": iso(now),
            "expiresAt": epoch(now + timedelta(days=14)),
        }
        return {"Put": {"TableName": self.table, "Item": to_item(item)}}

    async def flush(self, key: str, older_than_s: float = 0.0) -> bool:
        """Carry out the entry under `key` if it is still there and older than `older_than_s`
        (a younger one belongs to a handler carrying it out right now); True if it was."""
        resp = await self._db.get_item(
            TableName=self.table, Key=to_item({"eventId": key}), ConsistentRead=True
        )
        if "Item" not in resp:
            return False
        item = from_item(resp["Item"])
        cutoff = iso(self._clock.now() - timedelta(seconds=older_than_s))
        if older_than_s and item.get("createdAt", "") > cutoff:
            return False
        await self.carry_out(key, decode(item["actions"]))
        return True

    async def carry_out(self, key: str, actions: Sequence[Action]) -> None:
        """Carry out the entry `key` holds (`actions`), then delete it."""
        await self.perform(actions)
        await self._db.delete_item(TableName=self.table, Key=to_item({"eventId": key}))
        self.flushed += 1

    async def perform(self, actions: Sequence[Action]) -> None:
        """Events (one batch, order kept within each group) and timers go out together; room
        calls follow, in order."""
        events = [REGISTRY.parse(a.body) for a in actions if a.kind == "publish"]
        now = self._clock.now()
        sends = [self._publisher.publish_many(events)] if events else []
        sends += [
            self._timers.schedule(REGISTRY.parse(a.body), parse_iso(a.due_at), now)
            for a in actions
            if a.kind == "timer"
        ]
        await asyncio.gather(*sends)
        for action in actions:
            if action.kind == "room.create":
                await self._rooms.create(action.room)
            elif action.kind == "room.delete":
                await self._rooms.delete(action.room)

    async def sweep(self, older_than_s: float = 0.0) -> int:
        """Flush every entry older than `older_than_s` (younger ones belong to a handler that
        is flushing them right now). Returns how many were flushed."""
        cutoff = iso(self._clock.now() - timedelta(seconds=older_than_s))
        kwargs: dict[str, Any] = {"TableName": self.table, "ConsistentRead": True}
        keys: list[tuple[str, str]] = []
        while True:
            resp = await self._db.scan(**kwargs)
            for raw in resp.get("Items", []):
                item = from_item(raw)
                keys.append((item.get("createdAt", ""), item["eventId"]))
            if "LastEvaluatedKey" not in resp:
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        done = 0
        started = time.monotonic()
        for created, key in sorted(keys):
            if created > cutoff:
                continue
            try:
                done += await self.flush(key)
            except Exception:
                # One entry that cannot go out yet (LiveKit down, say) holds up no other.
                self._log.exception("outbox.flush_failed", key=key)
        if done:
            self._log.info(
                "outbox.swept", flushed=done, seconds=round(time.monotonic() - started, 3)
            )
        return done
