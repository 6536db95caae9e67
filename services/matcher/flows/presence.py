"""Who still has a tab open, so a closed tab does not leave a ticket waiting for nobody.

The gateway's WebSocket edge announces every tab that connects or goes away; the matcher keeps
the open ones per person (`connections` on their people item). When someone who waits closes
their last tab, a timer gives them `abandon_after_s` to come back (a reload, a flaky
network); after that their ticket is cancelled and its hold released, like pressing Leave.
The same holds for a ticket still being funded when the last tab closes (the person is not
`waiting` yet): it is cancelled then if it has not been matched meanwhile.
A person whose tabs the matcher never saw (opened before it listened) is left alone.

Present means present in a call too. In direct mode the media has no server of its own to say
who left, so a person in a live direct-mode session whose last tab closes (or whose socket's
lease lapsed, which the gateway announces as a close) is out of the media room from the moment
it closed — unless a tab of theirs is open again `socket_gone_after_s` later (a token refresh,
a flaky network). The room log then ends the session as it would a LiveKit room left empty
(docs/api.md, "Points and time: the rules").

The picture must not drift, or an abandoned ticket waits forever. A closure is final: the
matcher remembers each connection it saw close (a marker in its processed-events table,
living as long as any message can come back), and an open of a connection already closed
changes nothing, whether the open was redelivered after its close (a delete that failed) or
redriven from the DLQ days later. The gateway announces every closure before it forgets the
connection, and its lease sweep announces again those that did not make it onto the bus.
"""

from __future__ import annotations

from datetime import timedelta

from services.matcher.context import Matcher, component_log
from services.matcher.flows import sessions, tickets
from services.runtime.dynamo import from_item, to_item, values
from services.runtime.logs import metric, repair
from services.wire.events.base import derive_id
from services.wire.events.gateway import (
    ConnectionClosed,
    ConnectionOpened,
    MediaParticipantLeft,
    TicketCancelRequested,
)
from services.wire.events.timers import SocketGoneDue, TicketAbandonDue

log = component_log("presence")
# A ticket the ledger has not funded yet: its person is not `waiting` until it is.
FUNDING = frozenset({"requested", "funded"})


async def _in_funding(m: Matcher, user_id: str) -> str | None:
    """The person's newest ticket, if it is still being funded (the tab closed right after
    Join, or while the ledger is slow): it would otherwise wait for nobody once funded."""
    resp = await m.store.db.query(
        TableName=m.tables.tickets,
        IndexName="byUser",
        KeyConditionExpression="userId = :u",
        ExpressionAttributeValues=values(u=user_id),
        ScanIndexForward=False,
        Limit=1,
    )
    newest = [from_item(i) for i in resp.get("Items", [])]
    if newest and newest[0].get("status") in FUNDING:
        return str(newest[0]["ticketId"])
    return None


def closed_marker(connection_id: str) -> str:
    """The processed-events key that says this connection closed, whatever the close's id."""
    return derive_id("matcher.connection_closed", connection_id)


async def on_opened(m: Matcher, event: ConnectionOpened) -> None:
    # Opens and closes of one person share a FIFO group, so nothing runs between the look
    # and the write: a close that came first has left its marker.
    if await m.idem.seen(closed_marker(event.connection_id)):
        log.info("connection.open_after_close", connection_id=event.connection_id)
        return
    await m.store.db.update_item(
        TableName=m.tables.people,
        Key=to_item({"userId": event.user_id}),
        # A person item must always say what they do (conditions compare `state`).
        UpdateExpression="SET #state = if_not_exists(#state, :free) ADD connections :c",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues=values(free="free", c={event.connection_id}),
    )


async def on_closed(m: Matcher, event: ConnectionClosed) -> None:
    await m.idem.mark(closed_marker(event.connection_id))  # before the tab goes: see on_opened
    resp = await m.store.db.update_item(
        TableName=m.tables.people,
        Key=to_item({"userId": event.user_id}),
        UpdateExpression="SET #state = if_not_exists(#state, :free) DELETE connections :c",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues=values(free="free", c={event.connection_id}),
        ReturnValues="ALL_NEW",
    )
    person = from_item(resp.get("Attributes", {}))
    if person.get("connections"):
        return  # another tab is still open
    if person.get("state") == "in_session" and person.get("sessionId"):
        await _watch_session(m, event, str(person["sessionId"]))
        return
    ticket_id: str | None = None
    if person.get("state") == "waiting":
        ticket_id = str(person["ticketId"])
    elif person.get("state") == "free":
        ticket_id = await _in_funding(m, event.user_id)
    if ticket_id is None:
        return  # nothing is waiting for them
    now = m.now()
    due = now + timedelta(seconds=m.settings.abandon_after_s)
    timer = TicketAbandonDue(
        id=derive_id("timer.ticket_abandon", event.id),
        ticket_id=ticket_id,
        user_id=event.user_id,
        due_at=due,
    )
    await m.timers.schedule(timer, due, now)


async def on_abandon_due(m: Matcher, timer: TicketAbandonDue) -> None:
    resp = await m.store.db.get_item(
        TableName=m.tables.people, Key=to_item({"userId": timer.user_id}), ConsistentRead=True
    )
    person = from_item(resp.get("Item", {}))
    still_waiting = person.get("state") == "waiting" and person.get("ticketId") == timer.ticket_id
    if not still_waiting and person.get("state", "free") == "free":
        ticket = await m.store.ticket(timer.ticket_id)
        still_waiting = ticket is not None and ticket.status in FUNDING
    if not still_waiting or person.get("connections"):
        return  # matched, left, or back in a tab meanwhile
    cancel = TicketCancelRequested(
        id=derive_id("ticket.abandoned", timer.ticket_id),
        ticket_id=timer.ticket_id,
        user_id=timer.user_id,
    )
    await tickets.on_cancel_requested(m, cancel)
    repair("ticket_abandoned", ticket_id=timer.ticket_id, user_id=timer.user_id)
    log.info("ticket.abandoned", ticket_id=timer.ticket_id, user_id=timer.user_id)


async def _watch_session(m: Matcher, closed: ConnectionClosed, session_id: str) -> None:
    """The last tab of someone in a session closed: in a direct-mode session, see whether they
    come back (`on_socket_gone_due`). LiveKit says itself who left its rooms."""
    s = await m.store.session(session_id)
    if s is None or s.status != "live" or s.media_mode != "direct":
        return
    if closed.user_id not in s.user_ids:
        return
    now = m.now()
    due = now + timedelta(seconds=m.settings.socket_gone_after_s)
    timer = SocketGoneDue(
        id=derive_id("timer.socket_gone", closed.id),
        session_id=session_id,
        user_id=closed.user_id,
        closed_at=closed.occurred_at,
        cause=closed.id,
        due_at=due,
    )
    if due <= now:
        await on_socket_gone_due(m, timer)
        return
    await m.timers.schedule(timer, due, now)


async def on_socket_gone_due(m: Matcher, timer: SocketGoneDue) -> None:
    """Still no open tab: they left the media room when the last one closed. Recorded like any
    leave (the room log orders it by that moment, and a repeat counts once); a session already
    over, or a person back in a tab, changes nothing."""
    resp = await m.store.db.get_item(
        TableName=m.tables.people, Key=to_item({"userId": timer.user_id}), ConsistentRead=True
    )
    person = from_item(resp.get("Item", {}))
    if person.get("connections"):
        return  # back in a tab: the call may well have gone on
    left = MediaParticipantLeft(
        id=derive_id("media.socket_gone", timer.cause, timer.session_id),
        occurred_at=timer.closed_at,
        session_id=timer.session_id,
        user_id=timer.user_id,
    )
    await sessions.on_media_left(m, left)
    metric("SocketGoneLeaves", 1, session_id=timer.session_id)
    log.info("session.socket_gone", session_id=timer.session_id, user_id=timer.user_id)
