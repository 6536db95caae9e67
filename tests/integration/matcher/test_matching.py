"""Pairing through the bus: joins, cancels, races and duplicates on the embedded AWS."""

from __future__ import annotations

from collections.abc import Awaitable

from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.wire.events.gateway import TicketCancelRequested, UserBlocked, UserUnblocked
from services.wire.names import Service
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.matcher.helpers import join, matcher, settings_for, users_of


async def test_two_people_join_and_get_one_session_with_one_end_time(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(*join("alice", "ta", ("en",), ("es",), minutes=15))
        await m.notifier.wait_for("ticket.waiting", ticket_id="ta")
        await m.send(*join("bob", "tb", ("es",), ("en",), minutes=9))
        (started,) = await m.notifier.wait_for("session.started")
        (for_ledger,) = await m.ledger.wait_for("session.started")

    assert users_of(started.participants) == {"alice", "bob"}
    assert started.participants[0].user_id == "alice"  # waited longer: the offerer
    assert (started.ends_at - started.starts_at).total_seconds() == 9 * 60  # min(15, 9, cap)
    assert started.room == started.session_id
    assert started.media_mode == "direct"
    assert for_ledger.id == started.id
    assert for_ledger.ends_at == started.ends_at
    session = await m.item(tables.SESSIONS, sessionId=started.session_id)
    assert session is not None
    assert session["status"] == "live"
    assert session["endsAt"].startswith(started.ends_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert session["userIds"] == ["alice", "bob"]
    assert started.limited_by == ("bob",)  # bob's 9 minutes set the length
    assert session["limitedBy"] == ["bob"]
    for user, ticket in (("alice", "ta"), ("bob", "tb")):
        person = await m.item(tables.PEOPLE, userId=user)
        assert person is not None
        assert (person["state"], person["sessionId"]) == ("in_session", started.session_id)
        t = await m.item(tables.TICKETS, ticketId=ticket)
        assert t is not None
        assert t["status"] == "matched"
        assert "waitingPool" not in t
        rows = await m.aws.dynamodb.query(
            TableName=m.aws.table("matcher-history"),
            KeyConditionExpression="userId = :u",
            ExpressionAttributeValues={":u": {"S": user}},
        )
        assert [r["sessionId"]["S"] for r in rows["Items"]] == [started.session_id]


async def test_cancel_before_funding_cancels_once_and_the_late_funding_changes_nothing(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        requested, funded = join("alice", "ta")
        await m.send(requested, TicketCancelRequested(ticket_id="ta", user_id="alice"))
        await m.ledger.wait_for("ticket.cancelled", ticket_id="ta")
        await m.send(funded)
        # A later join in the same pool (same message group) proves the funding was handled.
        await m.send(*join("sentinel", "ts"))
        await m.notifier.wait_for("ticket.waiting", ticket_id="ts")

    assert len(m.ledger.of("ticket.cancelled")) == 1  # the hold is released once
    assert len(m.notifier.of("ticket.cancelled")) == 1
    assert not m.notifier.of("ticket.waiting", ticket_id="ta")
    ticket = await m.item(tables.TICKETS, ticketId="ta")
    assert ticket is not None
    assert ticket["status"] == "cancelled"
    assert await m.state("alice") == "free"


async def test_leaving_the_queue_while_waiting_frees_the_person_and_the_pool(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(*join("alice", "ta", ("en",), ("es",)))
        await m.notifier.wait_for("ticket.waiting", ticket_id="ta")
        await m.send(TicketCancelRequested(ticket_id="ta", user_id="alice"))
        await m.ledger.wait_for("ticket.cancelled", ticket_id="ta")
        await m.send(*join("bob", "tb", ("es",), ("en",)))  # alice's tandem partner, too late
        await m.notifier.wait_for("ticket.waiting", ticket_id="tb")

    assert not m.notifier.of("session.started")
    assert await m.state("alice") == "free"
    assert await m.state("bob") == "waiting"
    ticket = await m.item(tables.TICKETS, ticketId="ta")
    assert ticket is not None
    assert ticket["status"] == "cancelled"
    assert "waitingPool" not in ticket


async def test_a_blocked_pair_is_not_paired_but_a_third_person_is(stack: Stack, aws: Aws) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(UserBlocked(user_id="alice", blocked_user_id="bob"))
        await m.send(*join("bob", "tb", ("es",), ("en",)))
        await m.notifier.wait_for("ticket.waiting", ticket_id="tb")
        await m.send(*join("alice", "ta", ("en",), ("es",)))
        await m.notifier.wait_for("ticket.waiting", ticket_id="ta")
        await m.send(*join("carol", "tc", ("es",), ("en",)))
        (started,) = await m.notifier.wait_for("session.started")

    assert users_of(started.participants) == {"alice", "carol"}
    assert await m.state("bob") == "waiting"


async def test_a_lifted_block_frees_the_pair_only_once_neither_blocks(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(
            UserBlocked(user_id="alice", blocked_user_id="bob"),
            UserBlocked(user_id="bob", blocked_user_id="alice"),
            UserUnblocked(user_id="alice", unblocked_user_id="bob"),
        )
        row = tables.PAIRS

        async def blocked_by() -> set[str]:
            item = await m.item(row, userId="alice", otherUserId="bob") or {}
            return set(item.get("blockedBy", ())) if item.get("blocked") else set()

        await eventually(lambda: _is(blocked_by(), {"bob"}))
        await m.send(UserUnblocked(user_id="bob", unblocked_user_id="alice"))
        await eventually(lambda: _is(blocked_by(), set()))
        await m.send(*join("bob", "tb", ("es",), ("en",)), *join("alice", "ta", ("en",), ("es",)))
        (started,) = await m.notifier.wait_for("session.started")
    assert users_of(started.participants) == {"alice", "bob"}


async def _is(value: Awaitable[set[str]], expected: set[str]) -> bool:
    return await value == expected


async def test_waiting_longer_widens_the_search_and_says_so(stack: Stack, aws: Aws) -> None:
    # Timer delays are whole seconds (rounded up): keep the two steps apart.
    settings = settings_for(stack, relax_one_sided_s=1.0, relax_anyone_s=3.0)
    async with matcher(aws, settings) as m:
        await m.send(*join("alice", "ta", ("en",), ("es",)))
        await m.send(*join("bob", "tb", ("de",), ("fr",)))  # nothing in common at all
        await m.notifier.wait_for("ticket.waiting", 2)
        (started,) = await m.notifier.wait_for("session.started", timeout_s=20)

    assert users_of(started.participants) == {"alice", "bob"}
    for ticket in ("ta", "tb"):
        looking = [e.looking_for for e in m.notifier.of("ticket.waiting", ticket_id=ticket)]
        assert looking[:2] == ["tandem", "one_sided"]  # and at "anyone" they met


async def test_a_restarted_matcher_pairs_with_whoever_waited_before_it(
    stack: Stack, aws: Aws
) -> None:
    settings = settings_for(stack)
    async with matcher(aws, settings) as first:
        await first.send(*join("alice", "ta", ("en",), ("es",)))
        await first.notifier.wait_for("ticket.waiting", ticket_id="ta")
    async with matcher(aws, settings) as second:
        await second.send(*join("bob", "tb", ("es",), ("en",)))
        (started,) = await second.notifier.wait_for("session.started")
    assert users_of(started.participants) == {"alice", "bob"}


async def test_two_matchers_and_two_joins_at_once_put_nobody_in_two_sessions(
    stack: Stack, aws: Aws
) -> None:
    # Everyone suits everyone at once, and carol waits when two instances start.
    settings = settings_for(stack, relax_one_sided_s=0.0, relax_anyone_s=0.0)
    async with matcher(aws, settings) as one:
        await one.send(*join("carol", "tc"))
        await one.notifier.wait_for("ticket.waiting", ticket_id="tc")
        async with matcher(aws, settings, watch=False):
            ra, fa = join("alice", "ta", ("en",), ("es",))
            rb, fb = join("bob", "tb", ("fr",), ("de",))
            await one.send(ra, rb)
            # Both fundings in one batch: different pools, so both instances take one each.
            await publisher(aws, Service.LEDGER).publish_many([fa, fb])
            await one.notifier.wait_for("session.started")
            await one.notifier.wait_for("ticket.waiting", 2)  # carol, and the one left over

    sessions = await one.scan(tables.SESSIONS)
    assert len(sessions) == 1
    (started,) = one.notifier.of("session.started")
    pair = users_of(started.participants)
    assert "carol" in pair
    assert pair & {"alice", "bob"}
    (left_over,) = {"alice", "bob"} - pair
    assert await one.state(left_over) == "waiting"
    for user in pair:
        assert await one.state(user) == "in_session"
