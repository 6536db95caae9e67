"""Invites: pending → accepted | declined | expired | cancelled.

The ledger holds the inviter's points before the matcher opens an invite (`invite.funded`)
and the invitee's before an accept reaches it (`invite.accept_funded`). Whatever does not
become a session is answered with an event the ledger releases on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Literal

from services.matcher.clock import iso
from services.matcher.context import MAX_ATTEMPTS, Matcher, component_log
from services.matcher.core.rules import closed_event, invite_deadline, plan_invite
from services.matcher.flows.sessions import (
    rearm_if_early,
    start_actions,
    start_entries,
    started_metrics,
)
from services.matcher.tables import outbox
from services.matcher.tables.invite_items import invite_closed, invite_opened, invite_recorded
from services.matcher.tables.items import person_is, person_to
from services.matcher.tables.outbox import Action
from services.matcher.tables.records import Invite
from services.runtime.dynamo import TransactionConflict, transact
from services.runtime.logs import metric
from services.runtime.retry import Contended
from services.wire.events.base import derive_id
from services.wire.events.gateway import InviteCancelRequested, InviteDeclineRequested
from services.wire.events.ledger import (
    InviteAcceptFunded,
    InviteAcceptRejected,
    InviteFunded,
    InviteRejected,
)
from services.wire.events.matcher import (
    InviteAcceptRefused,
    InviteCloseReason,
    InviteOpened,
)
from services.wire.events.timers import InviteExpiryDue

log = component_log("invites")
RefuseReason = Literal["expired", "not_pending", "in_session"]


async def close(
    m: Matcher,
    invite: Invite,
    status: str,
    marker: str,
    reason: InviteCloseReason = "withdrawn",
    extra: Sequence[Action] = (),
) -> bool:
    """pending → `status`; the inviter is free again. Raises TransactionConflict if the
    invite moved meanwhile."""
    now = m.now()
    inviter = await m.store.person(invite.from_user_id)
    items = [invite_closed(m.tables, invite.invite_id, "pending", status, now, reason=reason)]
    if inviter.state == "inviting" and inviter.invite_id == invite.invite_id:
        items.append(person_to(m.tables, inviter, "free", now))
    event = closed_event(invite.invite_id, invite.from_user_id, invite.to_user_id, status, reason)
    done = await m.commit(marker, items, [outbox.publish(event), *extra])
    if done:
        metric("InvitesClosed", 1, status=status, reason=reason, invite_id=invite.invite_id)
    return done


async def on_funded(m: Matcher, event: InviteFunded) -> None:
    """Open the invite if both are free and neither blocked the other; else refuse it."""
    for _ in range(MAX_ATTEMPTS):
        invite = await m.store.invite(event.invite_id)
        now = m.now()
        if invite is not None:
            if invite.status == "cancelled" and not invite.to_user_id:
                # Withdrawn before the ledger funded it: now that points are held, release.
                items = [
                    invite_closed(
                        m.tables,
                        event.invite_id,
                        "cancelled",
                        "cancelled",
                        now,
                        reason="withdrawn",
                        to_user=event.to_user_id,
                    )
                ]
                closing = closed_event(
                    event.invite_id, event.from_user_id, event.to_user_id, "cancelled", "withdrawn"
                )
                try:
                    await m.commit(event.id, items, [outbox.publish(closing)])
                except TransactionConflict:
                    continue
                return
            await m.flush_for(event.id)
            return
        inviter = await m.store.person(event.from_user_id)
        invitee = await m.store.person(event.to_user_id)
        deadline = invite_deadline(event.requested_at, now, m.settings.invite_timeout_s)
        reason: InviteCloseReason | None = None
        if deadline <= now:
            # Funded only after the time the inviter was told it expires (the ledger was down,
            # say): it never opens, and the hold is released at once.
            reason = "expired"
        elif event.from_user_id == event.to_user_id or not (inviter.free and invitee.free):
            reason = "busy"
        elif await m.store.blocked_between(event.from_user_id, event.to_user_id):
            reason = "blocked"
        if reason is not None:
            status = "expired" if reason == "expired" else "cancelled"
            items = [
                invite_recorded(
                    m.tables,
                    event.invite_id,
                    event.from_user_id,
                    event.to_user_id,
                    status,
                    reason,
                    now,
                )
            ]
            closing = closed_event(
                event.invite_id, event.from_user_id, event.to_user_id, status, reason
            )
            actions = [outbox.publish(closing)]
        else:
            items = [
                invite_opened(
                    m.tables,
                    event.invite_id,
                    event.from_user_id,
                    event.to_user_id,
                    event.from_profile,
                    event.minutes,
                    deadline,
                    now,
                ),
                person_to(m.tables, inviter, "inviting", now, invite_id=event.invite_id),
                person_is(m.tables, invitee),
            ]
            opened = InviteOpened(
                id=derive_id("invite.opened", event.invite_id),
                invite_id=event.invite_id,
                from_user_id=event.from_user_id,
                to_user_id=event.to_user_id,
                from_profile=event.from_profile,
                expires_at=deadline,
            )
            expiry = InviteExpiryDue(
                id=derive_id("timer.invite_expiry", event.invite_id),
                invite_id=event.invite_id,
                due_at=deadline,
            )
            actions = [outbox.publish(opened), outbox.timer(expiry, deadline)]
        try:
            await m.commit(event.id, items, actions)
        except TransactionConflict:
            continue
        metric("InvitesOpened" if reason is None else "InvitesRefused", 1, reason=reason)
        return
    raise Contended(f"opening invite {event.invite_id} kept conflicting")


async def on_rejected(m: Matcher, event: InviteRejected) -> None:
    """The inviter could not pay: record it, nothing to release."""
    entry = invite_recorded(
        m.tables,
        event.invite_id,
        event.from_user_id,
        event.to_user_id,
        "rejected",
        event.reason,
        m.now(),
    )
    with contextlib.suppress(TransactionConflict):  # recorded before
        await transact(m.store.db, [entry])


def refusal(event: InviteAcceptFunded, reason: RefuseReason) -> Action:
    refused = InviteAcceptRefused(
        id=derive_id("invite.accept_refused", event.id),
        invite_id=event.invite_id,
        user_id=event.user_id,
        reason=reason,
        attempt_id=event.attempt_id,
    )
    return outbox.publish(refused)


async def _refuse(m: Matcher, event: InviteAcceptFunded, reason: RefuseReason) -> None:
    # Recorded with the input's marker: a redelivery repeats this answer, never another.
    await m.commit(event.id, [], [refusal(event, reason)])
    metric("InviteAcceptsRefused", 1, reason=reason, invite_id=event.invite_id)


async def on_accept_funded(m: Matcher, event: InviteAcceptFunded) -> None:
    """Start the session exactly like a match, or refuse so the ledger releases the hold."""
    for _ in range(MAX_ATTEMPTS):
        invite = await m.store.invite(event.invite_id)
        if invite is not None and invite.status == "accepted":
            if await m.idem.seen(event.id):
                await m.flush_for(event.id)  # this attempt accepted it: a redelivery
            else:
                # Another attempt accepted it: this one's hold goes back.
                await _refuse(m, event, "not_pending")
            return
        if invite is None or invite.status != "pending" or invite.to_user_id != event.user_id:
            expired = invite is not None and invite.status == "expired"
            await _refuse(m, event, "expired" if expired else "not_pending")
            return
        now = m.now()
        if invite.expires_at is not None and now >= invite.expires_at:
            try:
                await close(m, invite, "expired", event.id, extra=[refusal(event, "expired")])
            except TransactionConflict:
                continue
            return
        inviter = await m.store.person(invite.from_user_id)
        invitee = await m.store.person(event.user_id)
        if not (inviter.state == "inviting" and inviter.invite_id == invite.invite_id):
            await _refuse(m, event, "not_pending")
            return
        if not invitee.free:
            await _refuse(m, event, "in_session")
            return
        if await m.store.blocked_between(invite.from_user_id, event.user_id):
            # A block made while the invite was pending: to the inviter it reads as an ordinary
            # decline (nobody learns from Parley that they were blocked); it stays "blocked" in
            # the invite's own record.
            try:
                await close(
                    m, invite, "declined", event.id, "blocked", [refusal(event, "not_pending")]
                )
            except TransactionConflict:
                continue
            return
        plan = plan_invite(
            invite,
            event.minutes,
            now,
            m.settings.session_minutes,
            m.media_mode,
            accept_hold=event.hold_id,
        )
        sid = plan.session_id
        items = [
            invite_closed(m.tables, invite.invite_id, "pending", "accepted", now, session_id=sid),
            person_to(m.tables, inviter, "in_session", now, session_id=sid),
            person_to(m.tables, invitee, "in_session", now, session_id=sid),
            # An invite is a choice: talking twice in a day is fine, a block is not.
            *start_entries(m, plan, now, rematch=True),
        ]
        try:
            await m.commit(event.id, items, start_actions(plan))
        except TransactionConflict:
            continue
        started_metrics(plan)
        await _close_others(m, invite, event.id)
        return
    raise Contended(f"accepting invite {event.invite_id} kept conflicting")


async def _close_others(m: Matcher, accepted: Invite, marker: str) -> None:
    """Other invites still waiting for either of the two are over: they are talking now.
    Best effort: whatever is missed here expires on its own timer."""
    now_iso = iso(m.now())
    for user in (accepted.from_user_id, accepted.to_user_id):
        for other in await m.store.pending_invites_to(user, now_iso):
            if other.invite_id == accepted.invite_id:
                continue
            key = derive_id(marker, "elsewhere", other.invite_id)
            with contextlib.suppress(TransactionConflict):  # answered meanwhile
                await close(m, other, "cancelled", key, "accepted_elsewhere")


async def on_accept_rejected(m: Matcher, event: InviteAcceptRejected) -> None:
    """The invitee could not pay. With no points left they cannot talk again today: the invite
    is over, and the inviter learns it now (`invite.cancelled`, reason `no_points`) rather than
    when it expires. Refused because they are busy (waiting, in a call), it stays pending: they
    may free themselves and press Accept again before it expires."""
    log.info("invite.accept_unfunded", invite_id=event.invite_id, reason=event.reason)
    if event.reason != "no_points":
        return
    for _ in range(MAX_ATTEMPTS):
        invite = await m.store.invite(event.invite_id)
        if invite is None or invite.status != "pending" or invite.to_user_id != event.user_id:
            await m.flush_for(event.id)
            return
        try:
            await close(m, invite, "cancelled", event.id, "no_points")
        except TransactionConflict:
            continue
        return
    raise Contended(f"closing invite {event.invite_id} kept conflicting")


async def on_decline_requested(m: Matcher, event: InviteDeclineRequested) -> None:
    for _ in range(MAX_ATTEMPTS):
        invite = await m.store.invite(event.invite_id)
        if invite is None or invite.status != "pending" or invite.to_user_id != event.user_id:
            await m.flush_for(event.id)
            return
        try:
            await close(m, invite, "declined", event.id, "declined")
        except TransactionConflict:
            continue
        return


async def on_cancel_requested(m: Matcher, event: InviteCancelRequested) -> None:
    for _ in range(MAX_ATTEMPTS):
        invite = await m.store.invite(event.invite_id)
        if invite is None:
            # Withdrawn before the ledger funded it: a tombstone; `invite.funded` releases.
            entry = invite_recorded(
                m.tables, event.invite_id, event.user_id, "", "cancelled", "withdrawn", m.now()
            )
            try:
                await transact(m.store.db, [entry])
            except TransactionConflict:
                continue
            return
        if invite.status != "pending" or invite.from_user_id != event.user_id:
            await m.flush_for(event.id)
            return
        try:
            await close(m, invite, "cancelled", event.id, "withdrawn")
        except TransactionConflict:
            continue
        return


async def on_expiry_due(m: Matcher, timer: InviteExpiryDue) -> None:
    for _ in range(MAX_ATTEMPTS):
        invite = await m.store.invite(timer.invite_id)
        if invite is None or invite.status != "pending" or invite.expires_at is None:
            return
        if await rearm_if_early(m, timer, invite.expires_at):
            return
        try:
            await close(m, invite, "expired", timer.id, "expired")
        except TransactionConflict:
            continue
        return
