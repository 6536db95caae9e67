"""Inbox handlers: one per message type, each a thin shell around the bookkeeper.

Every event published here has an id derived from the input that caused it, so a redelivered
input — even one whose first handling died between commit and publish — publishes the very
same events again, and the receivers' dedup sees one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import NamedTuple

from services.ledger import points
from services.ledger.bookkeeping import Bookkeeper, Outcome
from services.ledger.model import Entry, HoldKind, Rules
from services.runtime.consumer import Delivery, Handler
from services.runtime.logs import get_logger, metric
from services.wire.events import Event, derive_id
from services.wire.events.common import RejectReason, accept_hold_id
from services.wire.events.gateway import InviteAcceptRequested, InviteRequested, TicketRequested
from services.wire.events.ledger import (
    InviteAcceptFunded,
    InviteAcceptRejected,
    InviteFunded,
    InviteRejected,
    PointsChanged,
    TicketFunded,
    TicketRejected,
)
from services.wire.events.matcher import (
    InviteAcceptRefused,
    InviteCancelled,
    InviteDeclined,
    InviteExpired,
    SessionEnded,
    SessionStarted,
    TicketCancelled,
)

Publish = Callable[[Sequence[Event]], Awaitable[None]]


def points_changed(entry: Entry, rules: Rules) -> PointsChanged:
    """The announcement of one log entry; its id comes from the input that caused it."""
    return PointsChanged(
        id=derive_id(entry.event_id, PointsChanged.TYPE, entry.user_id),
        occurred_at=entry.at,
        user_id=entry.user_id,
        day=entry.day,
        left=max(0, entry.left_after),
        used=entry.charged_after,
        held=entry.held_after,
        resets_at=rules.resets_at(entry.day),
    )


class Decided(NamedTuple):
    cause: str  # the request event that decided it: the answer's id derives from it
    at: datetime
    minutes: int  # 0 when refused
    reason: RejectReason | None


class LedgerHandlers:
    def __init__(self, keeper: Bookkeeper, publish: Publish) -> None:
        self.keeper = keeper
        self._publish = publish
        self._rules = keeper.rules

    def routes(self) -> dict[str, Handler]:
        return {
            TicketRequested.TYPE: self.ticket_requested,
            TicketCancelled.TYPE: self.ticket_cancelled,
            InviteRequested.TYPE: self.invite_requested,
            InviteAcceptRequested.TYPE: self.invite_accept_requested,
            InviteDeclined.TYPE: self.invite_closed,
            InviteExpired.TYPE: self.invite_closed,
            InviteCancelled.TYPE: self.invite_closed,
            InviteAcceptRefused.TYPE: self.invite_accept_refused,
            SessionStarted.TYPE: self.session_started,
            SessionEnded.TYPE: self.session_ended,
        }

    # -- requests: hold, then fund or refuse -------------------------------------------------

    async def ticket_requested(self, ev: TicketRequested, _: Delivery | None = None) -> None:
        def answer(d: Decided) -> Event:
            if d.minutes:
                return TicketFunded(
                    id=derive_id(d.cause, TicketFunded.TYPE),
                    occurred_at=d.at,
                    ticket_id=ev.ticket_id,
                    user_id=ev.user_id,
                    minutes=d.minutes,
                    # What the matcher pairs by travels on the request itself: a redelivered
                    # request carries it again, so nothing of it needs keeping here.
                    speaks=ev.speaks,
                    learns=ev.learns,
                    levels=ev.levels,
                    welcomes_from=ev.welcomes_from,
                )
            return TicketRejected(
                id=derive_id(d.cause, TicketRejected.TYPE),
                occurred_at=d.at,
                ticket_id=ev.ticket_id,
                user_id=ev.user_id,
                reason=d.reason or "no_points",
            )

        await self._request(ev, ev.ticket_id, ev.user_id, "ticket", answer)

    async def invite_requested(self, ev: InviteRequested, _: Delivery | None = None) -> None:
        def answer(d: Decided) -> Event:
            if d.minutes:
                return InviteFunded(
                    id=derive_id(d.cause, InviteFunded.TYPE),
                    occurred_at=d.at,
                    invite_id=ev.invite_id,
                    from_user_id=ev.from_user_id,
                    to_user_id=ev.to_user_id,
                    from_profile=ev.from_profile,
                    minutes=d.minutes,
                    requested_at=ev.occurred_at,
                )
            return InviteRejected(
                id=derive_id(d.cause, InviteRejected.TYPE),
                occurred_at=d.at,
                invite_id=ev.invite_id,
                from_user_id=ev.from_user_id,
                to_user_id=ev.to_user_id,
                reason=d.reason or "no_points",
            )

        await self._request(ev, ev.invite_id, ev.from_user_id, "invite", answer)

    async def invite_accept_requested(
        self, ev: InviteAcceptRequested, _: Delivery | None = None
    ) -> None:
        def answer(d: Decided) -> Event:
            if d.minutes:
                return InviteAcceptFunded(
                    id=derive_id(d.cause, InviteAcceptFunded.TYPE),
                    occurred_at=d.at,
                    invite_id=ev.invite_id,
                    user_id=ev.user_id,
                    minutes=d.minutes,
                    attempt_id=ev.attempt_id,
                )
            return InviteAcceptRejected(
                id=derive_id(d.cause, InviteAcceptRejected.TYPE),
                occurred_at=d.at,
                invite_id=ev.invite_id,
                user_id=ev.user_id,
                reason=d.reason or "no_points",
                attempt_id=ev.attempt_id,
            )

        # Each attempt has its own hold: a refused one does not decide the next.
        hold_id = accept_hold_id(ev.invite_id, ev.attempt_id)
        await self._request(ev, hold_id, ev.user_id, "accept", answer)

    async def _request(
        self,
        ev: Event,
        hold_id: str,
        user_id: str,
        kind: HoldKind,
        answer: Callable[[Decided], Event],
    ) -> None:
        """Hold (or refuse), then answer: now, or again for a redelivered request."""
        out = await self.keeper.place(hold_id=hold_id, user_id=user_id, kind=kind, event_id=ev.id)
        hold = out.hold
        if hold is None or hold.request_event_id is None or hold.decided_at is None:
            # Cancelled before it was asked (a tombstone): nothing to fund, nothing to refuse.
            return await self._announce_all(ev, [out])
        if hold.reason is not None and not out.replayed:
            metric("PointsRejections", 1, reason=hold.reason, user_id=user_id)
        decided = Decided(hold.request_event_id, hold.decided_at, hold.minutes, hold.reason)
        await self._announce_all(ev, [out], [answer(decided)])

    # -- releases ------------------------------------------------------------------------------

    async def ticket_cancelled(self, ev: TicketCancelled, _: Delivery | None = None) -> None:
        out = await self.keeper.release(
            hold_id=ev.ticket_id, user_id=ev.user_id, kind="ticket", event_id=ev.id
        )
        await self._announce_all(ev, [out])

    async def invite_closed(
        self, ev: InviteDeclined | InviteExpired | InviteCancelled, _: Delivery | None = None
    ) -> None:
        out = await self.keeper.release(
            hold_id=ev.invite_id, user_id=ev.from_user_id, kind="invite", event_id=ev.id
        )
        await self._announce_all(ev, [out])

    async def invite_accept_refused(
        self, ev: InviteAcceptRefused, _: Delivery | None = None
    ) -> None:
        out = await self.keeper.release(
            hold_id=accept_hold_id(ev.invite_id, ev.attempt_id),
            user_id=ev.user_id,
            kind="accept",
            event_id=ev.id,
        )
        await self._announce_all(ev, [out])

    # -- sessions --------------------------------------------------------------------------------

    async def session_started(self, ev: SessionStarted, _: Delivery | None = None) -> None:
        outs = await _each(
            [
                self.keeper.start(
                    hold_id=p.hold_id, user_id=p.user_id, session_id=ev.session_id, event_id=ev.id
                )
                for p in ev.participants
            ]
        )
        for p, out in zip(ev.participants, outs, strict=True):
            if out.skipped and not out.replayed:
                get_logger(session_id=ev.session_id, user_id=p.user_id).warning(
                    "ledger.session_hold_not_held", hold_id=p.hold_id, why=out.skipped
                )
        await self._announce_all(ev, outs)  # nothing to tell (no points moved); logs it
        _require_holds(ev, outs)

    async def session_ended(self, ev: SessionEnded, _: Delivery | None = None) -> None:
        # The matcher says what each pays (the minutes both were in the room together): charge
        # exactly that. Older events: minutes they were both connected, from the start if the
        # matcher did not track media; a session nobody (or only one) connected to is free.
        if ev.minutes_used is not None:
            charged_from, counts = points.charged_span(ev.minutes_used, ev.ended_at)
        else:
            counts = ev.reason != "cancelled" and (
                not ev.media_tracked or ev.connected_at is not None
            )
            charged_from = (ev.connected_at or ev.started_at) if ev.media_tracked else ev.started_at
        # The session lasts as long as the smaller balance allows: nobody pays past that, even
        # if the end timer fired late (whether `minutes` carries each hold or the session's).
        length = min(p.minutes for p in ev.participants)
        outs = await _each(
            [
                self.keeper.settle(
                    hold_id=p.hold_id,
                    user_id=p.user_id,
                    session_id=ev.session_id,
                    started_at=charged_from,
                    ended_at=ev.ended_at,
                    cap=length,
                    counts=counts,
                    event_id=ev.id,
                )
                for p in ev.participants
            ]
        )
        for out in outs:
            if out.entry is not None and not out.replayed:
                metric("PointsCharged", out.entry.charged, session_id=ev.session_id)
        await self._announce_all(ev, outs)
        _require_holds(ev, outs)

    # -- publishing ------------------------------------------------------------------------------

    async def _announce_all(
        self, ev: Event, outs: Sequence[Outcome], answers: Sequence[Event] = ()
    ) -> None:
        events: list[Event] = list(answers)
        for out in outs:
            # The change this input made, or replays; its id derives from the input that made
            # it. A session start moves no points.
            if out.entry is not None and out.entry.kind != "start":
                events.append(points_changed(out.entry, self._rules))
        if events:
            await self._publish(events)
        log = get_logger(event_id=ev.id, event_type=ev.TYPE)
        for out in outs:
            log.info(
                "ledger.handled",
                hold_id=out.hold.hold_id if out.hold else None,
                status=out.hold.status if out.hold else None,
                skipped=out.skipped,
                replayed=out.replayed,
                published=len(events),
            )


class UnknownHold(RuntimeError):
    """A session names a hold the ledger never saw. The matcher only pairs funded holds, so the
    hold must exist: fail, let the message come back, and let the DLQ say so if it never does."""


def _require_holds(ev: SessionStarted | SessionEnded, outs: Sequence[Outcome]) -> None:
    missing = [
        p.hold_id
        for p, out in zip(ev.participants, outs, strict=True)
        if out.skipped == "unknown_hold"
    ]
    if missing:
        metric("UnknownHolds", len(missing), session_id=ev.session_id)
        raise UnknownHold(f"{ev.TYPE} {ev.session_id}: no hold {missing}")


async def _each(calls: Sequence[Awaitable[Outcome]]) -> list[Outcome]:
    """Run the participants' changes side by side; if one fails, the message is retried and
    the one that succeeded replays."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return [r for r in results if isinstance(r, Outcome)]
