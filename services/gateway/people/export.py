"""`GET /v1/me/export`: what Parley holds about the person asking, item by item, as JSON.

Every table the gateway may read is searched for the person's items by the keys and indexes
that lead to them (never a scan): their profile, presence, open connections, rate-limit
windows, points per day with the log of those days and the holds it names, tickets, invites
sent and received, sessions (with both participants' ids, which is what a session is) and
history (with the words they starred from each conversation's chat), what they are doing
now, their blocks, pairs and partners, and the notifier's copy of their connections. The
two short-lived tables it does not read are named in `notIncluded`, so the answer never
claims to be more complete than it is; what other people did or hold there (who blocked or
reported the person, the other side of a shared conversation or invite) is left out, and
`withheld` says so (docs/privacy.md).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from services.runtime.dynamo import from_item, to_item, values

if TYPE_CHECKING:
    from services.runtime.aws import Aws

Item = dict[str, Any]
# Enough for a year of daily use; a person with more gets the newest and `truncated`.
MAX_PAGES = 20

# Tables the gateway may not read (their writers keep them), and what each holds.
NOT_INCLUDED: dict[str, str] = {
    "matcher-waiting": "your place in the queue while you wait (deleted when the wait ends)",
    "matcher-outbox": "events about you not yet published (deleted once published)",
}

# What others did about the person stays theirs: a block of me is not mine to export (it
# would tell me who blocked me), nor is a report about me (who reported me), nor the other
# person's side of what we shared (their points held, their ticket, their history row).
WITHHELD = {
    "gateway-blocks": "who blocked you",
    "matcher-pairs": "who blocked you",
    "gateway-reports": "reports others filed about you",
    "matcher-sessions": "the other person's points held, ticket and minutes left that day",
    "matcher-invites": "the points an inviter held for an invite to you, and whether a block "
    "stood between you (such an invite reads as refused because someone was busy)",
    "matcher-history": "the other person's own row of a conversation you had",
    "gateway-safety": "who acted on your account and why (an operator's name and note, whether "
    "and when reports about you were reviewed): moderators and reporters are never revealed",
}
# What of a safety record the person it is about may see: the identity keys their account is
# linked to and their standing (a ban and its end, a suspension). Who banned them, the
# operator's note and review marks stay out (WITHHELD above); the audit log is not theirs.
SAFETY_SHOWN = frozenset({"pk", "sk", "userId", "username", "primary", "linkedAt", "banUntil"})
SAFETY_SHOWN |= {"bannedAt", "suspendedAt", "expiresAt"}
# What an invite closed by a block says, to both: what the invitee being busy would say.
BLOCK_READS_AS = "busy"


def plain(value: Any) -> Any:
    """A DynamoDB value as JSON can carry it (numbers, sets and bytes included)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class Exporter:
    def __init__(self, aws: Aws) -> None:
        self._db = aws.dynamodb
        self._table = aws.table
        self.truncated: set[str] = set()

    async def _get(self, logical: str, key: Item) -> list[Item]:
        resp = await self._db.get_item(
            TableName=self._table(logical), Key=to_item(key), ConsistentRead=True
        )
        item = resp.get("Item")
        return [from_item(item)] if item else []

    async def _query(self, logical: str, condition: str, user_id: str, **kw: Any) -> list[Item]:
        items: list[Item] = []
        args: dict[str, Any] = {
            "TableName": self._table(logical),
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values(u=user_id),
            **kw,
        }
        for _ in range(MAX_PAGES):
            resp = await self._db.query(**args)
            items += [from_item(i) for i in resp.get("Items", [])]
            last = resp.get("LastEvaluatedKey")
            if not last:
                return items
            args["ExclusiveStartKey"] = last
        self.truncated.add(logical)
        return items

    async def _sessions(self, ids: list[str]) -> list[Item]:
        found = await asyncio.gather(
            *(self._get("matcher-sessions", {"sessionId": i}) for i in ids)
        )
        return [item for items in found for item in items]

    async def collect(self, user_id: str) -> dict[str, list[Item]]:
        """The person's items, by table (logical name)."""
        me = "userId = :u"
        (
            profiles,
            presence,
            connections,
            limits,
            summaries,
            tickets,
            history,
            received,
            sent,
            people,
            blocks,
            partners,
            reports,
            safety,
        ) = await asyncio.gather(
            self._get("gateway-profiles", {"userId": user_id}),
            self._get("gateway-presence", {"userId": user_id}),
            self._query("gateway-connections", me, user_id, IndexName="byUser"),
            self._query("gateway-ratelimits", me, user_id, ConsistentRead=True),
            self._query("ledger-summaries", me, user_id, ConsistentRead=True),
            self._query("matcher-tickets", me, user_id, IndexName="byUser"),
            self._query("matcher-history", me, user_id, ConsistentRead=True),
            self._query("matcher-invites", "toUserId = :u", user_id, IndexName="byInvitee"),
            self._query("matcher-invites", "fromUserId = :u", user_id, IndexName="byInviter"),
            self._get("matcher-people", {"userId": user_id}),
            self._query("gateway-blocks", me, user_id, ConsistentRead=True),
            self._query("gateway-partners", me, user_id, ConsistentRead=True),
            self._query("gateway-reports", "reporterId = :u", user_id, IndexName="byReporter"),
            # Which identity keys this account is signed in as, and its standing (safety.py).
            self._query("gateway-safety", me, user_id, IndexName="byUser"),
        )
        entries, holds, accounts, pairs, sockets = await self._points_and_pairs(
            user_id, [str(d["day"]) for d in summaries]
        )
        mine = [_without(b, "blockedMe") for b in blocks if b.get("iBlocked")]
        session_ids = {str(h["sessionId"]) for h in history if h.get("sessionId")}
        session_ids |= {str(p["sessionId"]) for p in people if p.get("sessionId")}
        sessions = await self._sessions(sorted(session_ids)[: 100 * MAX_PAGES])
        my_tickets = {str(t["ticketId"]) for t in tickets if t.get("ticketId")}
        return {
            "gateway-profiles": profiles,
            "gateway-presence": presence,
            "gateway-connections": connections,
            "gateway-ratelimits": limits,
            "ledger-summaries": summaries,
            "matcher-tickets": tickets,
            "matcher-invites": [my_invite(i, user_id) for i in received + sent],
            "matcher-sessions": [my_session(x, user_id, my_tickets) for x in sessions],
            "matcher-history": history,
            "matcher-people": people,
            "gateway-blocks": mine,
            "gateway-partners": partners,
            "gateway-reports": reports,
            "gateway-safety": [
                {k: v for k, v in item.items() if k in SAFETY_SHOWN} for item in safety
            ],
            "ledger-entries": entries,
            "ledger-holds": holds,
            "ledger-accounts": accounts,
            "matcher-pairs": pairs,
            "notifier-connections": sockets,
        }

    async def _points_and_pairs(
        self, user_id: str, days: list[str]
    ) -> tuple[list[Item], list[Item], list[Item], list[Item], list[Item]]:
        """The points log of each day with a summary, the holds it names, the account; the
        person's pairs (their blocks and today's partners); the notifier's copy of their
        connections."""
        logs = await asyncio.gather(
            *(
                self._query("ledger-entries", "userDay = :u", f"{user_id}#{d}", ConsistentRead=True)
                for d in days
            )
        )
        entries = [e for log in logs for e in log]
        hold_ids = sorted({str(e["holdId"]) for e in entries if e.get("holdId")})
        found = await asyncio.gather(*(self._get("ledger-holds", {"holdId": h}) for h in hold_ids))
        holds = [h for items in found for h in items if h.get("userId") == user_id]
        accounts, pairs, sockets = await asyncio.gather(
            self._get("ledger-accounts", {"userId": user_id}),
            self._query("matcher-pairs", "userId = :u", user_id, ConsistentRead=True),
            self._get("notifier-connections", {"userId": user_id}),
        )
        mine = [p for p in (_my_pair(p, user_id) for p in pairs) if p is not None]
        return entries, holds, accounts, mine, sockets


def _my_pair(pair: Item, user_id: str) -> Item | None:
    """A pair row as the person may see it: a block by the other person is theirs to know
    (as in gateway-blocks), so a row blocked only by them is left out."""
    if not pair.get("blocked"):
        return pair
    if user_id not in (pair.get("blockedBy") or ()):
        return None
    return {**pair, "blockedBy": {user_id}}


def my_session(session: Item, user_id: str, my_tickets: set[str]) -> Item:
    """A conversation as one of its two people may see it: both ids, its times and outcome,
    and of the per-person parts only their own (the other's hold, ticket and minutes left
    are theirs)."""
    out = dict(session)
    mine: set[str] = set(my_tickets)
    parts = session.get("participants")
    if isinstance(parts, list):
        shown = []
        for p in parts:
            if isinstance(p, Mapping) and p.get("userId") == user_id:
                shown.append(dict(p))
                mine.add(str(p.get("holdId", "")))  # a match's hold is its ticket
            elif isinstance(p, Mapping):
                shown.append({"userId": p.get("userId")})
        out["participants"] = shown
    if isinstance(session.get("ticketIds"), list):
        out["ticketIds"] = [t for t in session["ticketIds"] if str(t) in mine]
    return out


def my_invite(invite: Item, user_id: str) -> Item:
    """An invite as its inviter or invitee may see it: the points held are the inviter's
    alone, and a block between the two reads as the invitee being busy."""
    out = dict(invite)
    if invite.get("fromUserId") != user_id:
        out.pop("minutes", None)
    if out.get("reason") == "blocked":
        out["reason"] = BLOCK_READS_AS
    return out


def _without(item: Item, key: str) -> Item:
    return {k: v for k, v in item.items() if k != key}


async def export(aws: Aws, user_id: str, now: datetime) -> dict[str, Any]:
    exporter = Exporter(aws)
    tables = await exporter.collect(user_id)
    return {
        "userId": user_id,
        "exportedAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "tables": {name: plain(items) for name, items in tables.items()},
        "truncated": sorted(exporter.truncated),
        "notIncluded": [{"table": t, "holds": what} for t, what in NOT_INCLUDED.items()],
        "withheld": [{"table": t, "holds": what} for t, what in WITHHELD.items()],
    }
