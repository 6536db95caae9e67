"""Intents the gateway publishes on behalf of signed-in people (topic: gateway)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints

from services.wire.events.base import Event
from services.wire.events.common import (
    Cefr,
    EntityId,
    Languages,
    Levels,
    Profile,
    UserId,
    session_group,
    user_group,
)
from services.wire.names import Service

G, M, L, N = Service.GATEWAY, Service.MATCHER, Service.LEDGER, Service.NOTIFIER


class TicketRequested(Event):
    """Press Join: the ledger funds it, the matcher records it."""

    TYPE: ClassVar[str] = "ticket.requested"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({L, M})
    ticket_id: EntityId
    user_id: UserId
    speaks: Languages = ()
    learns: Languages = ()
    levels: Levels = Field(default_factory=dict)
    welcomes_from: Cefr = "A1"

    def group(self) -> str:
        return user_group(self.user_id)


class TicketCancelRequested(Event):
    TYPE: ClassVar[str] = "ticket.cancel_requested"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    ticket_id: EntityId
    user_id: UserId

    def group(self) -> str:
        return user_group(self.user_id)


class InviteRequested(Event):
    """Invite someone online: the ledger holds the inviter's points first."""

    TYPE: ClassVar[str] = "invite.requested"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({L})
    invite_id: EntityId
    from_user_id: UserId
    to_user_id: UserId
    from_profile: Profile

    def group(self) -> str:
        return user_group(self.from_user_id)


class InviteAcceptRequested(Event):
    """The invitee pressed Accept: the ledger holds the invitee's points first.

    `attempt_id` names this press: its hold is `accept_hold_id(invite_id, attempt_id)`, and
    the answers to it carry it on."""

    TYPE: ClassVar[str] = "invite.accept_requested"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({L})
    invite_id: EntityId
    user_id: UserId
    attempt_id: EntityId | None = None

    def group(self) -> str:
        return user_group(self.user_id)


class InviteDeclineRequested(Event):
    TYPE: ClassVar[str] = "invite.decline_requested"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    invite_id: EntityId
    user_id: UserId

    def group(self) -> str:
        return user_group(self.user_id)


class InviteCancelRequested(Event):
    """The inviter withdrew the invite."""

    TYPE: ClassVar[str] = "invite.cancel_requested"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    invite_id: EntityId
    user_id: UserId

    def group(self) -> str:
        return user_group(self.user_id)


class SessionStopRequested(Event):
    TYPE: ClassVar[str] = "session.stop_requested"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    session_id: EntityId
    user_id: UserId

    def group(self) -> str:
        return session_group(self.session_id)


class SessionTopicRequested(Event):
    """A participant pressed "Another topic". `seen_n`: the topic number the gateway saw on
    the session when the press came (0: none yet); a press made before the topic changed
    again is about a topic already gone, and changes nothing (two presses at once: one change)."""

    TYPE: ClassVar[str] = "session.topic_requested"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    session_id: EntityId
    user_id: UserId
    seen_n: Annotated[int, Field(ge=0)] = 0

    def group(self) -> str:
        return session_group(self.session_id)


Verdict = Literal["good", "not_for_me"]


class SessionFeedbackGiven(Event):
    """After the call, one person's private verdict on it (once per session). `not_for_me`
    keeps the pair apart in random matching for 30 days (the matcher's soft block)."""

    TYPE: ClassVar[str] = "session.feedback_given"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    session_id: EntityId
    user_id: UserId
    verdict: Verdict

    def group(self) -> str:
        return session_group(self.session_id)


SignalKind = Literal["offer", "answer", "candidate", "bye"]


class SignalRelayed(Event):
    """Direct mode: an SDP offer/answer or ICE candidate for the other participant."""

    TYPE: ClassVar[str] = "signal.relayed"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({N})
    session_id: EntityId
    from_user_id: UserId
    to_user_id: UserId
    kind: SignalKind
    # The SDP or candidate object exactly as the browser produced it (bounded by the gateway).
    data: dict[str, Any] = Field(default_factory=dict)

    def group(self) -> str:
        # Per recipient, so candidates never overtake the offer they belong to.
        return user_group(self.to_user_id)


class UserBlocked(Event):
    TYPE: ClassVar[str] = "user.blocked"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    user_id: UserId
    blocked_user_id: UserId

    def group(self) -> str:
        return user_group(self.user_id)


class UserUnblocked(Event):
    """Lift my block of someone (from settings). Their block of me, if any, stays."""

    TYPE: ClassVar[str] = "user.unblocked"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    user_id: UserId
    unblocked_user_id: UserId

    def group(self) -> str:
        # The same group as the block, so a block and its unblock stay in order.
        return user_group(self.user_id)


class UserReported(Event):
    """A report also blocks the pair: nobody is matched again with someone they reported."""

    TYPE: ClassVar[str] = "user.reported"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    report_id: EntityId
    user_id: UserId
    reported_user_id: UserId
    reason: Literal["abuse", "spam", "inappropriate", "other"]
    session_id: EntityId | None = None
    note: Annotated[str, StringConstraints(max_length=1000)] = ""

    def group(self) -> str:
        return user_group(self.user_id)


class PartnershipChanged(Event):
    """Two people became partners (both said "talk again" after a conversation), or one of
    them ended it (`partners` false). The matcher prefers a waiting partner. Changes of one
    pair can come from either person (two groups): `occurred_at` orders them, and an older
    change arriving after a newer one is ignored."""

    TYPE: ClassVar[str] = "partner.changed"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    user_id: UserId  # who answered or removed
    other_user_id: UserId
    partners: bool

    def group(self) -> str:
        return user_group(self.user_id)


# LiveKit's name for one connection of a participant (`participant.sid`, "PA_…").
ConnectionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class MediaParticipantJoined(Event):
    """Someone's media is connected: from a verified LiveKit webhook (livekit mode), or from
    the browser's own report once its peer connection is up (direct mode).

    `occurred_at` is the moment it happened: LiveKit's own stamp on the webhook (`createdAt`),
    or when the gateway received the browser's report. The matcher orders the room's log by
    it, whatever order the events arrive in (docs/api.md, "Points and time: the rules")."""

    TYPE: ClassVar[str] = "media.participant_joined"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    session_id: EntityId
    user_id: UserId
    # Added without a version bump: which of the person's connections (livekit mode).
    connection: ConnectionId | None = None

    def group(self) -> str:
        return session_group(self.session_id)


class MediaParticipantLeft(Event):
    """Someone's media connection is gone (LiveKit's `participant_left` or
    `participant_connection_aborted`); `occurred_at` as for `MediaParticipantJoined`."""

    TYPE: ClassVar[str] = "media.participant_left"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    session_id: EntityId
    user_id: UserId
    connection: ConnectionId | None = None

    def group(self) -> str:
        return session_group(self.session_id)


# A word or phrase starred from a call's chat: one line of text, as the browser cleaned it.
WORD_MAX_CHARS = 200
WordText = Annotated[str, StringConstraints(min_length=1, max_length=WORD_MAX_CHARS)]


class WordStarred(Event):
    """A participant starred a word or phrase from the call's chat (chat lines travel between
    the browsers, so the text comes from the browser). The matcher keeps it on the person's
    own history row of the session; `word_id` names it there (a repeat adds nothing)."""

    TYPE: ClassVar[str] = "word.starred"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M})
    word_id: EntityId
    session_id: EntityId
    user_id: UserId
    text: WordText

    def group(self) -> str:
        return user_group(self.user_id)


class ConnectionOpened(Event):
    """A browser tab connected to the WebSocket edge (the notifier keeps its own copy; the
    matcher learns who is still around, so a closed tab does not leave a ticket waiting)."""

    TYPE: ClassVar[str] = "connection.opened"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({N, M})
    connection_id: EntityId
    user_id: UserId

    def group(self) -> str:
        return user_group(self.user_id)


class ConnectionClosed(Event):
    TYPE: ClassVar[str] = "connection.closed"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({N, M})
    connection_id: EntityId
    user_id: UserId

    def group(self) -> str:
        return user_group(self.user_id)


# `anon-` and the hex HMAC-SHA256 of the person's id (services/gateway/people/erasure.py).
Pseudonym = Annotated[str, StringConstraints(pattern=r"^anon-[0-9a-f]{64}$")]


class UserErased(Event):
    """The person deleted their account: every service that holds items about them erases
    its own, or replaces their id with the pseudonym where abuse handling keeps the item."""

    TYPE: ClassVar[str] = "user.erased"
    PUBLISHER: ClassVar[Service] = G
    CONSUMERS: ClassVar[frozenset[Service]] = frozenset({M, L, N})
    user_id: UserId
    pseudonym: Pseudonym

    def group(self) -> str:
        # After everything the gateway published for the person (a last connection.closed).
        return user_group(self.user_id)


EVENTS: tuple[type[Event], ...] = (
    TicketRequested,
    TicketCancelRequested,
    InviteRequested,
    InviteAcceptRequested,
    InviteDeclineRequested,
    InviteCancelRequested,
    SessionStopRequested,
    SessionTopicRequested,
    SessionFeedbackGiven,
    SignalRelayed,
    UserBlocked,
    UserUnblocked,
    UserReported,
    PartnershipChanged,
    MediaParticipantJoined,
    MediaParticipantLeft,
    WordStarred,
    ConnectionOpened,
    ConnectionClosed,
    UserErased,
)
