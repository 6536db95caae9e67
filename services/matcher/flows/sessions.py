"""Sessions: how one starts (a match or an accepted invite), the media room log that says who
was in it when, and every way it ends — the timer at `endsAt`, Stop from either person, both
out of the media room past a grace period, or (reconcile.py) a no-show. What is charged and
when it ended follow docs/api.md, "Points and time: the rules"."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from services.matcher.clock import iso
from services.matcher.context import MAX_ATTEMPTS, Matcher, component_log
from services.matcher.core.room_log import IN, MAX_MARKS, OUT, Kind, Mark, changes_nothing, marks
from services.matcher.core.rules import (
    Ending,
    SessionPlan,
    due_ending,
    end_time,
    ended_event,
    left_due,
    met_in_time,
)
from services.matcher.flows.front import places
from services.matcher.flows.topics import first_topic_timer
from services.matcher.tables import outbox
from services.matcher.tables.items import Entry, person_to
from services.matcher.tables.outbox import Action
from services.matcher.tables.records import Session
from services.matcher.tables.session_items import (
    AWAITING,
    log_unchanged,
    pair_met,
    session_end,
    session_start,
)
from services.runtime.dynamo import TransactionConflict, is_condition_failure, to_item, values
from services.runtime.logs import metric
from services.runtime.retry import Contended
from services.wire.events.base import Event, derive_id
from services.wire.events.gateway import (
    MediaParticipantJoined,
    MediaParticipantLeft,
    SessionStopRequested,
)
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
    # The first conversation prompt, right after the news (topics.py).
    actions.append(outbox.timer(first_topic_timer(plan.session_id, plan.starts_at), plan.starts_at))
    return actions


def started_metrics(plan: SessionPlan, waited_s: float | None = None) -> None:
    fields: dict[str, Any] = {"session_id": plan.session_id, "origin": plan.origin}
    metric("SessionsStarted", 1, **fields)
    if waited_s is not None:
        metric("MatchWaitSeconds", round(waited_s, 3), "Seconds", **fields)


def _ending(
    m: Matcher, s: Session, until: datetime, stopped_at: datetime | None = None
) -> Ending | None:
    """How `s` ends by the rules, noticed at `until`: the first of their own ends in force by
    then, else a Stop pressed at `stopped_at`, else None (nothing ends it yet)."""
    ending = due_ending(s, until, _no_show(m), _grace(m))
    if ending is None and stopped_at is not None:
        ending = Ending("stopped", end_time(s, stopped_at))
    return ending


async def end_session(
    m: Matcher,
    session_id: str,
    marker: str,
    *,
    until: datetime | None = None,
    stop: SessionStopRequested | None = None,
) -> Ending | None:
    """End a live session the way the rules say it ended, noticed at `until` (now by default;
    a Stop's own time for a Stop); None if it had already ended, or never existed, or nothing
    ends it yet. The end is written only over the room log it was decided on: a media event
    landing meanwhile sends the decision round again."""
    for _ in range(MAX_ATTEMPTS):
        s = await m.store.session(session_id)
        if s is None or s.status != "live":
            await m.flush_for(marker)
            return None
        now = m.now()
        stopped_at = stop.occurred_at if stop is not None else None
        ending = _ending(m, s, stopped_at or until or now, stopped_at)
        if ending is None:
            return None
        reason = ending.reason
        stopped_by = stop.user_id if stop is not None and reason == "stopped" else None
        event = ended_event(s, ending.ended_at, reason, stopped_by)
        used = event.minutes_used or 0
        items = session_end(
            m.tables,
            session_id,
            s.user_ids,
            s.starts_at,
            ending.ended_at,
            reason,
            used,
            stopped_by,
            connected_at=event.connected_at,
            log_size=len(s.room_log),
        )
        if reason == "cancelled":
            # Whoever is in gets their place in the queue back, in the same write as the end.
            items += await places(m, s, now)
        for user in s.user_ids:
            person = await m.store.person(user)
            if person.state == "in_session" and person.session_id == session_id:
                items.append(person_to(m.tables, person, "free", now))
            else:
                log.warning("session.person_elsewhere", session_id=session_id, user_id=user)
        actions: list[Action] = []
        if s.media_mode == "livekit":
            actions.append(outbox.room_delete(s.room))
        actions.append(outbox.publish(event))
        try:
            await m.commit(marker, items, actions)
        except TransactionConflict:
            continue
        metric("SessionsEnded", 1, reason=reason, session_id=session_id, minutes=used)
        if reason == "cancelled":
            metric("NoShows", 1, session_id=session_id, joined=list(event.showed_up))
            log.info("session.no_show", session_id=session_id, joined=list(event.showed_up))
        return ending
    raise Contended(f"ending session {session_id} kept conflicting")


async def rearm_if_early(m: Matcher, timer: Event, due_at: datetime) -> bool:
    """A timer that came before its time (long delays come in 900 s hops) goes back."""
    now = m.now()
    if (due_at - now).total_seconds() <= 1:
        return False
    await m.timers.schedule(timer, due_at, now)
    return True


async def on_stop_requested(m: Matcher, event: SessionStopRequested) -> None:
    """Stop ends the session when the gateway took it (its `occurred_at`), however long it
    took to get here — unless one of the rules' own ends came first."""
    s = await m.store.session(event.session_id)
    if s is None or event.user_id not in s.user_ids:
        log.warning("session.stop_ignored", session_id=event.session_id, user_id=event.user_id)
        return
    await end_session(m, event.session_id, event.id, stop=event)


# The media room log (room_log.py): every join and leave is one mark, added over the log that
# was read, with what the log now says (`connectedAt`, and whether the session still waits
# for the two to meet in time: the `awaiting` index) in the same write.
async def on_media_joined(m: Matcher, event: MediaParticipantJoined) -> None:
    await _record(m, event, IN)


async def on_media_left(m: Matcher, event: MediaParticipantLeft) -> None:
    await _record(m, event, OUT)


async def _record(
    m: Matcher, event: MediaParticipantJoined | MediaParticipantLeft, kind: Kind
) -> None:
    mark = Mark(event.occurred_at, event.user_id, kind, event.connection or "", event.id)
    for _ in range(MAX_ATTEMPTS):
        s = await m.store.session(event.session_id)
        if s is None or s.status != "live" or event.user_id not in s.user_ids:
            return  # over, unknown, or not theirs: nothing to track
        if s.connected_at is not None and not s.room_log:
            return  # connected before sessions kept a room log: it ends and is charged as then
        if mark.event_id in {k.event_id for k in marks(s.room_log)}:
            break  # a repeat: the log has it (the grace timer is looked at again below)
        if changes_nothing(s.room_log, mark):
            break  # "in" while in, "out" while out: nothing to write
        if len(s.room_log) >= MAX_MARKS:
            # No mark is ever dropped (a dropped leave would charge the partner to the end):
            # a log this full (a connection dropped and came back over a hundred times) ends
            # the session at this mark, as a Stop by whoever's mark did not fit.
            log.warning("session.room_log_full", session_id=s.session_id, user_id=mark.user)
            metric("RoomLogFull", 1, session_id=s.session_id)
            full = SessionStopRequested(
                id=derive_id("session.room_log_full", s.session_id),
                occurred_at=mark.at,
                session_id=s.session_id,
                user_id=mark.user,
            )
            await end_session(m, s.session_id, full.id, stop=full)
            return
        added = await _add_mark(m, s, mark)
        if added is not None:
            s = added
            break
    else:
        raise Contended(f"recording {event.id} in session {event.session_id} kept conflicting")
    await _arm_grace(m, s, event.id)


async def _add_mark(m: Matcher, s: Session, mark: Mark) -> Session | None:
    """`s` with `mark` added to its log, written over the log `s` holds; None if that log
    changed since it was read."""
    after = replace(s, room_log=s.room_log | {mark.encode()})
    connected = after.view().connected_at
    unchanged, vals = log_unchanged(len(s.room_log))
    vals |= values(mark={mark.encode()}, live="live")
    sets: list[str] = []
    removes: list[str] = []
    if connected is not None:
        sets.append("connectedAt = :connected")
        vals |= values(connected=iso(connected))
    else:
        removes.append("connectedAt")
    # Out of the no-show reconciler's index once they have met in time; back in, should a
    # late mark show that they had not after all.
    if met_in_time(after, _no_show(m)):
        removes.append("awaitingShard")
    else:
        sets.append("awaitingShard = :awaiting")
        vals |= values(awaiting=AWAITING.of(s.session_id))
    update = f"ADD roomLog :mark SET {', '.join(sets)}"
    update += f" REMOVE {', '.join(removes)}" if removes else ""
    try:
        await m.store.db.update_item(
            TableName=m.tables.sessions,
            Key=to_item({"sessionId": s.session_id}),
            UpdateExpression=update,
            ConditionExpression=f"#status = :live AND {unchanged}",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=vals,
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return None
        raise
    return after


def _no_show(m: Matcher) -> timedelta:
    return timedelta(seconds=m.settings.no_show_s)


def _grace(m: Matcher) -> timedelta:
    return timedelta(seconds=m.settings.media_grace_s)


async def _arm_grace(m: Matcher, s: Session, cause: str) -> None:
    """Once the two have been together and the room is empty, the `left` end is due a grace
    period after it emptied (at once, when a late webhook shows it is overdue)."""
    due = left_due(s, _grace(m))
    if due is None or due >= s.ends_at:
        return  # someone is in, they never met, or the end timer comes first
    now = m.now()
    grace = MediaGraceDue(
        id=derive_id("timer.media_grace", cause), session_id=s.session_id, due_at=due
    )
    await m.timers.schedule(grace, max(due, now), now)
