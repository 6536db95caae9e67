"""Timers: messages a service sends to its own standard delay queue, never through SNS.

`due_at` is when the timer should act; a delay longer than SQS's 900 s maximum is reached by
re-arming (the consumer sends the same timer again until `due_at` has come).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime

from services.wire.events.base import Event
from services.wire.events.common import EntityId
from services.wire.names import Service

M = Service.MATCHER


class _Timer(Event):
    PUBLISHER: ClassVar[Service] = M
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    due_at: AwareDatetime

    def group(self) -> str:
        return self.id  # standard queue: no ordering


class SessionEndDue(_Timer):
    TYPE: ClassVar[str] = "timer.session_end"
    session_id: EntityId


class SessionTopicDue(_Timer):
    """A session just started: pick its first conversation prompt (due at once)."""

    TYPE: ClassVar[str] = "timer.session_topic"
    session_id: EntityId


class InviteExpiryDue(_Timer):
    TYPE: ClassVar[str] = "timer.invite_expiry"
    invite_id: EntityId


class MediaGraceDue(_Timer):
    """Both people left the media room; end the session if nobody came back."""

    TYPE: ClassVar[str] = "timer.media_grace"
    session_id: EntityId


class TicketRelaxDue(_Timer):
    """Look again for a partner with wider criteria for a ticket still waiting."""

    TYPE: ClassVar[str] = "timer.ticket_relax"
    ticket_id: EntityId
    pool: str


class TicketAbandonDue(_Timer):
    """The person waiting with this ticket closed their last tab a while ago."""

    TYPE: ClassVar[str] = "timer.ticket_abandon"
    ticket_id: EntityId
    user_id: EntityId


class SocketGoneDue(_Timer):
    """A person in a direct-mode session closed their last tab at `closed_at` (`cause`: that
    close's event id); unless a tab of theirs is open again by now, they left the room then."""

    TYPE: ClassVar[str] = "timer.socket_gone"
    session_id: EntityId
    user_id: EntityId
    closed_at: AwareDatetime
    cause: EntityId


EVENTS: tuple[type[Event], ...] = (
    SessionEndDue,
    SessionTopicDue,
    InviteExpiryDue,
    MediaGraceDue,
    TicketRelaxDue,
    TicketAbandonDue,
    SocketGoneDue,
)
