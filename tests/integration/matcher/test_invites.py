"""Invites through the bus: open, accept, decline, withdraw, expire, refuse."""

from __future__ import annotations

from services.runtime.aws import Aws
from services.wire.events.common import Profile, accept_hold_id
from services.wire.events.gateway import (
    InviteCancelRequested,
    InviteDeclineRequested,
    UserBlocked,
)
from services.wire.events.ledger import InviteAcceptFunded, InviteFunded
from services.wire.events.timers import InviteExpiryDue
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.matcher.helpers import Matcher, join, matcher, settings_for

ALICE = Profile(name="Alice", speaks=("en",), learns=("es",))


def invite(invite_id: str, to: str = "bob", minutes: int = 15) -> InviteFunded:
    return InviteFunded(
        invite_id=invite_id,
        from_user_id="alice",
        to_user_id=to,
        from_profile=ALICE,
        minutes=minutes,
    )


def accept(invite_id: str, user: str = "bob", minutes: int = 10) -> InviteAcceptFunded:
    return InviteAcceptFunded(invite_id=invite_id, user_id=user, minutes=minutes)


async def _open(m: Matcher, invite_id: str, to: str = "bob") -> None:
    await m.send(invite(invite_id, to))
    await m.notifier.wait_for("invite.opened", invite_id=invite_id)


async def test_an_accepted_invite_starts_a_session_like_a_match(stack: Stack, aws: Aws) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await _open(m, "i1")
        (opened,) = m.notifier.of("invite.opened")
        pending = await m.item(tables.INVITES, inviteId="i1")
        inviter_state = await m.state("alice")
        await m.send(accept("i1"))
        (started,) = await m.notifier.wait_for("session.started")

    assert opened.from_profile == ALICE
    assert (opened.expires_at - opened.occurred_at).total_seconds() >= 59
    assert pending is not None
    assert pending["status"] == "pending"
    assert pending["fromProfile"]["name"] == "Alice"
    assert inviter_state == "inviting"
    assert (started.origin, started.invite_id) == ("invite", "i1")
    assert [(p.user_id, p.hold_id) for p in started.participants] == [
        ("alice", "i1"),
        ("bob", accept_hold_id("i1")),
    ]
    assert (started.ends_at - started.starts_at).total_seconds() == 10 * 60
    accepted = await m.item(tables.INVITES, inviteId="i1")
    assert accepted is not None
    assert (accepted["status"], accepted["sessionId"]) == ("accepted", started.session_id)
    assert await m.state("alice") == "in_session"
    assert await m.state("bob") == "in_session"


async def test_an_invite_accepted_after_its_deadline_is_refused_and_expires(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await _open(m, "i1")
        m.clock.advance(61)
        await m.send(accept("i1"))
        (refused,) = await m.ledger.wait_for("invite.accept_refused")
        (expired,) = await m.ledger.wait_for("invite.expired")
        # The expiry timer comes afterwards and finds nothing left to do.
        await m.fire(InviteExpiryDue(invite_id="i1", due_at=m.clock.now()))
        await m.send(invite("i2"))  # same inviter, free again
        await m.notifier.wait_for("invite.opened", invite_id="i2")

    assert (refused.user_id, refused.reason) == ("bob", "expired")
    assert (expired.from_user_id, expired.to_user_id) == ("alice", "bob")
    assert not m.notifier.of("session.started")
    assert len(m.notifier.of("invite.expired")) == 1
    item = await m.item(tables.INVITES, inviteId="i1")
    assert item is not None
    assert item["status"] == "expired"


async def test_an_invite_nobody_answers_expires_on_its_timer(stack: Stack, aws: Aws) -> None:
    async with matcher(aws, settings_for(stack, invite_timeout_s=5)) as m:
        await _open(m, "i1")
        (expired,) = await m.ledger.wait_for("invite.expired", timeout_s=20)
    assert expired.invite_id == "i1"
    assert await m.state("alice") == "free"


async def test_declining_and_withdrawing_close_the_invite_and_free_the_inviter(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await _open(m, "i1")
        await m.send(InviteDeclineRequested(invite_id="i1", user_id="bob"))
        await m.ledger.wait_for("invite.declined", invite_id="i1")
        await _open(m, "i2", to="carol")
        await m.send(InviteCancelRequested(invite_id="i2", user_id="alice"))
        (withdrawn,) = await m.ledger.wait_for("invite.cancelled", invite_id="i2")
        await m.send(accept("i2", user="carol"))  # too late: it was withdrawn
        (refused,) = await m.ledger.wait_for("invite.accept_refused", invite_id="i2")

    assert withdrawn.reason == "withdrawn"
    assert refused.reason == "not_pending"
    assert await m.state("alice") == "free"
    assert not m.notifier.of("session.started")


async def test_an_invite_to_someone_busy_or_who_blocked_the_inviter_is_refused(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(*join("bob", "tb"))  # bob is waiting for a match
        await m.notifier.wait_for("ticket.waiting", ticket_id="tb")
        await m.send(invite("i1", to="bob"))
        (busy,) = await m.ledger.wait_for("invite.cancelled", invite_id="i1")
        await m.send(UserBlocked(user_id="carol", blocked_user_id="alice"))
        await m.send(invite("i2", to="carol"))
        (blocked,) = await m.ledger.wait_for("invite.cancelled", invite_id="i2")

    assert busy.reason == "busy"
    assert blocked.reason == "blocked"
    assert not m.notifier.of("invite.opened")
    assert await m.state("alice") == "free"


async def test_an_invite_withdrawn_before_it_was_funded_is_released_once_funded(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(InviteCancelRequested(invite_id="i1", user_id="alice"))

        async def tombstone() -> bool:
            return await m.item(tables.INVITES, inviteId="i1") is not None

        await eventually(tombstone)
        await m.send(invite("i1"), invite("i1"))
        (cancelled,) = await m.ledger.wait_for("invite.cancelled", invite_id="i1")

    assert cancelled.reason == "withdrawn"
    assert not m.notifier.of("invite.opened")
    assert await m.state("alice") == "free"


async def test_accepting_one_invite_closes_the_others_waiting_for_either_person(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await _open(m, "i1")  # alice → bob
        await m.send(
            InviteFunded(
                invite_id="i2",
                from_user_id="carol",
                to_user_id="bob",
                from_profile=Profile(name="Carol"),
                minutes=15,
            )
        )
        await m.notifier.wait_for("invite.opened", invite_id="i2")
        await m.send(accept("i1"))
        await m.notifier.wait_for("session.started")
        (other,) = await m.ledger.wait_for("invite.cancelled", invite_id="i2")

    assert other.reason == "accepted_elsewhere"
    assert await m.state("carol") == "free"
