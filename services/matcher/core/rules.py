"""Session arithmetic and the events a decision produces. Pure: ids are derived, never random,
so a redelivered input leads to the same session and the same event ids."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.matcher.core.pairing import Pairing
from services.matcher.tables.records import Invite, Session
from services.wire.events.base import Event, derive_id
from services.wire.events.common import MediaMode, Participant, accept_hold_id
from services.wire.events.matcher import (
    EndReason,
    InviteCancelled,
    InviteCloseReason,
    InviteDeclined,
    InviteExpired,
    SessionEnded,
    SessionStarted,
)


def session_length(minutes_a: int, minutes_b: int, cap: int) -> int:
    """Minutes a session may last: what both can pay for, at most the cap."""
    return max(1, min(minutes_a, minutes_b, cap))


def limited_by(participants: tuple[Participant, ...], length: int, cap: int) -> tuple[str, ...]:
    """Whose balance made a session shorter than the cap: those with no more than its length."""
    if length >= cap:
        return ()
    return tuple(p.user_id for p in participants if p.minutes <= length)


def minutes_used(starts_at: datetime, ended_at: datetime, length: int) -> int:
    """Started minutes between start and end (a session that began counts one), up to length.
    `starts_at` is when both people were connected: minutes before that are not paid for."""
    seconds = max(0.0, (ended_at - starts_at).total_seconds())
    return max(1, min(length, math.ceil(seconds / 60)))


def match_session_id(ticket_a: str, ticket_b: str) -> str:
    return derive_id("session", *sorted((ticket_a, ticket_b)))


def invite_session_id(invite_id: str) -> str:
    return derive_id("session", "invite", invite_id)


@dataclass(frozen=True)
class SessionPlan:
    """A session about to start: the first participant is the direct-mode offerer."""

    session_id: str
    participants: tuple[Participant, Participant]
    starts_at: datetime
    ends_at: datetime
    media_mode: MediaMode
    origin: str
    invite_id: str | None = None
    ticket_ids: tuple[str, ...] = ()
    limited_by: tuple[str, ...] = ()  # whose minutes left set a length below the cap

    @property
    def room(self) -> str:
        return self.session_id

    @property
    def length(self) -> int:
        return round((self.ends_at - self.starts_at).total_seconds() / 60)

    def started(self) -> SessionStarted:
        return SessionStarted(
            id=derive_id("session.started", self.session_id),
            occurred_at=self.starts_at,
            session_id=self.session_id,
            participants=self.participants,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            media_mode=self.media_mode,
            room=self.room,
            origin="invite" if self.origin == "invite" else "match",
            invite_id=self.invite_id,
            ticket_ids=self.ticket_ids,
            limited_by=self.limited_by,
        )


def plan_match(pairing: Pairing, now: datetime, cap: int, media_mode: MediaMode) -> SessionPlan:
    a, b = pairing.first, pairing.second
    length = session_length(a.minutes, b.minutes, cap)
    participants = (
        Participant(user_id=a.user_id, hold_id=a.ticket_id, minutes=a.minutes),
        Participant(user_id=b.user_id, hold_id=b.ticket_id, minutes=b.minutes),
    )
    return SessionPlan(
        session_id=match_session_id(a.ticket_id, b.ticket_id),
        participants=participants,
        starts_at=now,
        ends_at=now + timedelta(minutes=length),
        media_mode=media_mode,
        origin="match",
        ticket_ids=(a.ticket_id, b.ticket_id),
        limited_by=limited_by(participants, length, cap),
    )


def plan_invite(
    invite: Invite,
    accept_minutes: int,
    now: datetime,
    cap: int,
    media_mode: MediaMode,
    accept_hold: str | None = None,
) -> SessionPlan:
    """The inviter offers (they are already on the page, waiting for the answer)."""
    inviter_minutes = invite.minutes or accept_minutes
    length = session_length(inviter_minutes, accept_minutes, cap)
    participants = (
        Participant(user_id=invite.from_user_id, hold_id=invite.invite_id, minutes=inviter_minutes),
        Participant(
            user_id=invite.to_user_id,
            hold_id=accept_hold or accept_hold_id(invite.invite_id),
            minutes=accept_minutes,
        ),
    )
    return SessionPlan(
        session_id=invite_session_id(invite.invite_id),
        participants=participants,
        starts_at=now,
        ends_at=now + timedelta(minutes=length),
        media_mode=media_mode,
        origin="invite",
        invite_id=invite.invite_id,
        limited_by=limited_by(participants, length, cap),
    )


def charge(session: Session, ended_at: datetime) -> tuple[datetime | None, int]:
    """When both were first in the room (no later than `ended_at`), and the points each pays
    for the session ending at `ended_at`: the started minutes they were in it together
    (docs/api.md, "Points and time: the rules"). The log of an ended session no longer
    changes, so asking again gives the same answer."""
    if session.room_log or session.connected_at is None:
        seen = session.view()
        return seen.connected_by(ended_at), seen.charge(ended_at)
    if session.status == "ended" and session.minutes_used is not None:
        return session.connected_at, session.minutes_used
    # Live since before sessions kept a room log: from when both were connected, as then.
    connected = min(session.connected_at, ended_at)
    return connected, minutes_used(connected, ended_at, session.view().length_minutes)


def ended_event(
    session: Session, ended_at: datetime, reason: EndReason, stopped_by: str | None
) -> SessionEnded:
    """The one `session.ended` of a session (the same event when asked again later)."""
    connected, used = charge(session, ended_at)
    return SessionEnded(
        media_tracked=True,
        connected_at=connected,
        minutes_used=used,
        id=derive_id("session.ended", session.session_id),
        occurred_at=ended_at,
        session_id=session.session_id,
        participants=session.participants,
        started_at=session.starts_at,
        ended_at=ended_at,
        reason=reason,
        stopped_by=stopped_by or session.stopped_by,
        # A no-show: who was in the room when it ended (they are told the other never came).
        showed_up=tuple(sorted(session.view().in_at(ended_at))) if reason == "cancelled" else (),
    )


def first_together(session: Session) -> datetime | None:
    """The first moment both were in the room (from the log, or, for a session live since
    before sessions kept one, when both had connected)."""
    if session.connected_at is not None and not session.room_log:
        return session.connected_at
    return session.view().connected_at


def no_show_at(session: Session, no_show: timedelta) -> datetime:
    return min(session.starts_at + no_show, session.ends_at)


def met_in_time(session: Session, no_show: timedelta) -> bool:
    """Together before the no-show moment: the no-show rule can no longer apply."""
    first = first_together(session)
    return first is not None and first < no_show_at(session, no_show)


def left_due(session: Session, grace: timedelta) -> datetime | None:
    """When the `left` end comes into force: `grace` after the first time the room emptied,
    after the two had been together, and stayed empty longer than that (or is still empty,
    as far as the log knows). None if no emptying can give it."""
    for emptied, back in session.view().emptyings():
        if back is None or back - emptied > grace:
            return emptied + grace
    return None


@dataclass(frozen=True)
class Ending:
    reason: EndReason
    ended_at: datetime


def due_ending(
    session: Session, until: datetime, no_show: timedelta, grace: timedelta
) -> Ending | None:
    """The first of the rules' own ends — time up, a no-show, the room left empty — that is in
    force by `until` (docs/api.md, "How a session ends"), or None. Each comes into force at a
    moment of its own; the earliest one is how the session ended, whenever it is noticed."""
    candidates: list[tuple[datetime, EndReason, datetime]] = [
        (session.ends_at, "time_up", session.ends_at)
    ]
    if not met_in_time(session, no_show):
        moment = no_show_at(session, no_show)
        candidates.append((moment, "cancelled", moment))
    due = left_due(session, grace)
    if due is not None:
        candidates.append((due, "left", due - grace))
    fire, reason, ended_at = min(candidates)
    return Ending(reason, ended_at) if fire <= until else None


def end_time(session: Session, at: datetime) -> datetime:
    """A late timer or stop never stretches a session past its end (nor before its start)."""
    return min(max(at, session.starts_at), session.ends_at)


def invite_deadline(
    requested_at: datetime | None, funded_at: datetime, timeout_s: float
) -> datetime:
    """When an invite expires: the timeout after the gateway took it (the `expiresAt` it
    answered the inviter with), however late its funding reaches the matcher — never later
    than the timeout after the funding (a clock ahead of ours gives no extra time)."""
    taken = funded_at if requested_at is None else min(requested_at, funded_at)
    return taken + timedelta(seconds=timeout_s)


def closed_event(
    invite_id: str, from_user: str, to_user: str, status: str, reason: InviteCloseReason
) -> Event:
    """The one event that closes an invite (one id per invite: it closes once)."""
    ids = {"invite_id": invite_id, "from_user_id": from_user, "to_user_id": to_user}
    if status == "declined":
        return InviteDeclined(id=derive_id("invite.declined", invite_id), **ids)
    if status == "expired":
        return InviteExpired(id=derive_id("invite.expired", invite_id), **ids)
    return InviteCancelled(id=derive_id("invite.cancelled", invite_id), reason=reason, **ids)
