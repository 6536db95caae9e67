"""Reading the matcher's tables (strongly consistent where a decision depends on it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from services.matcher.tables.items import Tables
from services.matcher.tables.records import Invite, Pairs, Person, Session, Ticket
from services.runtime.dynamo import from_item, to_item, values

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class Store:
    def __init__(self, db: DynamoDBClient, tables: Tables) -> None:
        self.db = db
        self.t = tables

    async def _get(self, table: str, key: dict[str, str]) -> dict[str, Any] | None:
        resp = await self.db.get_item(TableName=table, Key=to_item(key), ConsistentRead=True)
        item = resp.get("Item")
        return from_item(item) if item else None

    async def ticket(self, ticket_id: str) -> Ticket | None:
        d = await self._get(self.t.tickets, {"ticketId": ticket_id})
        return Ticket.from_item(d) if d else None

    async def person(self, user_id: str) -> Person:
        return Person.from_item(user_id, await self._get(self.t.people, {"userId": user_id}))

    async def session(self, session_id: str) -> Session | None:
        d = await self._get(self.t.sessions, {"sessionId": session_id})
        return Session.from_item(d) if d else None

    async def invite(self, invite_id: str) -> Invite | None:
        d = await self._get(self.t.invites, {"inviteId": invite_id})
        return Invite.from_item(d) if d else None

    async def pairs(self, user_id: str) -> Pairs:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.t.pairs,
            "KeyConditionExpression": "userId = :u",
            "ExpressionAttributeValues": values(u=user_id),
            "ConsistentRead": True,
        }
        while True:
            resp = await self.db.query(**kwargs)
            items.extend(from_item(i) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp:
                return Pairs.from_items(items)
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    async def pair(self, user_id: str, other: str) -> dict[str, Any]:
        return await self._get(self.t.pairs, {"userId": user_id, "otherUserId": other}) or {}

    async def blocked_between(self, a: str, b: str) -> bool:
        one, other = await self.pair(a, b), await self.pair(b, a)
        return bool(one.get("blocked") or other.get("blocked"))

    async def waiting_tickets(self) -> AsyncIterator[Ticket]:
        """Every waiting ticket, from the sparse `waiting` index."""
        kwargs: dict[str, Any] = {"TableName": self.t.tickets, "IndexName": "waiting"}
        while True:
            resp = await self.db.scan(**kwargs)
            for item in resp.get("Items", []):
                ticket = Ticket.from_item(from_item(item))
                if ticket.status == "waiting" and ticket.waiting_since is not None:
                    yield ticket
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    async def pending_invites_to(self, user_id: str, after_iso: str) -> list[Invite]:
        """Invites to `user_id` whose deadline is after `after_iso` and still pending."""
        kwargs: dict[str, Any] = {
            "TableName": self.t.invites,
            "IndexName": "byInvitee",
            "KeyConditionExpression": "toUserId = :u AND expiresAtIso > :t",
            "ExpressionAttributeValues": values(u=user_id, t=after_iso),
        }
        out: list[Invite] = []
        while True:
            resp = await self.db.query(**kwargs)
            for item in resp.get("Items", []):
                invite = Invite.from_item(from_item(item))
                if invite.status == "pending":
                    out.append(invite)
            if "LastEvaluatedKey" not in resp:
                return out
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
