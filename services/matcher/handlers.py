"""Which function handles which message: the matcher's inbox and its timer queue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from services.matcher.context import Matcher
from services.matcher.flows import (
    blocks,
    erasure,
    feedback,
    invites,
    partners,
    presence,
    session_checks,
    sessions,
    stale_holds,
    tickets,
    topics,
    words,
)
from services.runtime.consumer import Delivery, Handler

_IDS = ("user_id", "ticket_id", "session_id", "invite_id")


def _bind(fn: Callable[[Matcher, Any], Awaitable[None]], m: Matcher) -> Handler:
    async def handle(event: Any, delivery: Delivery) -> None:
        ids = {k: v for k in _IDS if (v := getattr(event, k, None))}
        with structlog.contextvars.bound_contextvars(event_id=event.id, **ids):
            await fn(m, event)

    return handle


def inbox_handlers(m: Matcher) -> dict[str, Handler]:
    table: dict[str, Callable[[Matcher, Any], Awaitable[None]]] = {
        "ticket.requested": tickets.on_requested,
        "ticket.cancel_requested": tickets.on_cancel_requested,
        "ticket.funded": tickets.on_funded,
        "ticket.rejected": tickets.on_rejected,
        "invite.funded": invites.on_funded,
        "invite.rejected": invites.on_rejected,
        "invite.accept_funded": invites.on_accept_funded,
        "invite.accept_rejected": invites.on_accept_rejected,
        "invite.decline_requested": invites.on_decline_requested,
        "invite.cancel_requested": invites.on_cancel_requested,
        "session.stop_requested": sessions.on_stop_requested,
        "session.check_due": session_checks.on_check_due,
        "session.topic_requested": topics.on_topic_requested,
        "session.feedback_given": feedback.on_feedback,
        "media.participant_joined": sessions.on_media_joined,
        "media.participant_left": sessions.on_media_left,
        "word.starred": words.on_starred,
        "user.blocked": blocks.on_blocked,
        "user.unblocked": blocks.on_unblocked,
        "user.reported": blocks.on_reported,
        "partner.changed": partners.on_changed,
        "connection.opened": presence.on_opened,
        "connection.closed": presence.on_closed,
        "hold.stale": stale_holds.on_hold_stale,
        "user.erased": erasure.on_erased,
    }
    return {t: _bind(fn, m) for t, fn in table.items()}


def timer_handlers(m: Matcher) -> dict[str, Handler]:
    table: dict[str, Callable[[Matcher, Any], Awaitable[None]]] = {
        "timer.session_end": session_checks.on_end_due,
        "timer.session_topic": topics.on_topic_due,
        "timer.invite_expiry": invites.on_expiry_due,
        "timer.media_grace": session_checks.on_media_grace_due,
        "timer.ticket_relax": tickets.on_relax_due,
        "timer.ticket_abandon": presence.on_abandon_due,
        "timer.socket_gone": presence.on_socket_gone_due,
    }
    return {t: _bind(fn, m) for t, fn in table.items()}
