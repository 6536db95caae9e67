"""`user.erased`: the matcher erases the person from its own tables.

Deleted: what the person is doing (people), their tickets, invites sent and received, their
history rows, and their pairs (blocks, today's partners and partners, both directions: nobody
can be matched with an erased person anyway; "not for me" after a call, theirs and anyone's
about them; the prompts they were shown). Kept with the pseudonym in place of their id, for
abuse handling (a report names a session): each session they took part in, until its own
expiry (`PARLEY_HISTORY_DAYS`), and the other person's history row of it (theirs to keep).
The gateway refuses erasure while the person waits, talks or has an invite pending, but an
invite can reach them after it looked: such an invite is closed first, as if nobody answered
it (`invite.expired`, which reveals nothing), so the other person is free again and the
inviter's hold goes back. A redelivery finds nothing left to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.matcher.context import MAX_ATTEMPTS, component_log
from services.matcher.flows import invites as invite_flow
from services.matcher.flows.front import FRONT
from services.matcher.tables.records import PARTNER, SOFT, TOPICS
from services.runtime.dynamo import TransactionConflict, from_item
from services.runtime.erasure import by_key, delete_all, key_of, pseudonymise, query_all
from services.wire.events.base import derive_id

if TYPE_CHECKING:
    from services.matcher.context import Matcher
    from services.wire.events.gateway import UserErased

_log = component_log("erasure")


async def on_erased(m: Matcher, event: UserErased) -> None:
    db, t, uid, pseudo = m.store.db, m.tables, event.user_id, event.pseudonym
    history = await query_all(db, **by_key(t.history, "userId", uid, consistent=True))
    kept = 0
    for row in history:
        session_id = row.get("sessionId", {}).get("S")
        if session_id:
            resp = await db.get_item(
                TableName=t.sessions, Key={"sessionId": {"S": session_id}}, ConsistentRead=True
            )
            if "Item" in resp:
                kept += await pseudonymise(db, t.sessions, ["sessionId"], resp["Item"], uid, pseudo)
        partner = row.get("partnerId", {}).get("S")
        if partner:
            # The partner's row of the same conversation has the same sort key.
            key = {"userId": {"S": partner}, "startedAt": row["startedAt"]}
            resp = await db.get_item(TableName=t.history, Key=key, ConsistentRead=True)
            if "Item" in resp:
                kept += await pseudonymise(
                    db, t.history, ["userId", "startedAt"], resp["Item"], uid, pseudo
                )
    deleted = await delete_all(db, t.history, [key_of(r, ["userId", "startedAt"]) for r in history])
    tickets = await query_all(db, **by_key(t.tickets, "userId", uid, index="byUser"))
    deleted += await delete_all(db, t.tickets, [key_of(i, ["ticketId"]) for i in tickets])
    invites = await query_all(db, **by_key(t.invites, "fromUserId", uid, index="byInviter"))
    invites += await query_all(db, **by_key(t.invites, "toUserId", uid, index="byInvitee"))
    pending = [from_item(i)["inviteId"] for i in invites if i.get("status") == {"S": "pending"}]
    closed = await _close_pending(m, pending)
    deleted += await delete_all(db, t.invites, [key_of(i, ["inviteId"]) for i in invites])
    pairs = await query_all(db, **by_key(t.pairs, "userId", uid, consistent=True))
    keys = [key_of(p, ["userId", "otherUserId"]) for p in pairs]
    keys += [k for k in map(_other_side, keys) if k is not None]
    # Someone's "not for me" about the person names them on that someone's side only: such a
    # row can only follow a conversation, and their history rows name everyone they had one with.
    partners = {r["partnerId"]["S"] for r in history if "S" in r.get("partnerId", {})}
    keys += [{"userId": {"S": p}, "otherUserId": {"S": SOFT + uid}} for p in sorted(partners)]
    deleted += await delete_all(db, t.pairs, keys)
    deleted += await delete_all(db, t.people, [{"userId": {"S": uid}}])
    _log.info("matcher.erased", deleted=deleted, pseudonymised=kept, closed=closed)


async def _close_pending(m: Matcher, invite_ids: list[str]) -> int:
    """Expire the invites still pending to or from the person (the index may lag: each is read
    again, and closed only from `pending`). Their deletion follows."""
    closed = 0
    for invite_id in invite_ids:
        for _ in range(MAX_ATTEMPTS):
            invite = await m.store.invite(invite_id)
            if invite is None or invite.status != "pending":
                break
            marker = derive_id("erasure.invite_expired", invite.invite_id)
            try:
                if await invite_flow.close(m, invite, "expired", marker, "expired"):
                    closed += 1
            except TransactionConflict:
                continue  # answered meanwhile: look again
            break
    return closed


def _other_side(key: dict[str, Any]) -> dict[str, Any] | None:
    """The other person's row of a pair (a partner's row is `#partner#<id>` on both sides; a
    soft block, the prompts seen and the front-of-queue place have none)."""
    me, other = key["userId"]["S"], key["otherUserId"]["S"]
    if other.startswith((SOFT, TOPICS)) or other == FRONT:
        return None
    if other.startswith(PARTNER):
        return {"userId": {"S": other.removeprefix(PARTNER)}, "otherUserId": {"S": PARTNER + me}}
    return {"userId": key["otherUserId"], "otherUserId": key["userId"]}
