"""Sessions: how one starts (a match or an accepted invite) and every way it ends — the timer
at `endsAt`, Stop from either person, or both out of the media room past a grace period."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from services.matcher import outbox
from services.matcher.clock import iso
from services.matcher.context import MAX_ATTEMPTS, Matcher, component_log
from services.matcher.items import Entry, person_to
from services.matcher.outbox import Action
from services.matcher.records import Session
from services.matcher.rules import SessionPlan, end_time, ended_event, minutes_used
from services.matcher.session_items import pair_met, session_end, session_start
from services.runtime.dynamo import (
    TransactionConflict,
    from_item,
    is_condition_failure,
    to_item,
    values,
)
from services.runtime.logs import metric
from services.wire.events.base import Event, derive_id
from services.wire.events.gateway import (
    MediaParticipantJoined,
    MediaParticipantLeft,
    SessionStopRequested,
)
from services.wire.events.matcher import EndReason
from services.wire.events.timers import MediaGraceDue, SessionEndDue

log = component_log("sessions")


def start_entries(m: Matcher, plan: SessionPlan, now: datetime, *, rematch: bool) -> list[Entry]:
    """The session, both history rows and today's meeting (never over a block). Unless the
    pair was chosen knowing they already talked today, their rows must say they did not."""
    a, b = (p.user_id for p in plan.participants)
    day, until = m.today(now), m.end_of_day(now) + timedelta(days=1)
    return [
        *session_start(m.tables, plan, m.settings.history_days),
        pair_met(m.tables, a, b, day, until, first_today=not rematch),
        pair_met(m.tables, b, a, day, until, first_today=not rematch),
    ]


def start_actions(plan: SessionPlan) -> list[Action]:
    """The end timer and the news; the room (livekit mode) is created right after, in a stage
    of its own (`Matcher.commit`) — LiveKit would create it on first join anyway, the call
    only sets how long an empty room lives."""
    actions: list[Action] = []
    if plan.media_mode == "livekit":
        actions.append(outbox.room_create(plan.room))
    end = SessionEndDue(
        id=derive_id("timer.session_end", plan.session_id),
        session_id=plan.session_id,
        due_at=plan.ends_at,
    )
    actions.append(outbox.timer(end, plan.ends_at))
    actions.append(outbox.publish(plan.started()))
    return actions


def started_metrics(plan: SessionPlan, waited_s: float | None = None) -> None:
    fields: dict[str, Any] = {"session_id": plan.session_id, "origin": plan.origin}
    metric("SessionsStarted", 1, **fields)
    if waited_s is not None:
        metric("MatchWaitSeconds", round(waited_s, 3), "Seconds", **fields)


async def end_session(
    m: Matcher,
    session_id: str,
    reason: EndReason,
    marker: str,
    stopped_by: str | None = None,
    extra: Callable[[Session, datetime], Awaitable[list[Entry]]] | None = None,
) -> bool:
    """End a live session once; False if it had already ended (or never existed)."""
    for _ in range(MAX_ATTEMPTS):
        s = await m.store.session(session_id)
        if s is None or s.status != "live":
            await m.flush_for(marker)
            return False
        now = m.now()
        ended_at = end_time(s, now)
        length = max(1, round((s.ends_at - s.starts_at).total_seconds() / 60))
        # Minutes count from when both were connected; never connected, nothing to pay.
        connected = s.connected_at
        used = minutes_used(connected, ended_at, length) if connected else 0
        items = session_end(
            m.tables, session_id, s.user_ids, s.starts_at, ended_at, reason, used, stopped_by
        )
        if extra is not None:
            items += await extra(s, now)
        for user in s.user_ids:
            person = await m.store.person(user)
            if person.state == "in_session" and person.session_id == session_id:
                items.append(person_to(m.tables, person, "free", now))
            else:
                log.warning("session.person_elsewhere", session_id=session_id, user_id=user)
        actions: list[Action] = []
        if s.media_mode == "livekit":
            actions.append(outbox.room_delete(s.room))
        actions.append(outbox.publish(ended_event(s, ended_at, reason, stopped_by)))
        try:
            await m.commit(marker, items, actions)
        except TransactionConflict:
            continue
        metric("SessionsEnded", 1, reason=reason, session_id=session_id, minutes=used)
        return True
    raise RuntimeError(f"ending session {session_id} kept conflicting")


async def rearm_if_early(m: Matcher, timer: Event, due_at: datetime) -> bool:
    """A timer that came before its time (long delays come in 900 s hops) goes back."""
    now = m.now()
    if (due_at - now).total_seconds() <= 1:
        return False
    await m.timers.schedule(timer, due_at, now)
    return True


async def on_stop_requested(m: Matcher, event: SessionStopRequested) -> None:
    s = await m.store.session(event.session_id)
    if s is None or event.user_id not in s.user_ids:
        log.warning("session.stop_ignored", session_id=event.session_id, user_id=event.user_id)
        return
    await end_session(m, event.session_id, "stopped", event.id, stopped_by=event.user_id)


async def on_end_due(m: Matcher, timer: SessionEndDue) -> None:
    s = await m.store.session(timer.session_id)
    if s is None or s.status != "live":
        return  # stopped or left earlier: a late timer changes nothing
    if await rearm_if_early(m, timer, s.ends_at):
        return
    await end_session(m, timer.session_id, "time_up", timer.id)


async def _media_update(m: Matcher, session_id: str, user_id: str, update: str) -> Any:
    try:
        resp = await m.store.db.update_item(
            TableName=m.tables.sessions,
            Key=to_item({"sessionId": session_id}),
            UpdateExpression=update,
            ConditionExpression="#status = :live AND contains(userIds, :user)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values(live="live", user=user_id, users={user_id}),
            ReturnValues="ALL_NEW",
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return None  # not live, or not theirs: nothing to track
        raise
    return resp["Attributes"]


async def on_media_joined(m: Matcher, event: MediaParticipantJoined) -> None:
    item = await _media_update(
        m, event.session_id, event.user_id, "ADD inRoom :users, joined :users REMOVE emptySince"
    )
    if item is None or "connectedAt" in item:
        return
    session = from_item(item)
    if set(session.get("joined", ())) >= set(session.get("userIds", ())):
        # Both are in for the first time: the conversation, and what it costs, starts now.
        try:
            await m.store.db.update_item(
                TableName=m.tables.sessions,
                Key=to_item({"sessionId": event.session_id}),
                UpdateExpression="SET connectedAt = :now REMOVE awaitingShard",
                ConditionExpression="#status = :live AND attribute_not_exists(connectedAt)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values(live="live", now=iso(m.now())),
            )
        except Exception as exc:
            if not is_condition_failure(exc):
                raise


async def on_media_left(m: Matcher, event: MediaParticipantLeft) -> None:
    item = await _media_update(m, event.session_id, event.user_id, "DELETE inRoom :users")
    if item is None or item.get("inRoom"):
        return
    now = m.now()
    try:
        await m.store.db.update_item(
            TableName=m.tables.sessions,
            Key=to_item({"sessionId": event.session_id}),
            UpdateExpression="SET emptySince = if_not_exists(emptySince, :now)",
            ConditionExpression="#status = :live AND attribute_not_exists(inRoom)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values(live="live", now=iso(now)),
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return  # someone came back meanwhile
        raise
    due = now + timedelta(seconds=m.settings.media_grace_s)
    grace = MediaGraceDue(
        id=derive_id("timer.media_grace", event.id), session_id=event.session_id, due_at=due
    )
    await m.timers.schedule(grace, due, now)


async def on_media_grace_due(m: Matcher, timer: MediaGraceDue) -> None:
    s = await m.store.session(timer.session_id)
    if s is None or s.status != "live" or s.in_room or s.empty_since is None:
        return  # over already, or someone is (back) in the room
    due = s.empty_since + timedelta(seconds=m.settings.media_grace_s)
    if await rearm_if_early(m, timer, due):
        return
    await end_session(m, timer.session_id, "left", timer.id)
