"""Safety that follows the person, through the real gateway on the embedded AWS: blocks kept by
identity come back when someone signs up again (and nothing else of theirs does); reports from
enough different people suspend someone until an operator decides; a ban by identity refuses
the person's next request whatever account they come back with, ends their call (a Stop of
theirs at the ban's moment) and lapses at its end; every action is in the audit log; blocking
the person I am talking with ends our call."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.devstack.provision import clients
from services.gateway.people.views import iso
from services.runtime.bus import publisher
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.gateway.conftest import (
    Answer,
    Gateway,
    about,
    new_user,
    running_gateway,
)
from tests.integration.gateway.test_invites_http import online
from tests.integration.gateway.test_reads_http import at, live_session
from tests.unit.gateway.forge import JwksServer

OPERATOR = {"cognito:groups": ["operators"]}


@pytest.fixture(scope="module")
async def gw(gw_stack: Stack, jwks_server: JwksServer) -> AsyncIterator[Gateway]:
    """A gateway with a user pool in the embedded Cognito, reading standing on every request
    (so a ban made by the operator's command elsewhere shows at once)."""
    idp = clients(gw_stack.endpoint_url, gw_stack.settings().aws_region, "cognito-idp")
    pool = idp.create_user_pool(PoolName=gw_stack.prefix)["UserPool"]["Id"]
    async with running_gateway(
        gw_stack, jwks_server, cognito_user_pool_id=pool, standing_recheck_s=0
    ) as gateway:
        yield gateway


async def _as(
    gw: Gateway, method: str, path: str, sub: str, body: Any = None, **claims: Any
) -> Answer:
    return await gw.call(method, path, body=body, headers=gw.bearer(sub, **claims))


async def _seen(gw: Gateway, *people: str) -> None:
    """Each person's first request (their identity keys are linked to their account)."""
    for who in people:
        assert (await gw.call("GET", "/v1/me", who)).status == 200


async def _talked(gw: Gateway, a: str, b: str) -> str:
    sid = new_user("s")
    await gw.put("matcher-sessions", live_session(sid, a, b, status="ended", endedAt=at(-60)))
    return sid


async def test_a_returning_person_gets_their_blocks_back_both_ways_and_nothing_else(
    gw: Gateway, gw_stack: Stack
) -> None:
    me, mine, theirs = new_user("ana"), new_user("xi"), new_user("yo")
    idp = clients(gw_stack.endpoint_url, gw_stack.settings().aws_region, "cognito-idp")
    idp.admin_create_user(UserPoolId=gw.settings.cognito_user_pool_id, Username=me)
    await _seen(gw, me, mine, theirs)
    await gw.call("PUT", "/v1/me/preferences", me, body={"speaks": ["en"], "learns": ["es"]})
    assert (await gw.call("POST", "/v1/blocks", me, body={"userId": mine})).status == 202
    assert (await gw.call("POST", "/v1/blocks", theirs, body={"userId": me})).status == 202
    await gw.published(Service.MATCHER, about(me), expect=2)  # drain what came before
    assert (await gw.call("DELETE", "/v1/me", me)).status == 202
    assert (await gw.call("GET", "/v1/blocks", theirs)).body["people"] == []

    # Back with a new account: a new `sub`, the same verified email.
    again = new_user("ana")
    me_again = await _as(gw, "GET", "/v1/me", again, email=f"{me}@example.com")
    assert me_again.status == 200

    mine_now = await _as(gw, "GET", "/v1/blocks", again, email=f"{me}@example.com")
    assert [p["userId"] for p in mine_now.body["people"]] == [mine]
    blocked_by_them = (await gw.call("GET", "/v1/blocks", theirs)).body["people"]
    assert [p["userId"] for p in blocked_by_them] == [again]
    told = await gw.published(Service.MATCHER, about(again), expect=2)
    pairs = {
        (m["payload"]["userId"], m["payload"]["blockedUserId"])
        for m in told
        if m["type"] == "user.blocked"
    }
    assert pairs == {(again, mine), (theirs, again)}
    # Nothing else of theirs: no preferences, no profile name chosen before.
    assert me_again.body["preferences"] == {
        "speaks": [],
        "learns": [],
        "levels": {},
        "welcomesFrom": "A1",
    }


async def test_reports_suspend_an_operator_bans_the_call_ends_and_the_next_request_fails(
    gw: Gateway,
) -> None:
    target, partner, fan = new_user("tom"), new_user("pia"), new_user("fay")
    reporters = [new_user(f"r{i}") for i in range(3)]
    await _seen(gw, target, partner, fan, *reporters)
    await online(gw, target)
    assert (await gw.call("POST", "/v1/invites", fan, body={"to": target})).status == 202
    for n, reporter in enumerate(reporters):
        sid = await _talked(gw, reporter, target)
        report = {"userId": target, "reason": "abuse", "sessionId": sid, "note": f"n{n}"}
        assert (await gw.call("POST", "/v1/reports", reporter, body=report)).status == 202
        if n < 2:  # two people are not yet enough
            assert (await gw.call("POST", "/v1/queue", target, body={})).status == 202

    # Suspended: no joining, no inviting, and to everyone else as if offline.
    joined = await gw.call("POST", "/v1/queue", target, body={})
    assert (joined.status, joined.code) == (403, "suspended")
    invited = await gw.call("POST", "/v1/invites", fan, body={"to": target})
    assert (invited.status, invited.code) == (409, "invitee-offline")
    assert (await gw.call("GET", "/v1/me", target)).status == 200  # but still signed in

    refused = await gw.call("GET", "/v1/admin/suspensions", fan)
    assert (refused.status, refused.code) == (403, "forbidden")
    queue = (await _as(gw, "GET", "/v1/admin/suspensions", fan, **OPERATOR)).body["people"]
    (case,) = [c for c in queue if c["userId"] == target]
    assert case["reporters"] == 3
    assert sorted(r["note"] for r in case["reports"]) == ["n0", "n1", "n2"]
    assert not any(r in json.dumps(queue) for r in reporters)  # reporters are never named

    # The operator bans while the person talks with someone.
    live = new_user("s")
    await gw.put("matcher-sessions", live_session(live, target, partner))
    await gw.put("matcher-people", {"userId": target, "state": "in_session", "sessionId": live})
    before = datetime.now(UTC)
    decision = {"action": "ban", "reason": "abuse in three calls", "until": "30d"}
    done = await _as(
        gw, "POST", f"/v1/admin/suspensions/{case['person']}", fan, decision, **OPERATOR
    )
    assert done.status == 200, done.body
    assert done.body["sessionEnded"] is True
    answer = await gw.call("GET", "/v1/me", target)
    assert (answer.status, answer.code) == (403, "banned")
    stops = [
        m
        for m in await gw.published(Service.MATCHER, about(live))
        if m["type"] == "session.stop_requested"
    ]
    assert [m["payload"]["userId"] for m in stops] == [target]
    stopped_at = datetime.fromisoformat(stops[0]["occurredAt"].replace("Z", "+00:00"))
    assert before <= stopped_at <= datetime.now(UTC)  # at the ban's moment: nothing after
    assert (await gw.call("GET", "/v1/me", partner)).status == 200

    log = (await _as(gw, "GET", "/v1/admin/audit", fan, **OPERATOR)).body["actions"]
    mine = [a for a in log if a["subject"] == case["person"]]
    assert [(a["action"], a["by"]) for a in mine] == [
        ("ban", f"operator:{fan}@example.com"),
        ("suspend", "parley:auto"),
    ]
    assert mine[0]["reason"] == "abuse in three calls"


async def test_a_ban_by_the_command_follows_the_person_and_lapses_at_its_end(
    gw: Gateway,
) -> None:
    from services.gateway.safety.moderation import (  # (new: the others run on old code)
        Moderation,
        run,
    )

    google = {"identities": [{"providerName": "Google", "userId": new_user("g")}]}
    target = new_user("vic")
    assert (await _as(gw, "GET", "/v1/me", target, **google)).status == 200
    mod = Moderation(gw.aws, gw.settings, publisher(gw.aws, Service.GATEWAY))
    ends = datetime.now(UTC) + timedelta(seconds=3)
    out = io.StringIO()
    argv = ["ban", "--user", target, "--until", iso(ends), "--reason", "spam", "--by", "kim"]
    assert await run(argv, mod, out) == 0
    person = json.loads(out.getvalue())["person"]

    refused = await _as(gw, "GET", "/v1/me", target, **google)
    assert (refused.status, refused.code) == (403, "banned")
    # The same Google account signing up again (new sub, even another email) is refused too.
    again = await _as(gw, "GET", "/v1/me", new_user("vic"), email="new@example.org", **google)
    assert (again.status, again.code) == (403, "banned")

    await asyncio.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.2)
    assert (await _as(gw, "GET", "/v1/me", target, **google)).status == 200
    out = io.StringIO()
    assert await run(["log", "--person", person], mod, out) == 0
    (entry,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (entry["action"], entry["by"], entry["reason"]) == ("ban", "cli:kim", "spam")


async def test_blocking_the_person_i_am_talking_with_ends_our_call(gw: Gateway) -> None:
    me, partner = new_user("ida"), new_user("jo")
    await _seen(gw, me, partner)
    live = new_user("s")
    await gw.put("matcher-sessions", live_session(live, me, partner))
    await gw.put("matcher-people", {"userId": me, "state": "in_session", "sessionId": live})
    assert (await gw.call("POST", "/v1/blocks", me, body={"userId": partner})).status == 202
    stops = [
        m
        for m in await gw.published(Service.MATCHER, about(live))
        if m["type"] == "session.stop_requested"
    ]
    # My Stop: the matcher ends it `stopped`, as any Stop, and charges nothing after it.
    assert [m["payload"]["userId"] for m in stops] == [me]
