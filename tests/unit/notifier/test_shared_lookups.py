"""Every event asks two things — who is connected, was it pushed before? — in one call."""

from __future__ import annotations

import asyncio
from typing import Any

from services.notifier.connections import ConnectionStore


class RecordingDynamo:
    """Answers BatchGetItem from two tables' items; the first answer can leave keys over, as
    DynamoDB does under throttling."""

    def __init__(self, tables: dict[str, dict[str, dict[str, Any]]], leave_over: int = 0) -> None:
        self.tables = tables
        self.requests: list[dict[str, Any]] = []
        self._leave_over = leave_over

    async def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(RequestItems)
        responses: dict[str, list[Any]] = {}
        unprocessed: dict[str, Any] = {}
        for table, ask in RequestItems.items():
            keys = list(ask["Keys"])
            if self._leave_over:
                left, keys = keys[: self._leave_over], keys[self._leave_over :]
                unprocessed[table] = {**ask, "Keys": left}
                self._leave_over = 0
            for key in keys:
                (value,) = (v["S"] for v in key.values())
                if value in self.tables[table]:
                    responses.setdefault(table, []).append(self.tables[table][value])
        return {"Responses": responses, "UnprocessedKeys": unprocessed}


def _store(db: RecordingDynamo) -> ConnectionStore:
    return ConnectionStore(db, "connections", handled_table="handled")  # type: ignore[arg-type]


TABLES: dict[str, dict[str, dict[str, Any]]] = {
    "connections": {
        "ann": {"userId": {"S": "ann"}, "connectionIds": {"SS": ["a2", "a1"]}},
    },
    "handled": {"e-old": {"eventId": {"S": "e-old"}}},
}


async def test_connections_and_the_pushed_before_marker_are_read_in_one_call() -> None:
    db = RecordingDynamo(TABLES)
    store = _store(db)

    answers = await asyncio.gather(
        store.of("ann"), store.of("ben"), store.seen("e-old"), store.seen("e-new")
    )

    assert list(answers) == [("a1", "a2"), (), True, False]
    assert len(db.requests) == 1
    (request,) = db.requests
    assert sorted(request) == ["connections", "handled"]
    assert all(ask["ConsistentRead"] for ask in request.values())


async def test_keys_left_over_by_a_throttled_call_are_read_again() -> None:
    db = RecordingDynamo(TABLES, leave_over=1)
    store = _store(db)

    assert list(await asyncio.gather(store.seen("e-old"), store.of("ann"))) == [
        True,
        ("a1", "a2"),
    ]
    assert len(db.requests) == 2


async def test_a_store_without_the_marker_table_only_reads_connections() -> None:
    db = RecordingDynamo(TABLES)
    store = ConnectionStore(db, "connections")  # type: ignore[arg-type]

    assert await store.of("ann") == ("a1", "a2")
    assert list(db.requests[0]) == ["connections"]
