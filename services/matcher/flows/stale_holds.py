"""The ledger asks about a hold that has stayed open too long (`hold.stale`).

The ledger reads only its own tables; the matcher owns what a hold funds. It answers with the
final event it already has — the same event, with the same id, as the first time — so the
ledger closes the hold exactly as it would have, had that event not been lost. While the
ticket still waits, the invite is still pending or the session is still live, it answers
nothing: its own reconcilers finish those, and the final event then comes by itself.

Whatever is not going gets an answer, whatever the hold's day (the ledger releases a hold only
on one): a ticket or invite the matcher never saw is closed then and there, in the same
conditional write that answers, so a funding that turns up later finds it over.
"""

from __future__ import annotations

from typing import cast, get_args

from services.matcher.context import Matcher, component_log
from services.matcher.core.rules import closed_event, ended_event
from services.matcher.flows.tickets import cancelled
from services.matcher.tables import outbox
from services.matcher.tables.invite_items import invite_recorded
from services.matcher.tables.items import Entry, ticket_final
from services.matcher.tables.outbox import Action
from services.matcher.tables.records import Session
from services.runtime.dynamo import TransactionConflict
from services.runtime.logs import repair
from services.wire.events.base import Event, derive_id
from services.wire.events.common import parse_accept_hold
from services.wire.events.ledger import HoldStale
from services.wire.events.matcher import EndReason, InviteAcceptRefused, InviteCloseReason

log = component_log("stale_holds")


async def on_hold_stale(m: Matcher, ask: HoldStale) -> None:
    answer = await _answer(m, ask)
    if answer is None:
        log.info("hold.still_in_use", hold_id=ask.hold_id, kind=ask.kind)
        return
    items, actions = answer
    try:
        done = await m.commit(ask.id, items, actions)
    except TransactionConflict:
        return  # it moved meanwhile: the ledger asks again if the hold is still open
    if done:
        repair("hold_stale", hold_id=ask.hold_id, user_id=ask.user_id, hold_kind=ask.kind)
        log.warning("hold.stale_answered", hold_id=ask.hold_id, kind=ask.kind)


Answer = tuple[list[Entry], list[Action]]


async def _answer(m: Matcher, ask: HoldStale) -> Answer | None:
    if ask.session_id is not None:
        return await _session_over(m, ask.session_id)
    if ask.kind == "ticket":
        return await _ticket(m, ask)
    if ask.kind == "invite":
        return await _invite(m, ask)
    return await _accept(m, ask)


def _say(event: Event) -> Answer:
    return [], [outbox.publish(event)]


async def _session_over(m: Matcher, session_id: str | None) -> Answer | None:
    s = await m.store.session(session_id) if session_id else None
    if s is None or s.status != "ended" or s.ended_at is None:
        return None  # still live (the matcher's reconciler ends it if overdue) or unknown
    return _say(_ended(s))


def _ended(s: Session) -> Event:
    assert s.ended_at is not None
    return ended_event(s, s.ended_at, cast("EndReason", s.reason or "time_up"), None)


async def _ticket(m: Matcher, ask: HoldStale) -> Answer | None:
    ticket = await m.store.ticket(ask.hold_id)
    if ticket is not None and ticket.status == "matched":
        return await _session_over(m, ticket.session_id)
    if ticket is not None and ticket.status in ("cancelled", "rejected"):
        return _say_cancelled(ask)
    if ticket is not None and ticket.status == "waiting":
        return None  # its owner waits (and the presence check cancels it if they left)
    # Funded long ago and never seen, or never past `requested`: it will not be matched now.
    was = ticket.status if ticket else None
    item = ticket_final(m.tables, ask.hold_id, ask.user_id, was, "cancelled", m.now())
    return [item], [cancelled(ask.hold_id, ask.user_id)]


def _say_cancelled(ask: HoldStale) -> Answer:
    return [], [cancelled(ask.hold_id, ask.user_id)]


async def _invite(m: Matcher, ask: HoldStale) -> Answer | None:
    invite = await m.store.invite(ask.hold_id)
    if invite is not None and invite.status == "pending":
        return None  # the invitee may still answer; the reconciler expires it if its timer is lost
    if invite is None:
        # `invite.funded` never reached us (or its record is gone): nobody was ever asked, and
        # its minute is long past. Record it expired in the same conditional write that answers,
        # so a late funding finds it over instead of opening it.
        item = invite_recorded(
            m.tables, ask.hold_id, ask.user_id, "", "expired", "expired", m.now()
        )
        return [item], [outbox.publish(_closed(ask.hold_id, ask.user_id, "", "expired", None))]
    if invite.status == "accepted":
        return await _session_over(m, invite.session_id)
    return _say(
        _closed(
            invite.invite_id, invite.from_user_id, invite.to_user_id, invite.status, invite.reason
        )
    )


def _closed(invite_id: str, from_user: str, to_user: str, status: str, reason: str | None) -> Event:
    """The invite's close as the matcher sends it (the same id as the first time). An invite
    that never opened may have no invitee on record (withdrawn or lost before its funding):
    then only the inviter is named, and nobody else learns of it."""
    if status not in ("declined", "expired", "cancelled"):
        status, reason = "expired", None  # never opened here: over without an answer
    if reason not in get_args(InviteCloseReason):
        reason = {"declined": "declined", "expired": "expired"}.get(status, "withdrawn")
    return closed_event(
        invite_id, from_user, to_user or from_user, status, cast("InviteCloseReason", reason)
    )


async def _accept(m: Matcher, ask: HoldStale) -> Answer | None:
    invite_id, attempt = parse_accept_hold(ask.hold_id)
    invite = await m.store.invite(invite_id)
    if invite is not None and invite.status == "pending":
        return None
    if invite is not None and invite.status == "accepted" and invite.session_id:
        s = await m.store.session(invite.session_id)
        if s is not None and any(p.hold_id == ask.hold_id for p in s.participants):
            return await _session_over(m, s.session_id)
    refused = InviteAcceptRefused(
        id=derive_id("invite.accept_refused", "stale", ask.hold_id),
        invite_id=invite_id,
        user_id=ask.user_id,
        reason="expired" if invite is not None and invite.status == "expired" else "not_pending",
        attempt_id=attempt,
    )
    return _say(refused)
