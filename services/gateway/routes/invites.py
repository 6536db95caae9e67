"""Invite someone online, answer an invite, withdraw one.

The inviter's points are held by the ledger before the matcher opens the invite; the invitee
sees `invite.received` live. Someone blocked either way is answered exactly as someone
offline. Someone with no points left today is answered at once (`invitee-unavailable`)
rather than sent an invite they could only fail to accept. Only the invitee may accept or
decline, only the inviter may withdraw; anyone else is told the invite does not exist.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from services.gateway.http.bodies import path_id
from services.gateway.http.problems import Problem
from services.gateway.http.spec import Call, Operation
from services.gateway.models import InviteCreated, InviteIn, InviteRef
from services.gateway.people.profiles import Profiles, first_name
from services.gateway.people.views import (
    day_of,
    display_name,
    invite_is_open,
    is_online,
    iso,
    just_minted,
    languages,
    points_left,
    state_of,
)
from services.gateway.safety.blocklist import BlockList
from services.wire.events import derive_id, new_id
from services.wire.events.common import Profile
from services.wire.events.gateway import (
    InviteAcceptRequested,
    InviteCancelRequested,
    InviteDeclineRequested,
    InviteRequested,
)

NOT_FOUND = "invite-not-found"


async def create_invite(call: Call) -> InviteCreated:
    body: InviteIn = call.body
    uid, reads, profiles = call.me.user_id, call.ctx.reads, Profiles(call.ctx.aws)
    if body.to == uid:
        raise Problem(400, "self-invite", "you cannot invite yourself")
    blocks = BlockList(call.ctx.aws.dynamodb, call.ctx.settings.name_prefix)
    # One round of reads whatever the answer, so a block cannot be told apart by the time
    # the answer takes either.
    profile, presence, invitee, their_day, between = await asyncio.gather(
        profiles.ensure(call.me, iso(call.now)),
        reads.presence(body.to),
        reads.person(body.to),
        reads.summary(body.to, day_of(call.now, call.ctx.settings.zone)),
        blocks.get(uid, body.to),
    )
    # A block either way reads exactly as "offline": nobody learns they were blocked, and a
    # blocked person cannot watch whether the one who blocked them is online.
    blocked = between is not None and (between.i_blocked or between.blocked_me)
    if blocked or not is_online(presence, call.now):
        raise Problem(409, "invitee-offline", "that person is not online")
    if state_of(invitee) != "free":
        raise Problem(409, "invitee-busy", "that person is busy right now")
    if points_left(their_day, call.ctx.settings.daily_points) <= 0:
        raise Problem(409, "invitee-unavailable", "that person has no points left today")
    invite_id = new_id()
    shown = Profile(
        name=display_name(profile) or first_name(call.me),
        speaks=languages(profile, "speaks"),
        learns=languages(profile, "learns"),
    )
    await call.ctx.publisher.publish(
        InviteRequested(
            id=derive_id("invite.requested", invite_id),
            invite_id=invite_id,
            from_user_id=uid,
            to_user_id=body.to,
            from_profile=shown,
        )
    )
    await profiles.remember(uid, "Invite", invite_id, iso(call.now))
    due = call.now + timedelta(seconds=call.ctx.settings.invite_timeout_s)
    return InviteCreated(invite_id=invite_id, expires_at=iso(due))


async def _invite_to_me(call: Call) -> str:
    invite_id = path_id(call.request, "invite", NOT_FOUND)
    invite = await call.ctx.reads.invite(invite_id)
    if not invite_is_open(invite, call.now) or (invite or {}).get("toUserId") != call.me.user_id:
        raise Problem(404, NOT_FOUND, "that invite is no longer open")
    return invite_id


async def accept_invite(call: Call) -> InviteRef:
    invite_id, uid = await _invite_to_me(call), call.me.user_id
    # Every press is an attempt with its own hold: one refused (no points yet, busy for a
    # moment) must not make the next one a duplicate of it.
    attempt = new_id()
    await call.ctx.publisher.publish(
        InviteAcceptRequested(
            id=derive_id(InviteAcceptRequested.TYPE, invite_id, uid, attempt),
            invite_id=invite_id,
            user_id=uid,
            attempt_id=attempt,
        )
    )
    return InviteRef(invite_id=invite_id)


async def decline_invite(call: Call) -> InviteRef:
    invite_id, uid = await _invite_to_me(call), call.me.user_id
    intent = InviteDeclineRequested
    await call.ctx.publisher.publish(
        intent(id=derive_id(intent.TYPE, invite_id, uid), invite_id=invite_id, user_id=uid)
    )
    return InviteRef(invite_id=invite_id)


async def withdraw_invite(call: Call) -> InviteRef:
    invite_id, uid = path_id(call.request, "invite", NOT_FOUND), call.me.user_id
    invite, profile = await asyncio.gather(
        call.ctx.reads.invite(invite_id), Profiles(call.ctx.aws).get(uid)
    )
    mine_and_open = invite_is_open(invite, call.now) and (invite or {}).get("fromUserId") == uid
    # Not opened yet (the ledger is still holding points): it exists only in our own record.
    just_sent = invite is None and just_minted(profile, "Invite", call.now) == invite_id
    if not (mine_and_open or just_sent):
        raise Problem(404, NOT_FOUND, "that invite is no longer open")
    await call.ctx.publisher.publish(
        InviteCancelRequested(
            id=derive_id("invite.cancel_requested", invite_id, uid),
            invite_id=invite_id,
            user_id=uid,
        )
    )
    return InviteRef(invite_id=invite_id)


_ANSWER_PROBLEMS = ((404, NOT_FOUND),)

OPERATIONS = (
    Operation(
        "POST",
        "/v1/invites",
        "Invite someone who is online",
        "invites",
        "createInvite",
        handler=create_invite,
        body=InviteIn,
        reply=InviteCreated,
        status=202,
        rule="invite",
        problems=(
            (400, "self-invite"),
            (409, "invitee-offline"),
            (409, "invitee-busy"),
            (409, "invitee-unavailable"),
        ),
        description="Publishes `invite.requested` with my profile; the invitee has "
        "`inviteTimeoutS` seconds to answer. `invitee-unavailable`: they have no points left "
        "today. Should they run out while the invite is open, it is cancelled at once "
        "(`invite.cancelled`, reason `no_points`).",
    ),
    Operation(
        "POST",
        "/v1/invites/{id}/accept",
        "Accept an invite sent to me",
        "invites",
        "acceptInvite",
        handler=accept_invite,
        reply=InviteRef,
        status=202,
        rule="answer",
        problems=_ANSWER_PROBLEMS,
    ),
    Operation(
        "POST",
        "/v1/invites/{id}/decline",
        "Decline an invite sent to me",
        "invites",
        "declineInvite",
        handler=decline_invite,
        reply=InviteRef,
        status=202,
        rule="answer",
        problems=_ANSWER_PROBLEMS,
    ),
    Operation(
        "DELETE",
        "/v1/invites/{id}",
        "Withdraw an invite I sent",
        "invites",
        "withdrawInvite",
        handler=withdraw_invite,
        reply=InviteRef,
        status=202,
        rule="answer",
        problems=_ANSWER_PROBLEMS,
    ),
)
