"""Each owner's `user.erased` handler against the embedded AWS: the person's items go, what
abuse handling keeps carries the pseudonym, nobody else's items change, and a second delivery
of the same event changes nothing more."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

from services.ledger.erasure import Eraser
from services.matcher.context import Matcher
from services.matcher.flows.erasure import on_erased
from services.matcher.tables.items import Tables
from services.notifier.connections import ConnectionStore
from services.runtime.aws import Aws
from services.runtime.dynamo import from_item, to_item
from services.wire.events.gateway import UserErased
from services.wire.tables import ALL_TABLES
from tests.conftest import Stack

ME, OTHER, THIRD = "u-erased-1", "u-other-2", "u-third-3"
PSEUDO = "anon-" + "ab" * 32
DAY, SID, START = "2026-11-29", "s-1", "2026-11-29T10:00:00.000Z#s-1"


async def _put(aws: Aws, logical: str, item: dict[str, Any]) -> None:
    await aws.dynamodb.put_item(TableName=aws.table(logical), Item=to_item(item))


async def _get(aws: Aws, logical: str, key: dict[str, str]) -> dict[str, Any] | None:
    resp = await aws.dynamodb.get_item(
        TableName=aws.table(logical), Key=to_item(key), ConsistentRead=True
    )
    return from_item(resp["Item"]) if "Item" in resp else None


async def _seed(aws: Aws) -> None:
    for who in (ME, OTHER):
        await _put(aws, "ledger-summaries", {"userId": who, "day": DAY, "charged": 2})
        await _put(aws, "ledger-accounts", {"userId": who, "version": 3})
        await _put(aws, "matcher-people", {"userId": who, "state": "free"})
        await _put(aws, "notifier-connections", {"userId": who, "connectionIds": {f"c-{who}"}})
    await _put(aws, "ledger-entries", {"userDay": f"{ME}#{DAY}", "entryKey": "a", "holdId": "h-me"})
    # An entry naming a hold that is someone else's: that hold is not mine to delete.
    await _put(aws, "ledger-entries", {"userDay": f"{ME}#{DAY}", "entryKey": "b", "holdId": "h-x"})
    await _put(aws, "ledger-holds", {"holdId": "h-me", "userId": ME, "status": "settled"})
    await _put(aws, "ledger-holds", {"holdId": "h-x", "userId": OTHER, "status": "settled"})
    session = {"sessionId": SID, "status": "ended", "userIds": [ME, OTHER]}
    session["participants"] = [{"userId": ME, "holdId": "h-me"}, {"userId": OTHER}]
    await _put(aws, "matcher-sessions", session)
    for who, partner in ((ME, OTHER), (OTHER, ME)):
        row = {"userId": who, "startedAt": START, "sessionId": SID, "partnerId": partner}
        await _put(aws, "matcher-history", row)
    await _put(aws, "matcher-tickets", {"ticketId": "t-1", "userId": ME, "createdAt": DAY})
    invite = {"expiresAtIso": DAY, "status": "declined"}
    await _put(
        aws, "matcher-invites", {**invite, "inviteId": "i-1", "fromUserId": ME, "toUserId": OTHER}
    )
    await _put(
        aws, "matcher-invites", {**invite, "inviteId": "i-2", "fromUserId": OTHER, "toUserId": ME}
    )
    for a, b in ((ME, OTHER), (OTHER, ME), (ME, THIRD), (THIRD, ME), (OTHER, THIRD)):
        await _put(aws, "matcher-pairs", {"userId": a, "otherUserId": b, "blocked": True})
    # Partners: one row per partner on each side, other = `#partner#<id>`.
    for a, b in ((ME, OTHER), (OTHER, ME), (OTHER, THIRD)):
        row = {"userId": a, "otherUserId": f"#partner#{b}", "partner": True, "partnerAtMs": 1}
        await _put(aws, "matcher-pairs", row)


async def _mentioning(aws: Aws, needle: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for table in ALL_TABLES:
        resp = await aws.dynamodb.scan(TableName=aws.table(table.logical), ConsistentRead=True)
        found += [
            (table.logical, from_item(i))
            for i in resp.get("Items", [])
            if needle in json.dumps(i, default=str)
        ]
    return found


async def test_each_owner_erases_its_own_tables_once_and_keeps_the_rest(
    aws: Aws, stack: Stack
) -> None:
    await _seed(aws)
    before_other = await _mentioning(aws, OTHER)
    event = UserErased(id="e-1", user_id=ME, pseudonym=PSEUDO)
    matcher = cast(
        Matcher,
        SimpleNamespace(
            store=SimpleNamespace(db=aws.dynamodb), tables=Tables.for_prefix(stack.prefix)
        ),
    )
    ledger = Eraser(aws.dynamodb, {t.logical: aws.table(t.logical) for t in ALL_TABLES})
    notifier = ConnectionStore.for_prefix(aws.dynamodb, stack.prefix)
    for _ in range(2):  # a redelivery
        await on_erased(matcher, event)
        await ledger.on_erased(event)
        await notifier.forget(ME)
        assert await _mentioning(aws, ME) == []
    kept = {logical for logical, _ in await _mentioning(aws, PSEUDO)}
    assert kept == {"matcher-sessions", "matcher-history"}
    session = await _get(aws, "matcher-sessions", {"sessionId": SID})
    assert session is not None
    assert session["userIds"] == [PSEUDO, OTHER]
    assert session["participants"][0] == {"userId": PSEUDO, "holdId": "h-me"}
    theirs = await _get(aws, "matcher-history", {"userId": OTHER, "startedAt": START})
    assert theirs is not None
    assert theirs["partnerId"] == PSEUDO
    # The other person keeps everything of theirs that did not involve me.
    assert await _get(aws, "ledger-holds", {"holdId": "h-x"}) is not None
    assert await _get(aws, "ledger-accounts", {"userId": OTHER}) is not None
    assert await _get(aws, "matcher-pairs", {"userId": OTHER, "otherUserId": THIRD}) is not None
    kept_partner = {"userId": OTHER, "otherUserId": f"#partner#{THIRD}"}
    assert await _get(aws, "matcher-pairs", kept_partner) is not None
    assert await notifier.of(OTHER) == (f"c-{OTHER}",)
    after_other = await _mentioning(aws, OTHER)
    gone = {(t, json.dumps(i, sort_keys=True, default=str)) for t, i in before_other} - {
        (t, json.dumps(i, sort_keys=True, default=str)) for t, i in after_other
    }
    # What the other person lost: only what was shared with me (rewritten or deleted).
    assert {t for t, _ in gone} == {
        "matcher-sessions",
        "matcher-history",
        "matcher-invites",
        "matcher-pairs",
    }
