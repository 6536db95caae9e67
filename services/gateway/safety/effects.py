"""What safety decisions do to what a person is in the middle of, told to the owners over the
bus as the person's own intents would be (the matcher and the ledger then act as for those):

- a block (or report) of the person I am talking with ends our conversation at that moment,
  exactly as if I had pressed Stop (`session.stop_requested`, ended `stopped`: my partner
  cannot tell it from an ordinary stop, and nobody is charged past it);
- a suspension takes the person out of the queue and withdraws the invites they sent;
- a ban does that too, ends their conversation at the ban's moment (a Stop of theirs: the
  partner is told it ended and pays nothing after), closes their sockets and signs them out
  of Cognito everywhere (their refresh tokens stop working). Each socket is sent
  `{"type": "account.banned"}` as it closes (code 4403 where the gateway holds it): the
  browser signs out at once, with no periodic re-read of `GET /v1/me` to wait for.
Every event id derives from what caused it, so a retried action publishes nothing new.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog
from botocore.exceptions import ClientError

from services.gateway.live.socket_expiry import SocketCloser
from services.gateway.people.readmodels import ReadModels
from services.gateway.people.views import is_live, iso, participants, state_of
from services.runtime.erasure import by_key, query_all
from services.wire.events import derive_id
from services.wire.events.gateway import (
    InviteCancelRequested,
    SessionStopRequested,
    TicketCancelRequested,
)

if TYPE_CHECKING:
    from services.runtime.aws import Aws
    from services.runtime.publisher import Publisher

# Pushes a message to a socket and closes it (the gateway's local edge, or API Gateway's
# @connections, which sends no close code of ours: the message is what tells).
Closer = SocketCloser
BANNED_TYPE = "account.banned"
CLOSE_BANNED = 4403
_log = structlog.get_logger()


async def live_session_of(reads: ReadModels, user_id: str, now: datetime) -> dict[str, Any] | None:
    person = await reads.person(user_id)
    if state_of(person) != "in_session" or not (person or {}).get("sessionId"):
        return None
    session = await reads.session(str((person or {})["sessionId"]))
    return session if is_live(session, now) and user_id in participants(session or {}) else None


async def stop_for(
    publisher: Publisher, session_id: str, user_id: str, now: datetime, cause: str
) -> None:
    """End the session as a Stop by `user_id` at `now` (the matcher decides what that costs)."""
    await publisher.publish(
        SessionStopRequested(
            id=derive_id(SessionStopRequested.TYPE, session_id, user_id, cause),
            session_id=session_id,
            user_id=user_id,
            occurred_at=now,
        )
    )


async def end_shared_session(
    reads: ReadModels, publisher: Publisher, me: str, other: str, now: datetime, cause: str
) -> str | None:
    """If `me` is talking with `other` now, end that conversation; its id if so."""
    session = await live_session_of(reads, me, now)
    if session is None or other not in participants(session):
        return None
    session_id = str(session["sessionId"])
    await stop_for(publisher, session_id, me, now, cause)
    return session_id


async def withdraw(
    aws: Aws, publisher: Publisher, user_id: str, now: datetime, cause: str
) -> dict[str, int]:
    """Out of the queue, and the invites the person sent withdrawn."""
    reads = ReadModels(aws)
    person, outgoing = await asyncio.gather(
        reads.person(user_id),
        reads.pending_invites(user_id, "outgoing", iso(now.replace(microsecond=0))),
    )
    done = {"tickets": 0, "invites": 0}
    ticket_id = (person or {}).get("ticketId")
    if state_of(person) == "waiting" and ticket_id:
        await publisher.publish(
            TicketCancelRequested(
                id=derive_id(TicketCancelRequested.TYPE, str(ticket_id), cause),
                ticket_id=str(ticket_id),
                user_id=user_id,
            )
        )
        done["tickets"] += 1
    for invite in outgoing:
        invite_id = str(invite["inviteId"])
        await publisher.publish(
            InviteCancelRequested(
                id=derive_id(InviteCancelRequested.TYPE, invite_id, cause),
                invite_id=invite_id,
                user_id=user_id,
            )
        )
        done["invites"] += 1
    return done


def banned_message() -> dict[str, Any]:
    return {"type": BANNED_TYPE}


async def close_sockets(aws: Aws, closer: Closer | None, user_id: str) -> int:
    """Close every socket the person has open; each is told the person is banned."""
    if closer is None:
        return 0
    conns = await query_all(
        aws.dynamodb, **by_key(aws.table("gateway-connections"), "userId", user_id, "byUser")
    )
    closed = 0
    for conn in conns:
        try:
            await closer(conn["connectionId"]["S"], banned_message(), CLOSE_BANNED, "banned")
            closed += 1
        except Exception:
            _log.warning("safety.socket_close_failed", exc_info=True)
    return closed


async def sign_out(idp: Any, user_pool_id: str, username: str) -> bool:
    """Cognito's global sign-out: every refresh token of the user stops working."""
    if not (idp and user_pool_id and username):
        return False
    try:
        await idp.admin_user_global_sign_out(UserPoolId=user_pool_id, Username=username)
    except ClientError as exc:
        _log.warning("safety.sign_out_failed", code=exc.response.get("Error", {}).get("Code"))
        return False
    return True
