"""What the matcher's tables hold, read back into typed records (attribute names are the
read-model contract the gateway relies on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from services.matcher.clock import parse_iso
from services.matcher.core.room_log import RoomView, view
from services.matcher.core.waiting import Waiting
from services.wire.events.common import Participant, Profile

TicketStatus = Literal["requested", "funded", "waiting", "matched", "cancelled", "rejected"]
PersonState = Literal["free", "waiting", "inviting", "in_session"]
InviteStatus = Literal["pending", "accepted", "declined", "expired", "cancelled", "rejected"]
PARTNER = "#partner#"  # a partner's row in matcher-pairs: other = this + their id
SOFT = "#soft#"  # a soft block ("not for me" after a call, `feedback`): other = this + their id
TOPICS = "#topics#"  # the prompts a person was shown on a day (`topics`): other = this + day
FINAL_TICKET: frozenset[str] = frozenset({"matched", "cancelled", "rejected"})


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    user_id: str
    status: TicketStatus
    speaks: tuple[str, ...] = ()
    learns: tuple[str, ...] = ()
    pool: str = "any"
    minutes: int = 0
    waiting_since: datetime | None = None
    looking_for: str | None = None
    session_id: str | None = None

    @classmethod
    def from_item(cls, d: dict[str, Any]) -> Ticket:
        since = d.get("waitingSince")
        return cls(
            ticket_id=d["ticketId"],
            user_id=d.get("userId", ""),
            status=d.get("status", "requested"),
            speaks=tuple(d.get("speaks", ())),
            learns=tuple(d.get("learns", ())),
            pool=d.get("pool", "any"),
            minutes=int(d.get("minutes", 0)),
            waiting_since=parse_iso(since) if since else None,
            looking_for=d.get("lookingFor"),
            session_id=d.get("sessionId"),
        )

    def waiting(self) -> Waiting:
        """This waiting ticket as the pairing core holds it (pairs are learned separately)."""
        assert self.waiting_since is not None
        return Waiting(
            ticket_id=self.ticket_id,
            user_id=self.user_id,
            speaks=self.speaks,
            learns=self.learns,
            since=self.waiting_since.timestamp(),
            minutes=self.minutes or 1,
            pool=self.pool,
        )


@dataclass(frozen=True)
class Person:
    """What someone is doing now; a missing item is someone free."""

    user_id: str
    state: PersonState = "free"
    ticket_id: str | None = None
    session_id: str | None = None
    invite_id: str | None = None
    exists: bool = False

    @property
    def free(self) -> bool:
        return self.state == "free"

    @classmethod
    def from_item(cls, user_id: str, d: dict[str, Any] | None) -> Person:
        if d is None:
            return cls(user_id)
        return cls(
            user_id=user_id,
            state=d.get("state", "free"),
            ticket_id=d.get("ticketId"),
            session_id=d.get("sessionId"),
            invite_id=d.get("inviteId"),
            exists=True,
        )


@dataclass(frozen=True)
class Session:
    session_id: str
    status: Literal["live", "ended"]
    participants: tuple[Participant, ...]
    starts_at: datetime
    ends_at: datetime
    media_mode: str
    room: str
    origin: str
    invite_id: str | None = None
    ticket_ids: tuple[str, ...] = ()
    ended_at: datetime | None = None
    reason: str | None = None
    # The media room log (`room_log`): who was in the room when. Everything about presence
    # is read from it; `connectedAt` is kept on the item for readers of the table.
    room_log: frozenset[str] = field(default_factory=frozenset)
    connected_at: datetime | None = None  # first moment both were in (a session's own record)
    minutes_used: int | None = None  # once ended: what each was charged
    stopped_by: str | None = None

    @property
    def user_ids(self) -> tuple[str, ...]:
        return tuple(p.user_id for p in self.participants)

    def view(self) -> RoomView:
        return view(self.room_log, self.user_ids, self.starts_at, self.ends_at)

    @property
    def in_room(self) -> frozenset[str]:
        """Who is in the media room, as far as the log knows."""
        return self.view().in_now

    @classmethod
    def from_item(cls, d: dict[str, Any]) -> Session:
        ended, connected, used = d.get("endedAt"), d.get("connectedAt"), d.get("minutesUsed")
        return cls(
            session_id=d["sessionId"],
            status=d["status"],
            participants=tuple(
                Participant(user_id=p["userId"], hold_id=p["holdId"], minutes=int(p["minutes"]))
                for p in d["participants"]
            ),
            starts_at=parse_iso(d["startsAt"]),
            ends_at=parse_iso(d["endsAt"]),
            media_mode=d.get("mediaMode", "direct"),
            room=d.get("room", d["sessionId"]),
            origin=d.get("origin", "match"),
            invite_id=d.get("inviteId"),
            ticket_ids=tuple(d.get("ticketIds", ())),
            ended_at=parse_iso(ended) if ended else None,
            reason=d.get("reason"),
            room_log=frozenset(d.get("roomLog", ())),
            connected_at=parse_iso(connected) if connected else None,
            minutes_used=int(used) if used is not None else None,
            stopped_by=d.get("stoppedBy"),
        )


@dataclass(frozen=True)
class Invite:
    invite_id: str
    from_user_id: str
    status: InviteStatus
    to_user_id: str = ""
    expires_at: datetime | None = None
    from_profile: Profile | None = None
    minutes: int = 0
    session_id: str | None = None
    reason: str | None = None

    @classmethod
    def from_item(cls, d: dict[str, Any]) -> Invite:
        deadline, profile = d.get("expiresAtIso"), d.get("fromProfile")
        return cls(
            invite_id=d["inviteId"],
            from_user_id=d.get("fromUserId", ""),
            to_user_id=d.get("toUserId", ""),
            status=d["status"],
            expires_at=parse_iso(deadline) if deadline else None,
            from_profile=Profile.model_validate(profile) if profile else None,
            minutes=int(d.get("minutes", 0)),
            session_id=d.get("sessionId"),
            reason=d.get("reason"),
        )


@dataclass(frozen=True)
class Pairs:
    """One person's rows in matcher-pairs: whom they blocked (or were blocked by), whom they
    talked to on which day, who their partners are."""

    blocked: frozenset[str] = frozenset()
    partners: frozenset[str] = frozenset()
    met_on: dict[str, str] = field(default_factory=dict)
    # A place at the front of the queue after a no-show (see `front`): since, until (epoch s).
    front: tuple[float, float] | None = None
    # Soft blocks this person set after a call: other → until (epoch s).
    soft_until: dict[str, float] = field(default_factory=dict)

    def met_today(self, day: str) -> set[str]:
        return {other for other, d in self.met_on.items() if d == day}

    def avoiding(self, now: float) -> frozenset[str]:
        """Whom pairing must keep this person from: blocks, and soft blocks not yet over."""
        return self.blocked | {other for other, until in self.soft_until.items() if now < until}

    @classmethod
    def from_items(cls, items: list[dict[str, Any]]) -> Pairs:
        return cls(
            blocked=frozenset(i["otherUserId"] for i in items if i.get("blocked")),
            partners=frozenset(
                i["otherUserId"].removeprefix(PARTNER)
                for i in items
                if i.get("partner") and i["otherUserId"].startswith(PARTNER)
            ),
            met_on={i["otherUserId"]: i["metDay"] for i in items if i.get("metDay")},
            front=next(
                (
                    (int(i["frontSinceMs"]) / 1000, int(i["frontUntilMs"]) / 1000)
                    for i in items
                    if "frontUntilMs" in i
                ),
                None,
            ),
            soft_until={
                i["otherUserId"].removeprefix(SOFT): int(i["softUntilMs"]) / 1000
                for i in items
                if i["otherUserId"].startswith(SOFT) and "softUntilMs" in i
            },
        )
