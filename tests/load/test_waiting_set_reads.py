"""The matcher's DynamoDB read units per join as the crowd waiting in one pool grows.

A pool of N people waiting (en → es, nobody for them yet), then a few more joining the same
pool (they wait too: no tandem partner): every read the matcher's DynamoDB client makes while
it handles those joins is weighed as DynamoDB bills it (1 unit per 4 KB of items for a strongly
consistent read, per response; half for an eventual one), from the items it returned. Prints
units per join at each N beside the figures the code before the partitioned waiting set gave
(every look read the whole set: 10 / 88 / 876 at 100 / 1,000 / 10,000) and the capacity
model's (`services.capacity.costs.waiting_read`), and asserts they stay flat (within 20 %).

N = 100 and 1,000 by default (seconds); 10,000 takes minutes against the embedded AWS (the
filling, not the looks):

    PARLEY_WAITING_SIZES=100,1000,10000 .venv/bin/pytest tests/load/test_waiting_set_reads.py -q -s
"""

from __future__ import annotations

import asyncio
import math
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.capacity.costs import waiting_read
from services.matcher.tables.waiting_layout import Layout
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item
from services.wire.tables.matcher import WAITING
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, matcher, settings_for
from tests.load.bench import report

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]  # 10,000: minutes

SIZES = tuple(int(n) for n in os.environ.get("PARLEY_WAITING_SIZES", "100,1000").split(","))
JOINS = 2  # per size, that wait
BEFORE = {100: 10.0, 1000: 88.0, 10000: 876.0}  # units per waiting join, whole-set reads


def item_size(attrs: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: names plus values (numbers roughly)."""
    return sum(len(name.encode()) + _value_size(v) for name, v in attrs.items())


def _value_size(v: dict[str, Any]) -> int:
    ((kind, raw),) = v.items()
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        return len(str(raw).lstrip("-").replace(".", "")) // 2 + 1
    if kind in ("SS", "NS"):
        return sum(len(str(x).encode()) for x in raw)
    if kind == "L":
        return 3 + sum(1 + _value_size(x) for x in raw)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_size(x) for k, x in raw.items())
    return 1


@dataclass
class Units:
    """Read units of the matcher's DynamoDB calls, per table."""

    by_table: dict[str, float] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)  # reads finished, per table

    def params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["parley_params"] = params

    def after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        params = context.get("parley_params") or {}
        strong = 1.0 if params.get("ConsistentRead") else 0.5
        op = model.name
        if op in ("Query", "Scan"):
            table = params.get("TableName", "?")
            if "LastEvaluatedKey" not in parsed:  # a look's last page (past 1 MB: more)
                self.queries[table] = self.queries.get(table, 0) + 1
            size = sum(item_size(i) for i in parsed.get("Items", []))
            self._add(params.get("TableName", "?"), max(1, math.ceil(size / 4096)) * strong)
        elif op == "GetItem":
            size = item_size(parsed.get("Item", {}))
            self._add(params.get("TableName", "?"), max(1, math.ceil(size / 4096)) * strong)
        elif op == "BatchGetItem":
            for table, items in parsed.get("Responses", {}).items():
                for i in items:
                    self._add(table, max(1, math.ceil(item_size(i) / 4096)) * 0.5)

    def _add(self, table: str, units: float) -> None:
        self.by_table[table] = self.by_table.get(table, 0.0) + units

    def total(self) -> float:
        return sum(self.by_table.values())


@pytest.fixture
def units(monkeypatch: pytest.MonkeyPatch) -> Units:
    u = Units()
    original = Aws.__aenter__

    async def opened(self: Aws) -> Aws:
        await original(self)
        self.dynamodb.meta.events.register("before-parameter-build.dynamodb.*", u.params)
        self.dynamodb.meta.events.register("after-call.dynamodb.*", u.after)
        return self

    monkeypatch.setattr(Aws, "__aenter__", opened)
    return u


def _waiting_items(n: int, now_ms: int) -> list[dict[str, Any]]:
    """A ticket's waiting items as `waitlist.put` writes them (its home and its copies)."""
    item = _waiting_item(n, now_ms)
    filed = Layout().filed(str(item["ticketId"]["S"]), ["en"], ["es"])  # the matcher's default
    return [item | to_item({"shard": s, "filed": filed}) for s in filed]


def _waiting_item(n: int, now_ms: int) -> dict[str, Any]:
    """A waiting item as `waitlist.put` writes it, with ids as long as real ones (UUIDs,
    Cognito subs)."""
    return to_item(
        {
            "shard": "0",
            "ticketId": str(uuid.uuid4()),
            "userId": str(uuid.uuid4()),
            "speaks": ["en"],
            "learns": ["es"],
            "sinceMs": now_ms + n,
            "minutes": 15,
            "pool": "en-es",
            "lookingFor": "tandem",
            "expiresAt": now_ms // 1000 + 86_400,
        }
    )


ITEM_B = item_size(_waiting_item(0, 1_796_000_000_000))


async def _fill(aws: Aws, table: str, start: int, stop: int) -> None:
    now_ms = int(time.time() * 1000)
    items = [i for n in range(start, stop) for i in _waiting_items(n, now_ms)]
    for chunk in range(0, len(items), 25):
        requests: list[Any] = [{"PutRequest": {"Item": i}} for i in items[chunk : chunk + 25]]
        await aws.dynamodb.batch_write_item(RequestItems={table: requests})


async def test_read_units_per_join_stay_flat_as_the_pool_grows(
    stack: Stack, aws: Aws, units: Units
) -> None:
    # The sweep (every second) and the reconciler's TTL refresher (every 10 s) read the set
    # per instance, not per join: off here.
    settings = settings_for(stack, pool_sweep_s=0, reconcile_s=3600)
    rows: dict[str, float | str] = {}
    waits: dict[int, float] = {}
    async with matcher(aws, settings) as m:
        waiting = WAITING.name(settings.name_prefix)
        await asyncio.sleep(1.0)  # start-up reads are not per join
        filled, looks = 0, 0
        for size in SIZES:
            await _fill(aws, waiting, filled, size)
            filled = size
            before = units.by_table.get(waiting, 0.0)
            for _ in range(JOINS):
                ticket = str(uuid.uuid4())
                await m.send(*join(str(uuid.uuid4()), ticket, ("en",), ("es",)))
                await m.notifier.wait_for("ticket.waiting", ticket_id=ticket, timeout_s=600)
                looks += 2
                await _looked(units, waiting, looks=looks)  # its second look comes after
            waits[size] = (units.by_table.get(waiting, 0.0) - before) / JOINS
            was = BEFORE.get(size)
            rows[f"{size:>6,} waiting: read units per join that waits"] = (
                f"{waits[size]:,.1f} (model: {2 * waiting_read(0):,.1f}; "
                f"before: {f'{was:,.0f}' if was else '-'}, every look reading all)"
            )
    report("Matcher read units per join as one pool's crowd grows", rows)
    first = SIZES[0]
    for size in SIZES:
        # Its own partition's mirror holds nobody: two looks at an empty page.
        assert waits[size] == pytest.approx(2 * waiting_read(0), rel=0.2)
        # Flat: the crowd does not change what a join costs.
        assert waits[size] == pytest.approx(waits[first], rel=0.2)


async def _looked(units: Units, table: str, looks: int, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while units.queries.get(table, 0) < looks:
        assert time.monotonic() < deadline, f"{looks} reads of {table} not seen"
        await asyncio.sleep(0.1)
