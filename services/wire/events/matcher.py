"""What the matcher decides about tickets, invites and sessions (topic: matcher)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from services.wire.events.base import Event
from services.wire.events.common import (
    EntityId,
    Language,
    MediaMode,
    Participant,
    Profile,
    UserId,
    invite_group,
    session_group,
    user_group,
)
from services.wire.names import Service

M, L, N = Service.MATCHER, Service.LEDGER, Service.NOTIFIER

LookingFor = Literal["tandem", "one_sided", "anyone"]


class TicketWaiting(Event):
    """A funded ticket is in its pool; sent again each time the search relaxes."""

    TYPE: ClassVar[str] = "ticket.waiting"
    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({N})
    ticket_id: EntityId
    user_id: UserId
    looking_for: LookingFor
    waiting_since: AwareDatetime

    def group(self) -> str:
        return user_group(self.user_id)


class TicketCancelled(Event):
    """Final: the ticket will never be matched; the ledger releases its hold."""

    TYPE: ClassVar[str] = "ticket.cancelled"
    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({L, N})
    ticket_id: EntityId
    user_id: UserId

    def group(self) -> str:
        return user_group(self.user_id)


class SessionStarted(Event):
    """Two people are paired (by the pool or an accepted invite) and may join the room."""

    TYPE: ClassVar[str] = "session.started"
    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({L, N})
    session_id: EntityId
    participants: Annotated[tuple[Participant, ...], Field(min_length=2, max_length=2)]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    media_mode: MediaMode
    room: EntityId
    origin: Literal["match", "invite"]
    invite_id: EntityId | None = None
    ticket_ids: tuple[EntityId, ...] = ()
    # Whose minutes left today made the session shorter than the full length (one of them
    # or both); empty when it has the full length.
    limited_by: Annotated[tuple[UserId, ...], Field(max_length=2)] = ()

    def group(self) -> str:
        return session_group(self.session_id)


LimitedBy = Literal["me", "partner", "both"]


def limited_by_as_seen(limited_by: Sequence[str], me: str) -> LimitedBy | None:
    """`limited_by` as `me` is told it (docs/api.md `limitedBy`): my minutes, my partner's,
    or both; None when the session has its full length."""
    if not limited_by:
        return None
    if me in limited_by:
        return "both" if len(set(limited_by)) > 1 else "me"
    return "partner"


EndReason = Literal["time_up", "stopped", "left", "cancelled"]


class SessionEnded(Event):
    """The session is over; the ledger charges `minutes_used` and releases the rest."""

    TYPE: ClassVar[str] = "session.ended"
    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({L, N})
    session_id: EntityId
    participants: Annotated[tuple[Participant, ...], Field(min_length=2, max_length=2)]
    started_at: AwareDatetime
    ended_at: AwareDatetime
    reason: EndReason
    stopped_by: UserId | None = None
    # Added without a version bump (older readers ignore them): a matcher that tracks media
    # says so, minutes are then charged from `connected_at` (both people in) and a session
    # that never connected costs nothing. Events without them are charged from `started_at`.
    media_tracked: bool = False
    connected_at: AwareDatetime | None = None
    # Added without a version bump: what each of the two is charged, the started minutes both
    # were in the media room together (docs/api.md, "Points and time: the rules"). When it is
    # there the ledger charges exactly this; events without it are charged as described above.
    minutes_used: Annotated[int, Field(ge=0, le=600)] | None = None
    # A no-show (`cancelled`): who did connect. They are told their partner never came, and
    # are first in line if they join again at once.
    showed_up: Annotated[tuple[UserId, ...], Field(max_length=2)] = ()

    def group(self) -> str:
        return session_group(self.session_id)


# The ends a session comes to by the rules on its own, without anyone's Stop.
DueEnd = Literal["time_up", "left", "cancelled"]


class SessionCheckDue(Event):
    """A note the matcher sends itself: one of the session's own ends (`due`) is in force from
    `due_at` (its end timer fired, its grace timer fired, or the reconciler found it due).

    It travels in the session's message group, behind everything the gateway accepted for the
    session before it was sent (joins, leaves, a Stop), and the session is decided only when it
    comes, on the room log those events made: never ahead of them (docs/api.md, "Points and
    time: the rules"). Its id derives from the session, `due` and `due_at`, so the timers and
    every reconciler pass that find the same end due send one message."""

    TYPE: ClassVar[str] = "session.check_due"
    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    session_id: EntityId
    due: DueEnd
    due_at: AwareDatetime

    def group(self) -> str:
        return session_group(self.session_id)


Band = Literal["A", "B", "C"]


class SessionTopicChanged(Event):
    """The conversation prompt both people see now: the first with the session's start, then
    one per "Another topic". `n` counts the session's topics (1 = the first); `language` is
    the prompt's, `band` the CEFR band (A, B, C) of the lower of the two people's levels."""

    TYPE: ClassVar[str] = "session.topic_changed"
    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({N})
    session_id: EntityId
    user_ids: Annotated[tuple[UserId, ...], Field(min_length=2, max_length=2)]
    topic_id: EntityId
    language: Language
    band: Band
    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    n: Annotated[int, Field(ge=1)]

    def group(self) -> str:
        return session_group(self.session_id)


class InviteOpened(Event):
    """An invite is pending: the invitee may answer until `expires_at`."""

    TYPE: ClassVar[str] = "invite.opened"
    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({N})
    invite_id: EntityId
    from_user_id: UserId
    to_user_id: UserId
    from_profile: Profile
    expires_at: AwareDatetime

    def group(self) -> str:
        return invite_group(self.invite_id)


# `no_points`: the invitee had no points left today when they pressed Accept.
InviteCloseReason = Literal[
    "declined", "expired", "withdrawn", "busy", "blocked", "accepted_elsewhere", "no_points"
]


class _InviteClosed(Event):
    """Shared shape of the final invite outcomes that release the inviter's hold."""

    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({L, N})
    invite_id: EntityId
    from_user_id: UserId
    to_user_id: UserId

    def group(self) -> str:
        return invite_group(self.invite_id)


class InviteDeclined(_InviteClosed):
    TYPE: ClassVar[str] = "invite.declined"


class InviteExpired(_InviteClosed):
    TYPE: ClassVar[str] = "invite.expired"


class InviteCancelled(_InviteClosed):
    """Withdrawn by the inviter, refused because the invitee is busy or blocked them, or
    closed because the invitee has no points left today."""

    TYPE: ClassVar[str] = "invite.cancelled"
    reason: InviteCloseReason = "withdrawn"


class InviteAcceptRefused(Event):
    """An accept that came too late (expired/withdrawn): the invitee's hold is released."""

    TYPE: ClassVar[str] = "invite.accept_refused"
    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({L, N})
    invite_id: EntityId
    user_id: UserId
    reason: Literal["expired", "not_pending", "in_session"]
    attempt_id: EntityId | None = None  # the accept attempt whose hold is released

    def group(self) -> str:
        return invite_group(self.invite_id)


EVENTS: tuple[type[Event], ...] = (
    TicketWaiting,
    TicketCancelled,
    SessionStarted,
    SessionEnded,
    SessionCheckDue,
    SessionTopicChanged,
    InviteOpened,
    InviteDeclined,
    InviteExpired,
    InviteCancelled,
    InviteAcceptRefused,
)
