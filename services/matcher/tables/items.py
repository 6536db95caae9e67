"""The matcher's writes as TransactWriteItems entries. Pure: each state transition is one
conditional entry, so a transaction commits only from the state the handler decided on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.matcher.clock import epoch, iso
from services.matcher.core.waiting import Waiting
from services.matcher.tables.records import Person, PersonState
from services.runtime.dynamo import to_item, values
from services.runtime.shards import ShardedKey
from services.wire.tables import matcher as T

Entry = dict[str, Any]
TICKET_TTL = timedelta(days=2)


@dataclass(frozen=True)
class Tables:
    tickets: str
    sessions: str
    history: str
    invites: str
    people: str
    pairs: str
    waiting: str
    outbox: str

    @classmethod
    def for_prefix(cls, prefix: str) -> Tables:
        return cls(
            tickets=T.TICKETS.name(prefix),
            sessions=T.SESSIONS.name(prefix),
            history=T.HISTORY.name(prefix),
            invites=T.INVITES.name(prefix),
            people=T.PEOPLE.name(prefix),
            pairs=T.PAIRS.name(prefix),
            waiting=T.WAITING.name(prefix),
            outbox=T.OUTBOX.name(prefix),
        )


def update_entry(
    table: str,
    key: dict[str, str],
    update: str,
    condition: str | None,
    vals: dict[str, Any],
    names: dict[str, str] | None = None,
) -> Entry:
    body: Entry = {
        "TableName": table,
        "Key": to_item(key),
        "UpdateExpression": update,
    }
    if condition:
        body["ConditionExpression"] = condition
    if vals:
        body["ExpressionAttributeValues"] = vals
    if names:
        body["ExpressionAttributeNames"] = names
    return {"Update": body}


_STATUS = {"#status": "status"}
_STATE = {"#state": "state"}


# People: one thing at a time. Every move is conditioned on the state that was read.
def _person_condition(was: Person) -> tuple[str, dict[str, Any]]:
    if was.free:
        return "attribute_not_exists(userId) OR #state = :was", values(was="free")
    attr, ref = {
        "waiting": ("ticketId", was.ticket_id),
        "inviting": ("inviteId", was.invite_id),
        "in_session": ("sessionId", was.session_id),
    }[was.state]
    return f"#state = :was AND {attr} = :ref", values(was=was.state, ref=ref or "")


def person_to(
    t: Tables,
    was: Person,
    state: PersonState,
    now: datetime,
    *,
    ticket_id: str | None = None,
    session_id: str | None = None,
    invite_id: str | None = None,
) -> Entry:
    cond, vals = _person_condition(was)
    sets = {"state": state, "updatedAt": iso(now), "ticketId": ticket_id}
    sets |= {"sessionId": session_id, "inviteId": invite_id}
    sets["busyState"] = busy_key(state, was.user_id) if state != "free" else None
    present = {k: v for k, v in sets.items() if v is not None}
    removed = [k for k, v in sets.items() if v is None]
    update = "SET " + ", ".join(
        ("#state = :state" if k == "state" else f"{k} = :{k}") for k in present
    )
    if removed:
        update += " REMOVE " + ", ".join(removed)
    vals |= values(**present)
    return update_entry(t.people, {"userId": was.user_id}, update, cond, vals, _STATE)


BUSY_SHARDS = 4


def busy(state: str) -> ShardedKey:
    """The sparse `busy` index's keys for a busy state: `<state>#<shard>` (free people are not
    in the index at all, so its partitions see only the busy minority's writes, spread over
    the shards)."""
    return ShardedKey(f"{state}#", BUSY_SHARDS)


def busy_key(state: str, user_id: str) -> str:
    """The `busy` key of someone waiting, inviting or in a session."""
    return busy(state).of(user_id)


def person_is(t: Tables, was: Person) -> Entry:
    """Assert (without writing) that someone is still as they were read."""
    cond, vals = _person_condition(was)
    return {
        "ConditionCheck": {
            "TableName": t.people,
            "Key": to_item({"userId": was.user_id}),
            "ConditionExpression": cond,
            "ExpressionAttributeValues": vals,
            "ExpressionAttributeNames": _STATE,
        }
    }


# Tickets: requested → (funded) → waiting → matched | cancelled | rejected.
# `requestedShard` while a ticket waits for the ledger's answer: the sparse `requested` index's
# keys (`requested#<shard>` by ticket id; "0" was the one key before they were sharded).
REQUESTED = ShardedKey("requested#", 8, legacy=("0",))
_FRESH = "attribute_not_exists(ticketId) OR #status = :requested"


def _ticket_fields(w: Waiting, now: datetime) -> dict[str, Any]:
    fields = {
        "userId": w.user_id,
        "speaks": list(w.speaks),
        "learns": list(w.learns),
        "pool": w.pool,
        "minutes": w.minutes,
        "updatedAt": iso(now),
        "expiresAt": epoch(now + TICKET_TTL),
    }
    if w.levels:  # what the session's prompts are pitched at (`topics`); absent: unrated
        fields["levels"] = dict(w.levels)
    return fields


def assign(fields: dict[str, Any]) -> str:
    """`#k = :k, …`; every name is aliased (status, state, pool and day are reserved words)."""
    return ", ".join(f"#{k} = :{k}" for k in fields if k != "createdAt")


def aliases(fields: dict[str, Any]) -> dict[str, str]:
    return {f"#{k}": k for k in fields if k != "createdAt"}


def ticket_requested(
    t: Tables,
    ticket_id: str,
    user_id: str,
    speaks: tuple[str, ...],
    learns: tuple[str, ...],
    pool: str,
    now: datetime,
) -> Entry:
    item = {
        "ticketId": ticket_id,
        "userId": user_id,
        "status": "requested",
        "requestedShard": REQUESTED.of(ticket_id),
        "speaks": list(speaks),
        "learns": list(learns),
        "pool": pool,
        "createdAt": iso(now),
        "updatedAt": iso(now),
        "expiresAt": epoch(now + TICKET_TTL),
    }
    return {
        "Put": {
            "TableName": t.tickets,
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(ticketId)",
        }
    }


def ticket_waiting(t: Tables, w: Waiting, looking_for: str, since: datetime) -> Entry:
    fields = _ticket_fields(w, since) | {
        "status": "waiting",
        "waitingSince": iso(since),
        "waitingPool": w.pool,
        "lookingFor": looking_for,
    }
    update = f"SET {assign(fields)}, createdAt = if_not_exists(createdAt, :createdAt)"
    update += " REMOVE requestedShard"
    vals = values(**fields, requested="requested", createdAt=iso(since))
    return update_entry(t.tickets, {"ticketId": w.ticket_id}, update, _FRESH, vals, aliases(fields))


def ticket_matched(t: Tables, w: Waiting, session_id: str, now: datetime, fresh: bool) -> Entry:
    """A fresh ticket (just funded) goes straight to matched; a waiting one leaves its pool.

    A partner may still be on its way into the pool (its own commit in flight): it may be
    matched from `requested` too, and that commit then finds it matched.
    """
    fields = _ticket_fields(w, now) | {
        "status": "matched",
        "sessionId": session_id,
        "matchedAt": iso(now),
    }
    update = f"SET {assign(fields)}, createdAt = if_not_exists(createdAt, :createdAt)"
    update += " REMOVE waitingPool, requestedShard"
    cond = _FRESH if fresh else "#status IN (:requested, :waiting)"
    vals = values(**fields, requested="requested", createdAt=iso(now))
    if not fresh:
        vals |= values(waiting="waiting")
    return update_entry(t.tickets, {"ticketId": w.ticket_id}, update, cond, vals, aliases(fields))


def ticket_looking_for(t: Tables, ticket_id: str, looking_for: str, now: datetime) -> Entry:
    return update_entry(
        t.tickets,
        {"ticketId": ticket_id},
        "SET lookingFor = :lf, updatedAt = :now",
        "#status = :waiting",
        values(lf=looking_for, now=iso(now), waiting="waiting"),
        _STATUS,
    )


def ticket_final(
    t: Tables,
    ticket_id: str,
    user_id: str,
    was: str | None,
    status: str,
    now: datetime,
    reason: str | None = None,
) -> Entry:
    """requested | waiting | (no item yet) → cancelled or rejected."""
    cond = "attribute_not_exists(ticketId)" if was is None else "#status = :was"
    fields: dict[str, Any] = {"status": status, "userId": user_id, "updatedAt": iso(now)}
    fields |= {"reason": reason} if reason else {}
    fields["expiresAt"] = epoch(now + TICKET_TTL)
    update = f"SET {assign(fields)}, createdAt = if_not_exists(createdAt, :createdAt)"
    update += " REMOVE waitingPool, requestedShard"
    vals = values(**fields, createdAt=iso(now)) | (values(was=was) if was else {})
    return update_entry(t.tickets, {"ticketId": ticket_id}, update, cond, vals, aliases(fields))
