"""What the ledger decides about points (topic: ledger)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field

from services.wire.events.base import Event
from services.wire.events.common import (
    Cefr,
    EntityId,
    Languages,
    Levels,
    Profile,
    RejectReason,
    UserId,
    accept_hold_id,
    invite_group,
    user_group,
)
from services.wire.names import Service

L, M, N = Service.LEDGER, Service.MATCHER, Service.NOTIFIER
Minutes = Annotated[int, Field(ge=1, le=600)]


class TicketFunded(Event):
    """Points are held for a ticket (hold id = ticket id); it may now be matched."""

    TYPE: ClassVar[str] = "ticket.funded"
    PUBLISHER: ClassVar[Service] = L
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    ticket_id: EntityId
    user_id: UserId
    minutes: Minutes
    speaks: Languages = ()
    learns: Languages = ()
    levels: Levels = Field(default_factory=dict)
    welcomes_from: Cefr = "A1"

    def group(self) -> str:
        # Per person, not per pool: a pool's group would be one lane for everyone in it.
        return user_group(self.user_id)


class TicketRejected(Event):
    TYPE: ClassVar[str] = "ticket.rejected"
    PUBLISHER: ClassVar[Service] = L
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M, N})
    ticket_id: EntityId
    user_id: UserId
    reason: RejectReason

    def group(self) -> str:
        return user_group(self.user_id)


class InviteFunded(Event):
    """The inviter's points are held (hold id = invite id); the matcher opens the invite."""

    TYPE: ClassVar[str] = "invite.funded"
    PUBLISHER: ClassVar[Service] = L
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    invite_id: EntityId
    from_user_id: UserId
    to_user_id: UserId
    from_profile: Profile
    minutes: Minutes
    # Added without a version bump: when the gateway took the invite (its `invite.requested`'s
    # `occurredAt`). The invite expires the invite timeout after it, however late the funding
    # comes; a funding that arrives after that opens nothing. Absent: from when it is handled.
    requested_at: AwareDatetime | None = None

    def group(self) -> str:
        return invite_group(self.invite_id)


class InviteRejected(Event):
    """The inviter cannot invite now (no points, waiting, or talking)."""

    TYPE: ClassVar[str] = "invite.rejected"
    PUBLISHER: ClassVar[Service] = L
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M, N})
    invite_id: EntityId
    from_user_id: UserId
    to_user_id: UserId
    reason: RejectReason

    def group(self) -> str:
        return invite_group(self.invite_id)


class InviteAcceptFunded(Event):
    """The invitee's points are held (hold id = accept_hold_id(invite id, attempt id))."""

    TYPE: ClassVar[str] = "invite.accept_funded"
    PUBLISHER: ClassVar[Service] = L
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    invite_id: EntityId
    user_id: UserId
    minutes: Minutes
    attempt_id: EntityId | None = None

    @property
    def hold_id(self) -> str:
        return accept_hold_id(self.invite_id, self.attempt_id)

    def group(self) -> str:
        return invite_group(self.invite_id)


class InviteAcceptRejected(Event):
    """The invitee cannot accept now (no points, waiting, or talking)."""

    TYPE: ClassVar[str] = "invite.accept_rejected"
    PUBLISHER: ClassVar[Service] = L
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M, N})
    invite_id: EntityId
    user_id: UserId
    reason: RejectReason
    attempt_id: EntityId | None = None

    def group(self) -> str:
        return invite_group(self.invite_id)


class HoldStale(Event):
    """A hold has been open longer than anything it funds should last. The ledger reads only
    its own tables, so it asks: the matcher answers with the final event it already has for
    the ticket / invite / session (the same event again; the ledger's handlers are
    idempotent), or with nothing while the thing is still going."""

    TYPE: ClassVar[str] = "hold.stale"
    PUBLISHER: ClassVar[Service] = L
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    hold_id: EntityId
    user_id: UserId
    kind: Literal["ticket", "invite", "accept"]
    session_id: EntityId | None = None

    def group(self) -> str:
        return user_group(self.user_id)


class PointsChanged(Event):
    """A person's balance for a day moved (hold, charge or release)."""

    TYPE: ClassVar[str] = "points.changed"
    PUBLISHER: ClassVar[Service] = L
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({N})
    user_id: UserId
    day: date
    left: Annotated[int, Field(ge=0)]
    used: Annotated[int, Field(ge=0)]
    held: Annotated[int, Field(ge=0)]
    resets_at: AwareDatetime

    def group(self) -> str:
        return user_group(self.user_id)


EVENTS: tuple[type[Event], ...] = (
    TicketFunded,
    TicketRejected,
    InviteFunded,
    InviteRejected,
    InviteAcceptFunded,
    InviteAcceptRejected,
    HoldStale,
    PointsChanged,
)
