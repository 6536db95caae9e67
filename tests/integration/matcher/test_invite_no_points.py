"""An invite whose invitee has no points left is over at once: the inviter is told and freed
the moment the ledger refuses the invitee's Accept, not when the minute runs out."""

from __future__ import annotations

import time

from services.runtime.aws import Aws
from services.wire.events.common import Profile
from services.wire.events.ledger import InviteAcceptFunded, InviteAcceptRejected, InviteFunded
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.matcher.helpers import Matcher, matcher, settings_for

ALICE = Profile(name="Alice", speaks=("en",), learns=("es",))


def _invite(invite_id: str, to: str) -> InviteFunded:
    return InviteFunded(
        invite_id=invite_id, from_user_id="alice", to_user_id=to, from_profile=ALICE, minutes=15
    )


async def _open(m: Matcher, invite_id: str, to: str) -> None:
    await m.send(_invite(invite_id, to))
    await m.notifier.wait_for("invite.opened", invite_id=invite_id)


async def test_an_accept_refused_for_no_points_cancels_the_invite_at_once(
    stack: Stack, aws: Aws
) -> None:
    # A long timeout: only the refusal can close the invite within this test.
    async with matcher(aws, settings_for(stack, invite_timeout_s=600)) as m:
        await _open(m, "i1", "bob")
        pressed = time.monotonic()
        await m.send(InviteAcceptRejected(invite_id="i1", user_id="bob", reason="no_points"))
        (cancelled,) = await m.ledger.wait_for("invite.cancelled", invite_id="i1", timeout_s=10)
        waited = time.monotonic() - pressed
        told = await m.notifier.wait_for("invite.cancelled", invite_id="i1")

    assert cancelled.reason == "no_points"
    assert (cancelled.from_user_id, cancelled.to_user_id) == ("alice", "bob")
    assert told[0].reason == "no_points"  # the notifier tells both, the inviter included
    assert waited < 10
    item = await m.item(tables.INVITES, inviteId="i1")
    assert item is not None
    assert (item["status"], item["reason"]) == ("cancelled", "no_points")
    assert await m.state("alice") == "free"  # free to invite someone else now


async def test_an_accept_refused_while_busy_leaves_the_invite_open(stack: Stack, aws: Aws) -> None:
    async with matcher(aws, settings_for(stack, invite_timeout_s=600)) as m:
        await _open(m, "i2", "carol")
        # One invite's messages share a FIFO group: the accept below is handled after these.
        await m.send(
            InviteAcceptRejected(invite_id="i2", user_id="carol", reason="already_waiting"),
            # Someone else's refusal changes nothing about an invite that is not theirs.
            InviteAcceptRejected(invite_id="i2", user_id="mallory", reason="no_points"),
            InviteAcceptFunded(invite_id="i2", user_id="carol", minutes=10),
        )
        (started,) = await m.notifier.wait_for("session.started", invite_id="i2")

    assert {p.user_id for p in started.participants} == {"alice", "carol"}
    assert not m.ledger.of("invite.cancelled", invite_id="i2")
