"""Read-only queries of the tables the gateway answers from (the read-model contract).

Other services own these tables; the gateway never writes them. Base-table reads are strongly
consistent: a browser that was just told "your session started" must find it here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from services.runtime.dynamo import from_item, to_item, values

if TYPE_CHECKING:
    from services.runtime.aws import Aws

Item = dict[str, Any]

PROFILES = "gateway-profiles"
PRESENCE = "gateway-presence"
SUMMARIES = "ledger-summaries"
PEOPLE = "matcher-people"
TICKETS = "matcher-tickets"
SESSIONS = "matcher-sessions"
HISTORY = "matcher-history"
INVITES = "matcher-invites"


class ReadModels:
    def __init__(self, aws: Aws) -> None:
        self._db = aws.dynamodb
        self._table = aws.table

    async def _get(self, logical: str, key: Item) -> Item | None:
        resp = await self._db.get_item(
            TableName=self._table(logical), Key=to_item(key), ConsistentRead=True
        )
        item = resp.get("Item")
        return from_item(item) if item else None

    async def _query(self, logical: str, **kwargs: Any) -> list[Item]:
        resp = await self._db.query(TableName=self._table(logical), **kwargs)
        return [from_item(i) for i in resp.get("Items", [])]

    # ---- the gateway's own tables ---------------------------------------------------------

    async def profile(self, user_id: str) -> Item | None:
        return await self._get(PROFILES, {"userId": user_id})

    async def profiles(self, user_ids: Iterable[str]) -> dict[str, Item]:
        """Profiles by user id (missing people are simply absent), in one BatchGetItem."""
        wanted = list(dict.fromkeys(u for u in user_ids if u))[:100]
        if not wanted:
            return {}
        table = self._table(PROFILES)
        request: Any = {
            table: {
                "Keys": [to_item({"userId": u}) for u in wanted],
                "ProjectionExpression": "userId, #n, speaks, learns",
                "ExpressionAttributeNames": {"#n": "name"},
            }
        }
        out: dict[str, Item] = {}
        for attempt in range(4):
            resp = await self._db.batch_get_item(RequestItems=request)
            for raw in resp.get("Responses", {}).get(table, []):
                item = from_item(raw)
                out[str(item["userId"])] = item
            request = resp.get("UnprocessedKeys") or {}
            if not request:
                break
            await asyncio.sleep(0.02 * 2**attempt)
        return out

    async def presence(self, user_id: str) -> Item | None:
        return await self._get(PRESENCE, {"userId": user_id})

    # ---- the ledger's and the matcher's read models ---------------------------------------

    async def summary(self, user_id: str, day: str) -> Item | None:
        return await self._get(SUMMARIES, {"userId": user_id, "day": day})

    async def person(self, user_id: str) -> Item | None:
        return await self._get(PEOPLE, {"userId": user_id})

    async def ticket(self, ticket_id: str) -> Item | None:
        return await self._get(TICKETS, {"ticketId": ticket_id})

    async def recent_tickets(self, user_id: str, limit: int = 5) -> list[Item]:
        """The person's newest tickets first."""
        return await self._query(
            TICKETS,
            IndexName="byUser",
            KeyConditionExpression="userId = :u",
            ExpressionAttributeValues=values(u=user_id),
            ScanIndexForward=False,
            Limit=limit,
        )

    async def session(self, session_id: str) -> Item | None:
        return await self._get(SESSIONS, {"sessionId": session_id})

    async def invite(self, invite_id: str) -> Item | None:
        return await self._get(INVITES, {"inviteId": invite_id})

    async def pending_invites(
        self, user_id: str, direction: Literal["incoming", "outgoing"], now_iso: str
    ) -> list[Item]:
        """Invites to (incoming) or from (outgoing) the person, pending and not yet due."""
        index, who = (
            ("byInvitee", "toUserId") if direction == "incoming" else ("byInviter", "fromUserId")
        )
        return await self._query(
            INVITES,
            IndexName=index,
            KeyConditionExpression=f"{who} = :u AND expiresAtIso > :now",
            FilterExpression="#s = :pending",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=values(u=user_id, now=now_iso, pending="pending"),
            Limit=50,
        )

    async def history(
        self, user_id: str, limit: int, before: str | None = None
    ) -> tuple[list[Item], str | None]:
        """The person's sessions, newest first, started before `before` if given; and the
        `startedAt` to continue from when there may be more."""
        extra: dict[str, Any] = {}
        if before:
            extra["ExclusiveStartKey"] = to_item({"userId": user_id, "startedAt": before})
        resp = await self._db.query(
            TableName=self._table(HISTORY),
            KeyConditionExpression="userId = :u",
            ExpressionAttributeValues=values(u=user_id),
            ScanIndexForward=False,
            Limit=limit,
            **extra,
        )
        last = resp.get("LastEvaluatedKey")
        rows = [from_item(i) for i in resp.get("Items", [])]
        return rows, (str(from_item(last)["startedAt"]) if last else None)

    async def history_row(self, user_id: str, started_at: str) -> Item | None:
        """The person's own row of one session (sort key `<startsAt>#<sessionId>`)."""
        return await self._get(HISTORY, {"userId": user_id, "startedAt": started_at})

    async def starred(
        self, user_id: str, limit: int, after: tuple[str, int] | None, max_pages: int = 10
    ) -> tuple[list[tuple[Item, Item]], tuple[str, int] | None]:
        """The words the person starred, newest first: up to `limit` (history row, word)
        pairs, and where to go on from when there may be more.

        A position is (a row's sort key, how many of its words, newest first, are behind
        us): the next page starts at that row. Only rows with words are returned (a filter:
        rows without are still read, `max_pages` pages of them at most per call)."""
        condition, vals = "userId = :u", values(u=user_id)
        if after is not None:
            condition += " AND startedAt <= :s"
            vals |= values(s=after[0])
        args: dict[str, Any] = {
            "TableName": self._table(HISTORY),
            "KeyConditionExpression": condition,
            "FilterExpression": "attribute_exists(words)",
            "ProjectionExpression": "startedAt, sessionId, partnerId, words, expiresAt",
            "ExpressionAttributeValues": vals,
            "ScanIndexForward": False,
            "ConsistentRead": True,
            "Limit": 100,
        }
        out: list[tuple[Item, Item, int]] = []
        last: Item | None = None
        for _ in range(max_pages):
            resp = await self._db.query(**args)
            for row in map(from_item, resp.get("Items", [])):
                words = row.get("words")
                newest_first = list(reversed(words)) if isinstance(words, list) else []
                skip = after[1] if after is not None and row["startedAt"] == after[0] else 0
                for i, word in enumerate(newest_first[skip:], start=skip):
                    if isinstance(word, dict):
                        out.append((row, word, i))
            last = resp.get("LastEvaluatedKey")
            if len(out) > limit or not last:
                break
            args["ExclusiveStartKey"] = last
        page = [(row, word) for row, word, _ in out[:limit]]
        if len(out) > limit:
            row, _, i = out[limit - 1]
            return page, (str(row["startedAt"]), i + 1)
        if last:  # pages left unread: go on after the last row read (all of its words)
            return page, (str(from_item(last)["startedAt"]), 1_000)
        return page, None
