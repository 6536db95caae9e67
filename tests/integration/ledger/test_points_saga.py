"""The points saga through the real bus on the embedded AWS: funding, refusals, settlement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.runtime.aws import Aws
from services.wire.events.common import accept_hold_id
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.ledger.helpers import (
    inbox_empty,
    running_ledger,
    send,
    store,
    summary,
    told,
    until_summary,
)
from tests.unit.ledger import builders as b


async def test_a_join_is_funded_to_its_pool_and_me_reads_the_summary_in_one_get(
    stack: Stack, aws: Aws
) -> None:
    async with running_ledger(stack):
        await send(aws, b.ticket("t1", "ana"))
        item = await until_summary(aws, "ana", held=15)
    assert item["allowance"] == 15
    assert item["charged"] == 0
    assert (item["activeHoldId"], item["activeKind"]) == ("t1", "ticket")
    to_matcher = await told(aws, Service.MATCHER)
    funded = [e for e in to_matcher if e.TYPE == "ticket.funded"]
    assert [(e.ticket_id, e.minutes, e.speaks, e.learns) for e in funded] == [
        ("t1", 15, ("en",), ("es",))
    ]
    to_notifier = await told(aws, Service.NOTIFIER)
    changed = [e for e in to_notifier if e.TYPE == "points.changed"]
    assert [(e.user_id, e.left, e.used, e.held) for e in changed] == [("ana", 0, 0, 15)]


async def test_one_point_left_buys_at_most_one_minute_and_then_no_points(
    stack: Stack, aws: Aws
) -> None:
    now = datetime.now(UTC)
    async with running_ledger(stack):
        await send(aws, b.ticket("t1", "ana"), b.ticket("t2", "bo"))
        await until_summary(aws, "bo", held=15)
        await until_summary(aws, "ana", held=15)
        first = b.started("s1", [("ana", "t1"), ("bo", "t2")], now)
        await send(aws, first, b.ended(first, timedelta(minutes=13, seconds=30)))
        await until_summary(aws, "ana", charged=14, held=0)
        # One point left: the next session is funded for one minute and costs one.
        await send(aws, b.ticket("t3", "ana"), b.ticket("t4", "cy"))
        await until_summary(aws, "ana", held=1)
        await until_summary(aws, "cy", held=15)
        second = b.started("s2", [("ana", "t3"), ("cy", "t4")], now, minutes=1)
        await send(aws, second, b.ended(second, timedelta(minutes=6)))
        await until_summary(aws, "ana", charged=15, held=0)
        # Nothing left.
        await send(aws, b.ticket("t5", "ana"))
        await inbox_empty(aws)
    funded = [e for e in await told(aws, Service.MATCHER) if e.TYPE == "ticket.funded"]
    assert sorted((e.ticket_id, e.minutes) for e in funded if e.user_id == "ana") == [
        ("t1", 15),
        ("t3", 1),
    ]
    rejected = [e for e in await told(aws, Service.NOTIFIER) if e.TYPE == "ticket.rejected"]
    assert [(e.ticket_id, e.reason) for e in rejected] == [("t5", "no_points")]
    cy = await summary(aws, "cy")
    assert (cy["charged"], cy["held"]) == (1, 0)


@pytest.mark.parametrize("cancel_first", [True, False], ids=["cancel_first", "request_first"])
async def test_join_and_its_cancel_in_either_order_release_the_hold_exactly_once(
    stack: Stack, aws: Aws, cancel_first: bool
) -> None:
    request, cancel = b.ticket("t1", "ana"), b.cancelled("t1", "ana")
    # Same FIFO group (the person's): the inbox keeps the order they were sent in.
    async with running_ledger(stack):
        await send(aws, *((cancel, request) if cancel_first else (request, cancel)))
        await inbox_empty(aws)
        await send(aws, cancel, request)  # and both once more, for good measure
        await inbox_empty(aws)
    day = datetime.now(UTC).date()
    entries = [e.key for e in await store(aws, stack).entries("ana", day)]
    to_matcher = await told(aws, Service.MATCHER)
    changed = {e.id: e for e in await told(aws, Service.NOTIFIER) if e.TYPE == "points.changed"}
    if cancel_first:
        assert entries == []
        assert to_matcher == []
        assert changed == {}
    else:
        assert sorted(entries) == ["hold#t1", "release#t1"]
        assert [e.TYPE for e in to_matcher] == ["ticket.funded"]
        assert sorted((c.held, c.left) for c in changed.values()) == [(0, 15), (15, 0)]
    after = await summary(aws, "ana")
    assert after.get("held", 0) == 0
    assert "activeHoldId" not in after


async def test_an_invite_holds_both_people_and_the_session_charges_both_once(
    stack: Stack, aws: Aws
) -> None:
    now = datetime.now(UTC)
    async with running_ledger(stack):
        await send(aws, b.invite("i1", "ana", "bo"), b.invite("i2", "cy", "dee"))
        await until_summary(aws, "ana", held=15)
        await until_summary(aws, "cy", held=15)
        await send(aws, b.accept("i1", "bo"), b.declined("i2", "cy", "dee"))
        await until_summary(aws, "bo", held=15)
        await until_summary(aws, "cy", held=0)
        start = b.started("s1", [("ana", "i1"), ("bo", accept_hold_id("i1"))], now)
        await send(aws, start)
        await until_summary(aws, "ana", activeKind="session")
        await send(aws, b.ended(start, timedelta(minutes=2, seconds=1)))
        ana = await until_summary(aws, "ana", charged=3, held=0)
        bo = await until_summary(aws, "bo", charged=3, held=0)
    assert "activeHoldId" not in ana
    assert "activeHoldId" not in bo
    to_matcher = {e.TYPE for e in await told(aws, Service.MATCHER)}
    assert to_matcher == {"invite.funded", "invite.accept_funded"}
