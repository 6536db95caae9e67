"""The inputs of the ledger, as the gateway and the matcher would publish them."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.wire.events.common import Participant, Profile
from services.wire.events.gateway import InviteAcceptRequested, InviteRequested, TicketRequested
from services.wire.events.matcher import (
    EndReason,
    InviteAcceptRefused,
    InviteCancelled,
    InviteDeclined,
    InviteExpired,
    SessionEnded,
    SessionStarted,
    TicketCancelled,
)


def ticket(ticket_id: str, user_id: str) -> TicketRequested:
    return TicketRequested(ticket_id=ticket_id, user_id=user_id, speaks=("en",), learns=("es",))


def cancelled(ticket_id: str, user_id: str) -> TicketCancelled:
    return TicketCancelled(ticket_id=ticket_id, user_id=user_id)


def invite(invite_id: str, from_user: str, to_user: str) -> InviteRequested:
    return InviteRequested(
        invite_id=invite_id,
        from_user_id=from_user,
        to_user_id=to_user,
        from_profile=Profile(name=from_user, speaks=("en",), learns=("fr",)),
    )


def accept(invite_id: str, user_id: str) -> InviteAcceptRequested:
    return InviteAcceptRequested(invite_id=invite_id, user_id=user_id)


def declined(invite_id: str, from_user: str, to_user: str) -> InviteDeclined:
    return InviteDeclined(invite_id=invite_id, from_user_id=from_user, to_user_id=to_user)


def expired(invite_id: str, from_user: str, to_user: str) -> InviteExpired:
    return InviteExpired(invite_id=invite_id, from_user_id=from_user, to_user_id=to_user)


def withdrawn(invite_id: str, from_user: str, to_user: str) -> InviteCancelled:
    return InviteCancelled(invite_id=invite_id, from_user_id=from_user, to_user_id=to_user)


def refused(invite_id: str, user_id: str) -> InviteAcceptRefused:
    return InviteAcceptRefused(invite_id=invite_id, user_id=user_id, reason="expired")


def started(
    session_id: str, holds: list[tuple[str, str]], starts_at: datetime, minutes: int = 15
) -> SessionStarted:
    """`holds` = [(user id, hold id), …]."""
    return SessionStarted(
        session_id=session_id,
        participants=tuple(Participant(user_id=u, hold_id=h, minutes=minutes) for u, h in holds),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        media_mode="direct",
        room=session_id,
        origin="match",
    )


def ended(start: SessionStarted, after: timedelta, reason: EndReason = "stopped") -> SessionEnded:
    return SessionEnded(
        session_id=start.session_id,
        participants=start.participants,
        started_at=start.starts_at,
        ended_at=start.starts_at + after,
        reason=reason,
    )
