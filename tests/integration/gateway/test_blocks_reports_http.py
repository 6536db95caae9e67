"""Safety with strangers: blocked people vanish from presence both ways, blocks are listed and
lifted, reports are stored for the team and listed by the operator command; history pages."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime, timedelta

from services.gateway.live.presence import shard_of
from services.gateway.safety import reports
from services.gateway.safety.reports import ReportRecords
from services.wire.names import Service
from tests.integration.gateway.conftest import Gateway, about, new_user
from tests.integration.gateway.test_reads_http import live_session


async def _online(gw: Gateway, *users: str) -> None:
    now = time.time()
    for u in users:
        await gw.put(
            "gateway-presence",
            {
                "userId": u,
                "shard": shard_of(u),
                "lastSeen": int(now * 1000),
                "connections": 1,
                "expiresAt": int(now) + 300,
                "name": u,
            },
        )


async def _listed(gw: Gateway, me: str) -> set[str]:
    answer = await gw.call("GET", "/v1/presence", me)
    assert answer.status == 200
    return {p["userId"] for p in answer.body["people"]}


async def test_presence_never_lists_people_i_blocked_or_who_blocked_me(gw: Gateway) -> None:
    me, rude, wary, friend = new_user("me"), new_user("rude"), new_user("wary"), new_user("fr")
    await _online(gw, me, rude, wary, friend)
    assert {rude, wary, friend} <= await _listed(gw, me)

    assert (await gw.call("POST", "/v1/blocks", me, body={"userId": rude})).status == 202
    assert (await gw.call("POST", "/v1/blocks", wary, body={"userId": me})).status == 202

    seen = await _listed(gw, me)
    assert rude not in seen
    assert wary not in seen
    assert friend in seen
    # ...and the other way round: neither of them sees me.
    assert me not in await _listed(gw, rude)
    assert me not in await _listed(gw, wary)

    # Unblocking lifts my block only: wary still blocks me, so we stay apart.
    assert (await gw.call("DELETE", f"/v1/blocks/{rude}", me)).status == 202
    assert rude in await _listed(gw, me)
    assert (await gw.call("DELETE", f"/v1/blocks/{me}", me)).status == 404
    assert wary not in await _listed(gw, me)


async def test_blocked_people_are_listed_and_unblocking_is_told_to_the_matcher(
    gw: Gateway,
) -> None:
    me, ben, cy = new_user("me"), new_user("ben"), new_user("cy")
    await gw.put("gateway-profiles", {"userId": ben, "name": "Ben"})
    for other in (ben, cy):
        assert (await gw.call("POST", "/v1/blocks", me, body={"userId": other})).status == 202
    listed = (await gw.call("GET", "/v1/blocks", me)).body["people"]
    assert {p["userId"] for p in listed} == {ben, cy}
    assert {"userId": ben, "name": "Ben"} in listed
    assert (await gw.call("GET", "/v1/blocks", ben)).body == {"people": []}

    first = await gw.published(Service.MATCHER, about(me), expect=2)
    assert sorted(e["type"] for e in first) == ["user.blocked", "user.blocked"]

    # Retried (double click): one unblock event; a second answer says there is nothing left.
    assert (await gw.call("DELETE", f"/v1/blocks/{ben}", me)).status == 202
    assert (await gw.call("DELETE", f"/v1/blocks/{ben}", me)).status == 404
    (unblocked,) = await gw.published(Service.MATCHER, about(me))
    assert unblocked["type"] == "user.unblocked"
    assert unblocked["payload"] == {"userId": me, "unblockedUserId": ben}
    assert [p["userId"] for p in (await gw.call("GET", "/v1/blocks", me)).body["people"]] == [cy]

    # Blocking again after an unblock is a new block, not a duplicate the FIFO drops.
    assert (await gw.call("POST", "/v1/blocks", me, body={"userId": ben})).status == 202
    (again,) = await gw.published(Service.MATCHER, about(ben))
    assert again["type"] == "user.blocked"
    assert again["id"] != next(e["id"] for e in first if e["payload"]["blockedUserId"] == ben)


async def test_a_report_is_stored_and_the_operator_lists_and_resolves_it(gw: Gateway) -> None:
    me, them = new_user("me"), new_user("them")
    sid = new_user("s")  # a report is about a conversation the two had
    await gw.put("matcher-sessions", live_session(sid, me, them))
    answer = await gw.call(
        "POST",
        "/v1/reports",
        me,
        body={"userId": them, "reason": "abuse", "sessionId": sid, "note": "shouted"},
    )
    assert answer.status == 202
    report_id = answer.body["reportId"]
    records = ReportRecords(gw.aws.dynamodb, gw.settings.name_prefix)

    out = io.StringIO()
    assert await reports.run(["list", "--limit", "100"], records, out) == 0
    listed = [json.loads(line) for line in out.getvalue().splitlines()]
    mine = next(r for r in listed if r["report_id"] == report_id)
    assert mine == mine | {
        "reporter_id": me,
        "reported_user_id": them,
        "reason": "abuse",
        "note": "shouted",
        "session_id": sid,
        "status": "open",
    }
    # A report also blocks: neither sees the other online.
    assert [p["userId"] for p in (await gw.call("GET", "/v1/blocks", me)).body["people"]] == [them]

    out = io.StringIO()
    assert await reports.run(["resolve", report_id, "--note", "warned"], records, out) == 0
    assert json.loads(out.getvalue())["status"] == "resolved"
    out = io.StringIO()
    await reports.run(["list", "--limit", "100"], records, out)
    assert report_id not in out.getvalue()
    stored = await records.get(report_id)
    assert stored is not None
    assert stored.resolution == "warned"
    assert await reports.run(["resolve", "no-such-report"], records, io.StringIO()) == 1


async def test_history_comes_a_page_at_a_time_without_gaps_or_repeats(gw: Gateway) -> None:
    me, ben = new_user("me"), new_user("ben")
    start = datetime.now(UTC) - timedelta(hours=5)
    for i in range(5):
        began = (start + timedelta(minutes=20 * i)).isoformat().replace("+00:00", "Z")
        ended = (start + timedelta(minutes=20 * i + 3)).isoformat().replace("+00:00", "Z")
        await gw.put(
            "matcher-history",
            {
                "userId": me,
                "startedAt": f"{began}#s{i}",
                "sessionId": f"s{i}",
                "partnerId": ben,
                "startsAt": began,
                "endsAt": ended,
                "endedAt": ended,
                "minutes": 3,
                "reason": "stopped",
                "expiresAt": int(time.time()) + 86400,
            },
        )
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        path = "/v1/sessions?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = (await gw.call("GET", path, me)).body
        seen += [s["sessionId"] for s in body["sessions"]]
        pages += 1
        cursor = body.get("nextCursor")
        if not cursor:
            break
    assert seen == ["s4", "s3", "s2", "s1", "s0"]
    assert pages in (3, 4)  # DynamoDB may hand back one empty last page

    # Without paging parameters the answer is as before: everything, no cursor.
    whole = (await gw.call("GET", "/v1/sessions", me)).body
    assert [s["sessionId"] for s in whole["sessions"]] == seen
    assert "nextCursor" not in whole

    for bad in ("limit=0", "limit=101", "limit=x", "cursor=%25%25", "cursor=e30"):
        answer = await gw.call("GET", f"/v1/sessions?{bad}", me)
        assert (answer.status, answer.code) == (400, "validation-failed"), bad
