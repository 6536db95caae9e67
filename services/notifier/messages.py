"""What each person is told about an event: the pure core of the notifier (no I/O).

`pushes_for(event)` turns one event into the messages pushed to people's WebSockets, in the
order they must arrive. Shapes follow docs/api.md (WebSocket): `type` plus ids at the top
level. They are hints: `GET /v1/me` stays the truth. Nothing secret goes in them.

Every message carries `occurredAt`, the time of the event it tells of (fixed width, to the
microsecond, so two stamps compare as strings): across notifier instances messages can
overtake each other, and the browser applies them in event order, not arrival order (see
the package docstring).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.wire.events import gateway, ledger, matcher
from services.wire.events.base import Event
from services.wire.events.common import Participant

Body = dict[str, Any]


@dataclass(frozen=True)
class Push:
    """One message for one person (delivered to each of their open connections)."""

    user_id: str
    body: Body

    def data(self) -> bytes:
        return encode(self.body)


def encode(body: Body) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def stamp(moment: datetime) -> str:
    """`occurredAt`: ISO-8601 UTC, always six fractional digits, so stamps sort as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with a `Z`, as every time in the public contract."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def minutes_used(started_at: datetime, ended_at: datetime, booked: int) -> int:
    """Started minutes: at least 1, never more than the session was booked for."""
    seconds = max(0.0, (ended_at - started_at).total_seconds())
    return max(1, min(booked, math.ceil(seconds / 60)))


def role(index: int) -> str:
    # The first participant of session.started creates the offer in direct mode.
    return "offerer" if index == 0 else "answerer"


def _other(participants: tuple[Participant, ...], index: int) -> Participant:
    return participants[1 - index]


def _ticket_waiting(e: matcher.TicketWaiting) -> list[Push]:
    body = {
        "type": "ticket.waiting",
        "ticketId": e.ticket_id,
        "lookingFor": e.looking_for,
        "waitingSince": iso(e.waiting_since),
    }
    return [Push(e.user_id, body)]


def _ticket_rejected(e: ledger.TicketRejected) -> list[Push]:
    body = {"type": "ticket.rejected", "ticketId": e.ticket_id, "reason": e.reason}
    return [Push(e.user_id, body)]


def _ticket_cancelled(e: matcher.TicketCancelled) -> list[Push]:
    return [Push(e.user_id, {"type": "ticket.cancelled", "ticketId": e.ticket_id})]


def _session_started(e: matcher.SessionStarted) -> list[Push]:
    pushes = []
    for i, person in enumerate(e.participants):
        body: Body = {
            "type": "session.started",
            "sessionId": e.session_id,
            "startsAt": iso(e.starts_at),
            "endsAt": iso(e.ends_at),
            "mediaMode": e.media_mode,
            "role": role(i),
            "partner": {"userId": _other(e.participants, i).user_id},
        }
        if e.invite_id:
            body["inviteId"] = e.invite_id
        limited = matcher.limited_by_as_seen(e.limited_by, person.user_id)
        if limited:
            body["limitedBy"] = limited
        pushes.append(Push(person.user_id, body))
    if e.invite_id:
        # After session.started, so a browser already in the call closes the invite quietly.
        accepted = {"type": "invite.accepted", "inviteId": e.invite_id, "sessionId": e.session_id}
        pushes += [Push(p.user_id, accepted) for p in e.participants]
    return pushes


def _session_ended(e: matcher.SessionEnded) -> list[Push]:
    # Exactly what the ledger charges: the session's own figure (time together, from the room
    # log), or for an event from an older matcher, from when both were connected.
    free = e.reason == "cancelled" or (e.media_tracked and e.connected_at is None)
    since = (e.connected_at or e.started_at) if e.media_tracked else e.started_at

    def used(p: Participant) -> int:
        if e.minutes_used is not None:
            return min(e.minutes_used, p.minutes)
        return 0 if free else minutes_used(since, e.ended_at, p.minutes)

    def body(p: Participant) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "session.ended",
            "sessionId": e.session_id,
            "reason": e.reason,
            "startedAt": iso(e.started_at),
            "endedAt": iso(e.ended_at),
            "minutesUsed": used(p),
        }
        if e.reason == "cancelled" and p.user_id in e.showed_up:
            out["partnerNoShow"] = True  # they came, the other did not
        return out

    return [Push(p.user_id, body(p)) for p in e.participants]


def _session_topic(e: matcher.SessionTopicChanged) -> list[Push]:
    body = {
        "type": "session.topic",
        "sessionId": e.session_id,
        "topicId": e.topic_id,
        "language": e.language,
        "band": e.band,
        "text": e.text,
        "n": e.n,
    }
    return [Push(user, body) for user in e.user_ids]


def _invite_opened(e: matcher.InviteOpened) -> list[Push]:
    expires = iso(e.expires_at)
    sender = {"userId": e.from_user_id, **e.from_profile.model_dump(mode="json")}
    received = {"type": "invite.received", "inviteId": e.invite_id, "from": sender}
    pending = {"type": "invite.pending", "inviteId": e.invite_id, "to": {"userId": e.to_user_id}}
    return [
        Push(e.to_user_id, received | {"expiresAt": expires}),
        Push(e.from_user_id, pending | {"expiresAt": expires}),
    ]


def _invite_closed(e: matcher.InviteDeclined | matcher.InviteExpired) -> list[Push]:
    body = {"type": e.TYPE, "inviteId": e.invite_id}
    return [Push(e.to_user_id, body), Push(e.from_user_id, body)]


def _invite_cancelled(e: matcher.InviteCancelled) -> list[Push]:
    # Nobody learns from Parley that someone blocked them: a block (caught when the invite was
    # funded) reads as the invitee having just become busy, the answer any busy invitee gives.
    reason = "busy" if e.reason == "blocked" else e.reason
    body = {"type": "invite.cancelled", "inviteId": e.invite_id, "reason": reason}
    return [Push(e.to_user_id, body), Push(e.from_user_id, body)]


def _invite_rejected(e: ledger.InviteRejected) -> list[Push]:
    body = {"type": "invite.rejected", "inviteId": e.invite_id, "reason": e.reason}
    return [Push(e.from_user_id, body)]


def _accept_failed(e: ledger.InviteAcceptRejected | matcher.InviteAcceptRefused) -> list[Push]:
    body = {"type": "invite.accept_failed", "inviteId": e.invite_id, "reason": e.reason}
    return [Push(e.user_id, body)]


def _signal(e: gateway.SignalRelayed) -> list[Push]:
    body = {
        "type": "signal",
        "sessionId": e.session_id,
        "fromUserId": e.from_user_id,
        "kind": e.kind,
        "data": e.data,
    }
    return [Push(e.to_user_id, body)]


def _points_changed(e: ledger.PointsChanged) -> list[Push]:
    body = {
        "type": "points.changed",
        "left": e.left,
        "used": e.used,
        "held": e.held,
        "resetsAt": iso(e.resets_at),
    }
    return [Push(e.user_id, body)]


_RULES: dict[type[Event], Callable[[Any], list[Push]]] = {
    matcher.TicketWaiting: _ticket_waiting,
    ledger.TicketRejected: _ticket_rejected,
    matcher.TicketCancelled: _ticket_cancelled,
    matcher.SessionStarted: _session_started,
    matcher.SessionEnded: _session_ended,
    matcher.SessionTopicChanged: _session_topic,
    matcher.InviteOpened: _invite_opened,
    matcher.InviteDeclined: _invite_closed,
    matcher.InviteExpired: _invite_closed,
    matcher.InviteCancelled: _invite_cancelled,
    ledger.InviteRejected: _invite_rejected,
    ledger.InviteAcceptRejected: _accept_failed,
    matcher.InviteAcceptRefused: _accept_failed,
    gateway.SignalRelayed: _signal,
    ledger.PointsChanged: _points_changed,
}

NOTIFYING_TYPES: frozenset[str] = frozenset(cls.TYPE for cls in _RULES)


def pushes_for(event: Event) -> list[Push]:
    """The messages `event` causes, in delivery order; [] for an event nobody is told about."""
    rule = _RULES.get(type(event))
    if rule is None:
        return []
    at = stamp(event.occurred_at)
    return [Push(p.user_id, p.body | {"occurredAt": at}) for p in rule(event)]


def recipients(pushes: Iterable[Push]) -> list[str]:
    """Each person once, in the order they first appear."""
    return list(dict.fromkeys(p.user_id for p in pushes))
