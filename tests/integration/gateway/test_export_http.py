"""`GET /v1/me/export` returns every item a scan of the readable tables finds about the person.

The person is spread over every table the gateway may read (their own items, and items where
they are the other side: an invite received, a session with someone else), next to someone
else's items; then each of those tables is scanned for the person's id anywhere in an item,
and the export must hold exactly what the scan found.
"""

from __future__ import annotations

import json
from typing import Any

from services.gateway.people.export import NOT_INCLUDED, plain
from services.runtime.dynamo import from_item
from services.wire.names import Service
from services.wire.tables import ALL_TABLES
from tests.integration.gateway.conftest import Gateway, new_user
from tests.integration.gateway.test_reads_http import at, live_session, today

# The erased-account markers are keyed by a pseudonym and the moderation log by identity
# keys: neither ever holds anyone's id.
READABLE = sorted(
    t.logical
    for t in ALL_TABLES
    if (t.writer is Service.GATEWAY or Service.GATEWAY in t.readers)
    and t.logical not in ("gateway-erased", "gateway-moderation-log")
)


async def _seed(gw: Gateway, me: str, other: str) -> None:
    session = new_user("s")
    await gw.call("PUT", "/v1/me/preferences", me, body={"speaks": ["en"], "learns": ["es"]})
    await gw.put("gateway-presence", {"userId": me, "name": "Ana", "lastSeen": 1, "expiresAt": 2})
    await gw.put(
        "gateway-connections",
        {"connectionId": "c-" + me, "userId": me, "connectedAt": at(-5), "expiresAt": 9},
    )
    await gw.put("ledger-summaries", {"userId": me, "day": today(), "charged": 3, "held": 0})
    await gw.put("ledger-summaries", {"userId": other, "day": today(), "charged": 1, "held": 0})
    hold = "h-" + me
    await gw.put(
        "ledger-entries",
        {"userDay": f"{me}#{today()}", "entryKey": f"hold#{hold}", "holdId": hold, "minutes": 3},
    )
    await gw.put(
        "ledger-entries",
        {"userDay": f"{other}#{today()}", "entryKey": "hold#h2", "holdId": "h2", "minutes": 1},
    )
    await gw.put("ledger-holds", {"holdId": hold, "userId": me, "status": "settled"})
    await gw.put("ledger-accounts", {"userId": me, "version": 4})
    await gw.put("notifier-connections", {"userId": me, "connectionIds": {"c-" + me}})
    # My partner today; my block of a third person; someone's block of me (theirs to know).
    await gw.put("matcher-pairs", {"userId": me, "otherUserId": other, "partnerOn": today()})
    await gw.put("matcher-pairs", {"userId": other, "otherUserId": me, "partnerOn": today()})
    fourth = new_user("dee")
    for a, b in ((me, fourth), (fourth, me)):
        await gw.put(
            "matcher-pairs",
            {"userId": a, "otherUserId": b, "blocked": True, "blockedBy": {me}},
        )
    fifth = new_user("eve")
    for a, b in ((me, fifth), (fifth, me)):
        await gw.put(
            "matcher-pairs",
            {"userId": a, "otherUserId": b, "blocked": True, "blockedBy": {fifth}},
        )
    await gw.put(
        "matcher-tickets",
        {"ticketId": "t-" + me, "userId": me, "status": "matched", "createdAt": at(-100)},
    )
    await gw.put(
        "matcher-tickets",
        {"ticketId": "t-" + other, "userId": other, "status": "waiting", "createdAt": at(-9)},
    )
    await gw.put("matcher-people", {"userId": me, "state": "in_session", "sessionId": session})
    await gw.put("matcher-sessions", live_session(session, other, me))
    await gw.put("matcher-sessions", live_session(new_user("s"), other, new_user("x")))
    await gw.put(
        "matcher-history",
        {"userId": me, "startedAt": at(-3600), "sessionId": session, "partnerId": other},
    )
    invite = {"status": "declined", "expiresAtIso": at(-40), "expiresAt": 1}
    await gw.put(
        "matcher-invites", {**invite, "inviteId": "in-" + me, "fromUserId": other, "toUserId": me}
    )
    await gw.put(
        "matcher-invites", {**invite, "inviteId": "out-" + me, "fromUserId": me, "toUserId": other}
    )
    await gw.put(
        "matcher-invites",
        {**invite, "inviteId": new_user("x"), "fromUserId": other, "toUserId": new_user()},
    )
    # I blocked someone; someone else blocked me (theirs to know, not mine).
    third = new_user("cid")
    await gw.put("gateway-blocks", {"userId": me, "otherUserId": third, "iBlocked": True})
    await gw.put("gateway-blocks", {"userId": third, "otherUserId": me, "blockedMe": True})
    await gw.put("gateway-blocks", {"userId": me, "otherUserId": other, "blockedMe": True})
    await gw.put("gateway-blocks", {"userId": other, "otherUserId": me, "iBlocked": True})
    await gw.put("gateway-partners", {"userId": me, "otherUserId": other, "wantsAgain": True})
    report = {"status": "open", "reason": "spam", "createdAt": at(-60)}
    await gw.put(
        "gateway-reports",
        {**report, "reportId": "r-" + me, "reporterId": me, "reportedUserId": third},
    )
    await gw.put(
        "gateway-reports",
        {**report, "reportId": "r-" + other, "reporterId": other, "reportedUserId": me},
    )


async def _scan_for(gw: Gateway, logical: str, user_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    args: dict[str, Any] = {"TableName": gw.aws.table(logical), "ConsistentRead": True}
    while True:
        resp = await gw.aws.dynamodb.scan(**args)
        found += [
            plain(from_item(i))
            for i in resp.get("Items", [])
            if user_id in json.dumps(i, default=str)
        ]
        if not resp.get("LastEvaluatedKey"):
            return found
        args["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def _mine_to_see(item: dict[str, Any], me: str) -> bool:
    """What others did about me stays theirs: who blocked me, who reported me; a row of
    someone else (their partner is me) is theirs."""
    if "blockedBy" in item:
        return item.get("userId") == me and me in item["blockedBy"]
    if "partnerOn" in item:
        return item.get("userId") == me
    if "blockedMe" in item or item.get("reportedUserId") == me:
        return item.get("userId") == me and bool(item.get("iBlocked"))
    if "iBlocked" in item:
        return item.get("userId") == me
    return True


def _as_mine(logical: str, item: dict[str, Any], me: str) -> dict[str, Any]:
    """Of a conversation I shared, the other person's hold and minutes are theirs."""
    if logical != "matcher-sessions":
        return item
    parts = [p if p["userId"] == me else {"userId": p["userId"]} for p in item["participants"]]
    return {**item, "participants": parts}


def _canonical(items: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(i, sort_keys=True, default=str) for i in items)


async def test_the_export_holds_every_item_a_scan_finds_about_me_and_nothing_else(
    gw: Gateway,
) -> None:
    me, other = new_user("ana"), new_user("ben")
    await _seed(gw, me, other)
    answer = await gw.call("GET", "/v1/me/export", me)
    assert answer.status == 200
    body = answer.body
    assert body["userId"] == me
    assert body["truncated"] == []
    # The throttle itself keeps a window about the person: it is exported too.
    assert sorted(body["tables"]) == READABLE
    for logical in READABLE:
        scanned = [
            _as_mine(logical, i, me)
            for i in await _scan_for(gw, logical, me)
            if _mine_to_see(i, me)
        ]
        exported = body["tables"][logical]
        assert _canonical(exported) == _canonical(scanned), logical
        assert scanned or logical == "gateway-ratelimits", f"nothing seeded in {logical}"
    assert {t["table"] for t in body["notIncluded"]} == set(NOT_INCLUDED)
    unreadable = {t.logical for t in ALL_TABLES} - set(READABLE)
    assert set(NOT_INCLUDED) <= unreadable


async def test_export_is_mine_only_and_rate_limited(gw: Gateway) -> None:
    me = new_user("cy")
    assert (await gw.call("GET", "/v1/me/export")).status == 401
    statuses = [(await gw.call("GET", "/v1/me/export", me)).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
