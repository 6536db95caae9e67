"""A session is decided only inside its own message group.

What the gateway accepts for a session (joins, leaves, a Stop) travels in the session's FIFO
group, and a message of that group can sit there a while: held by an instance that died
mid-message until its visibility runs out, or behind one that keeps failing. The session's own
ends — time up, the room left empty past the grace, a no-show — come from elsewhere: the timer
queue (standard, no groups) and the reconciler's sweep. Deciding there would decide on a room
log that still lacks what the gateway had already accepted (a no-show for two people whose
joins are queued, `time_up` for a session whose Stop is queued).

So neither decides. A timer that fires, or a sweep that finds an end due, sends the matcher a
`session.check_due` in the session's group; it arrives behind everything accepted for the
session before it was sent, and its handler decides then, on the room log as it stands, with
the same conditional end as a Stop (`sessions.end_session`).

Each check's id derives from (session, what is due, from when): the end timer, the grace timer
and each reconciler pass that find the same end due publish one message — SNS FIFO drops a
repeat within its 5-minute window, and once the session has ended a repeat changes nothing.
The cost of a blocked group is one `Publish` per reconciler pass per session found due
(`reconcile_s`, 10 s), until the group moves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.matcher.clock import iso
from services.matcher.context import Matcher, component_log
from services.matcher.core.rules import left_due, met_in_time, no_show_at
from services.matcher.flows.sessions import end_session, rearm_if_early
from services.matcher.tables import outbox
from services.runtime.logs import repair
from services.wire.events.base import derive_id
from services.wire.events.matcher import DueEnd, SessionCheckDue
from services.wire.events.timers import MediaGraceDue, SessionEndDue

log = component_log("session_checks")


def check_due(session_id: str, due: DueEnd, due_at: datetime) -> SessionCheckDue:
    """The one check for this end of this session (the same message whoever asks, and when)."""
    return SessionCheckDue(
        id=derive_id("session.check_due", session_id, due, iso(due_at)),
        occurred_at=due_at,
        session_id=session_id,
        due=due,
        due_at=due_at,
    )


async def ask(m: Matcher, session_id: str, due: DueEnd, due_at: datetime) -> None:
    """Send the check into the session's group. Nothing is written: a lost publish is asked
    again by the next timer delivery or reconciler pass."""
    await m.outbox.perform([outbox.publish(check_due(session_id, due, due_at))])
    log.info("session.check_asked", session_id=session_id, due=due, due_at=iso(due_at))


async def on_check_due(m: Matcher, event: SessionCheckDue) -> None:
    """Everything the gateway accepted for the session before the check was sent has been
    handled: end the session if the rules end it by now (the first end in force, which may
    be another than the one asked about, or a Stop already handled — then nothing)."""
    now = m.now()
    ending = await end_session(m, event.session_id, event.id, until=max(now, event.due_at))
    if ending is None:
        log.info("session.check_nothing_due", session_id=event.session_id, due=event.due)
        return
    late = (now - event.due_at).total_seconds()
    if event.due == "time_up" and late > m.settings.overdue_grace_s:
        # The end timer was lost, or the group was held back that long: counted once, here,
        # where the end is committed (the reconciler may have asked several times).
        repair("session_overdue", session_id=event.session_id)
        log.warning("session.overdue_ended", session_id=event.session_id, reason=ending.reason)


async def on_end_due(m: Matcher, timer: SessionEndDue) -> None:
    """`endsAt` has come: ask the session's group (a Stop queued there ends it first)."""
    s = await m.store.session(timer.session_id)
    if s is None or s.status != "live":
        return  # stopped or left earlier: a late timer changes nothing
    if await rearm_if_early(m, timer, s.ends_at):
        return
    await ask(m, s.session_id, "time_up", s.ends_at)


async def on_media_grace_due(m: Matcher, timer: MediaGraceDue) -> None:
    """The grace after the room emptied has run out, as far as the log knows now: ask the
    session's group (a join queued there may show someone came back)."""
    s = await m.store.session(timer.session_id)
    if s is None or s.status != "live":
        return
    due = left_due(s, timedelta(seconds=m.settings.media_grace_s))
    if due is None:
        return  # someone came back in time, or they never met (the no-show rule's case)
    if await rearm_if_early(m, timer, due):
        return
    await ask(m, s.session_id, "left", due)


async def ask_if_no_show(m: Matcher, session_id: str) -> bool:
    """The reconciler found `session_id` in the no-show index past its moment: ask, unless
    the table already shows the two met in time (the index lags a little). True if asked."""
    s = await m.store.session(session_id)
    no_show = timedelta(seconds=m.settings.no_show_s)
    if s is None or s.status != "live" or met_in_time(s, no_show):
        return False
    await ask(m, session_id, "cancelled", no_show_at(s, no_show))
    return True


async def ask_if_overdue(m: Matcher, session_id: str) -> bool:
    """The reconciler found `session_id` live past `endsAt` and the timer's grace: ask (again,
    if the group is held back; the repeat is the same message). True if asked."""
    s = await m.store.session(session_id)
    if s is None or s.status != "live":
        return False
    await ask(m, session_id, "time_up", s.ends_at)
    log.warning("session.overdue_asked", session_id=session_id)
    return True
