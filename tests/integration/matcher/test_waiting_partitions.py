"""The waiting set filed where partners look: a look reads one page per partition, oldest
first, however many wait, and still finds a partner whose search widened with time."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from services.matcher.core.waiting import Level, Relax, Waiting
from services.matcher.tables import waitlist
from services.matcher.tables.waiting_layout import Layout
from services.matcher.tables.waitlist import PAGE, Waitlist
from services.runtime.aws import Aws
from services.runtime.dynamo import transact
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, matcher, settings_for, users_of

RELAX = Relax(one_sided_s=10, anyone_s=30)


async def _wait(
    aws: Aws,
    ticket: str,
    speaks: tuple[str, ...],
    learns: tuple[str, ...],
    since: float,
) -> None:
    w = Waiting(ticket, f"u-{ticket}", speaks, learns, since)
    now = datetime.now(UTC)
    await transact(
        aws.dynamodb,
        waitlist.put(aws.table(tables.WAITING.logical), Layout(), w, "d", now, "tandem"),
    )


async def test_a_look_reads_the_oldest_page_of_its_partners_partition_however_many_wait(
    stack: Stack, aws: Aws
) -> None:
    now = time.time()
    for i in range(3 * PAGE):
        await _wait(aws, f"w{i:03d}", ("en",), ("es",), now - 100 + i)
    wl = Waitlist(aws.dynamodb, aws.table(tables.WAITING.logical))

    seen = await wl.look(("es",), ("en",), Level.TANDEM, now, RELAX)

    assert [e.ticket_id for e in seen] == [f"w{i:03d}" for i in range(PAGE)]
    # Its own side's partition holds nobody it could take: an empty page.
    assert await wl.look(("en",), ("es",), Level.TANDEM, now, RELAX) == []
    # The whole set (the sweep's read) still has everyone, once.
    assert len(await wl.read()) == 3 * PAGE


async def test_a_one_sided_look_takes_tandem_tickets_only_once_their_search_widened(
    stack: Stack, aws: Aws
) -> None:
    now = time.time()
    await _wait(aws, "old", ("en",), ("es",), now - 20)
    await _wait(aws, "new", ("en",), ("es",), now - 1)
    wl = Waitlist(aws.dynamodb, aws.table(tables.WAITING.logical))

    seen = await wl.look((), ("en",), Level.ONE_SIDED, now, RELAX)

    assert [e.ticket_id for e in seen] == ["old"]


async def test_someone_with_one_list_is_paired_at_once_with_a_ticket_whose_search_widened(
    stack: Stack, aws: Aws
) -> None:
    # No sweep: the join's own look has to find the partner in the base partitions.
    settings = settings_for(stack, pool_sweep_s=0, relax_one_sided_s=1, relax_anyone_s=60)
    async with matcher(aws, settings) as m:
        await m.send(*join("ana", "t-ana", ("en",), ("es",)))
        await m.notifier.wait_for("ticket.waiting", ticket_id="t-ana")
        await asyncio.sleep(1.2)  # ana now takes one-sided pairs
        await m.send(*join("bob", "t-bob", ("es",), ()))
        (started,) = await m.notifier.wait_for("session.started", timeout_s=15)
        assert users_of(started.participants) == {"ana", "bob"}


def _filed_away_from_split_0(layout: Layout) -> str:
    """A ticket id whose home and base copy are both past split 0 under `layout`."""
    return next(
        t
        for t in (f"t-ana-{i}" for i in range(100))
        if all(not p.endswith("0") for p in layout.filed(t, (), ()))
    )


async def test_those_waiting_when_the_split_count_changes_are_still_found_and_paired(
    stack: Stack, aws: Aws
) -> None:
    """A stack resized from 4 splits to 1 with the old count named (`waiting_partitions_also_read`):
    someone who waited under 4 is found by the next join's own look (no sweep), paired, and
    every item of theirs, wherever it was filed, leaves the waiting set with the pairing."""
    wide = Layout(4)
    ana = _filed_away_from_split_0(wide)
    before = settings_for(stack, pool_sweep_s=0, waiting_partitions=4)
    async with matcher(aws, before) as m:
        await m.send(*join("ana", ana))
        await m.notifier.wait_for("ticket.waiting", ticket_id=ana)
    table = aws.table(tables.WAITING.logical)
    items = (await aws.dynamodb.scan(TableName=table, ConsistentRead=True))["Items"]
    assert {i["shard"]["S"] for i in items if i["ticketId"]["S"] == ana} == set(
        wide.filed(ana, (), ())
    )

    after = settings_for(
        stack, pool_sweep_s=0, waiting_partitions=1, waiting_partitions_also_read=4
    )
    async with matcher(aws, after) as m:
        await m.send(*join("bob", "t-bob"))
        (started,) = await m.notifier.wait_for("session.started", timeout_s=15)
        assert users_of(started.participants) == {"ana", "bob"}
    left = (await aws.dynamodb.scan(TableName=table, ConsistentRead=True))["Items"]
    assert [i for i in left if i["ticketId"]["S"] in (ana, "t-bob")] == []
