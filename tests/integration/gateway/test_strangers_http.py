"""Safety with strangers, tried the way a harasser would: a blocked person learns nothing of
the one who blocked them; the partner sees only the name a person chose; a person's id and
pseudonym never meet in a log; reports need a conversation; names cannot impersonate Parley;
the export holds only the asker's own side of what they shared with someone."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from livekit.api import TokenVerifier

from services.gateway.live.presence import shard_of
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.gateway.conftest import (
    LIVEKIT_KEY,
    LIVEKIT_SECRET,
    Answer,
    Gateway,
    new_user,
    running_gateway,
)
from tests.integration.gateway.test_erasure_http import _idp
from tests.integration.gateway.test_reads_http import at, live_session
from tests.unit.gateway.forge import JwksServer


@pytest.fixture(scope="module")
async def gw(gw_stack: Stack, jwks_server: JwksServer) -> AsyncIterator[Gateway]:
    """The gateway with a user pool in the embedded Cognito, so accounts can be deleted."""
    pool = _idp(gw_stack).create_user_pool(PoolName=f"{gw_stack.prefix}-s")["UserPool"]["Id"]
    async with running_gateway(gw_stack, jwks_server, cognito_user_pool_id=pool) as gateway:
        yield gateway


async def _online(gw: Gateway, user: str, sign_in_name: str = "") -> None:
    """Online and free, as the WebSocket edge records it (with the sign-in's name)."""
    now = time.time()
    await gw.put(
        "gateway-presence",
        {
            "userId": user,
            "shard": shard_of(user),
            "lastSeen": int(now * 1000),
            "connections": 1,
            "expiresAt": int(now) + 300,
            "name": sign_in_name or user,
        },
    )


async def _as(gw: Gateway, method: str, path: str, user: str, **claims: Any) -> Answer:
    """A call with a token whose claims are `claims` (None leaves a claim out)."""
    return await gw.call(method, path, headers=gw.bearer(user, **claims))


async def _ended(gw: Gateway, a: str, b: str, ended_s_ago: float) -> str:
    """A conversation between a and b that ended `ended_s_ago` seconds ago."""
    sid = new_user("s")
    start = -ended_s_ago - 300
    await gw.put(
        "matcher-sessions",
        live_session(
            sid,
            a,
            b,
            status="ended",
            startsAt=at(start),
            endsAt=at(start + 600),
            endedAt=at(-ended_s_ago),
        ),
    )
    for me, other in ((a, b), (b, a)):
        await gw.put(
            "matcher-history",
            {
                "userId": me,
                "startedAt": f"{at(start)}#{sid}",
                "sessionId": sid,
                "partnerId": other,
                "startsAt": at(start),
                "endedAt": at(-ended_s_ago),
                "minutes": 5,
            },
        )
    return sid


# ---- 2. a blocked person cannot watch the one who blocked them -----------------------------


async def test_inviting_someone_who_blocked_me_is_answered_exactly_as_inviting_someone_offline(
    gw: Gateway,
) -> None:
    victim, harasser, away, bystander = (new_user(n) for n in ("vic", "har", "away", "by"))
    for user in (victim, harasser, bystander):
        await _online(gw, user)
    assert (await gw.call("POST", "/v1/blocks", victim, body={"userId": harasser})).status == 202

    blocked = await gw.call("POST", "/v1/invites", harasser, body={"to": victim})
    offline = await gw.call("POST", "/v1/invites", harasser, body={"to": away})

    assert (offline.status, offline.code) == (409, "invitee-offline")
    assert (blocked.status, blocked.body) == (offline.status, offline.body)
    assert blocked.headers["Content-Type"] == offline.headers["Content-Type"]
    # Both answered without a word to the bus: no invite was ever sent, so nothing can come
    # back later (no `invite.cancelled`, no reason) to tell the two apart.
    assert await gw.published(Service.LEDGER, lambda m: m["type"] == "invite.requested") == []
    # The one who blocked is refused the same way (and the invite never leaves).
    back = await gw.call("POST", "/v1/invites", victim, body={"to": harasser})
    assert (back.status, back.body) == (409, offline.body)
    # Presence, /v1/me and the invite answer agree: the victim is simply not there.
    seen = {p["userId"] for p in (await gw.call("GET", "/v1/presence", harasser)).body["people"]}
    assert bystander in seen
    assert victim not in seen
    assert (await gw.call("GET", "/v1/me", harasser)).body["invites"] == []
    # Someone not blocked is invited as usual (the refusal is the block's, not the route's).
    assert (await gw.call("POST", "/v1/invites", harasser, body={"to": bystander})).status == 202


# ---- 3. the partner sees only the name a person chose ----------------------------------------


async def test_tokens_and_presence_carry_the_chosen_name_never_the_sign_in_full_name(
    gw: Gateway,
) -> None:
    ana, ben = new_user("ana"), new_user("ben")
    full = {"name": "Ana Maria Lopez Garcia", "given_name": "Ana Maria"}
    me = await _as(gw, "GET", "/v1/me", ana, **full)
    assert me.body["name"] == "Ana"  # the given name's first word
    await _online(gw, ana, sign_in_name=full["name"])
    listed = (await gw.call("GET", "/v1/presence", ben)).body["people"]
    shown = {"userId": ana, "name": "Ana", "speaks": [], "learns": [], "available": True}
    assert shown in listed
    assert "Lopez" not in json.dumps(listed)

    sid = new_user("s")
    await gw.put("matcher-sessions", live_session(sid, ana, ben, mediaMode="livekit"))
    joined = await _as(gw, "POST", f"/v1/sessions/{sid}/join", ana, **full)
    claims = TokenVerifier(LIVEKIT_KEY, LIVEKIT_SECRET).verify(joined.body["token"])
    assert claims.identity == ana
    assert claims.name == "Ana"
    prefs = {"name": "Annie", "speaks": ["en"], "learns": []}
    assert (await gw.call("PUT", "/v1/me/preferences", ana, body=prefs)).status == 200
    joined = await _as(gw, "POST", f"/v1/sessions/{sid}/join", ana, **full)
    assert TokenVerifier(LIVEKIT_KEY, LIVEKIT_SECRET).verify(joined.body["token"]).name == "Annie"


async def test_without_a_given_name_a_new_person_is_called_by_their_emails_local_part(
    gw: Gateway,
) -> None:
    zed = new_user("zed")
    me = await _as(
        gw, "GET", "/v1/me", zed, name="Zed Quentin Private", given_name=None, email="zq@x.org"
    )
    assert me.body["name"] == "zq"


# ---- 5. no log line links a person to their pseudonym ----------------------------------------


async def test_an_erasure_logs_no_line_that_links_the_person_to_their_pseudonym(
    gw: Gateway, gw_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    me = new_user("cy")
    _idp(gw_stack).admin_create_user(UserPoolId=gw.settings.cognito_user_pool_id, Username=me)
    await gw.call("PUT", "/v1/me/preferences", me, body={"speaks": ["en"], "learns": []})
    capsys.readouterr()
    answer = await gw.call("DELETE", "/v1/me", me)
    assert answer.status == 202, answer.body
    pseudo = answer.body["pseudonym"]
    lines = capsys.readouterr().out.splitlines()
    assert any(me in line for line in lines), "the request's lines carry the person's id"
    assert any("account.erased" in line for line in lines)
    # Not even on a line of its own: every line of the request shares its request id.
    assert [line for line in lines if pseudo in line] == []


# ---- 6. reports need a conversation ----------------------------------------------------------


async def test_a_report_needs_a_conversation_the_two_shared_in_the_last_day(gw: Gateway) -> None:
    me, them, mal, stranger = (new_user(n) for n in ("me", "them", "mal", "str"))
    recent = await _ended(gw, me, them, ended_s_ago=3600)
    old = await _ended(gw, me, them, ended_s_ago=25 * 3600)
    mals = await _ended(gw, mal, stranger, ended_s_ago=600)

    def report(about: str, session_id: str | None = None) -> dict[str, Any]:
        body = {"userId": about, "reason": "abuse"}
        return body | ({"sessionId": session_id} if session_id else {})

    # Someone who never talked with `them` (each call within the reports' rate limit).
    refused = [
        await gw.call("POST", "/v1/reports", mal, body=report(them, recent)),  # not mal's
        await gw.call("POST", "/v1/reports", mal, body=report(new_user("nobody"), mals)),
        await gw.call("POST", "/v1/reports", mal, body=report(them, new_user("made-up"))),
        await gw.call("POST", "/v1/reports", mal, body=report(them)),  # never met
    ]
    assert [(a.status, a.code) for a in refused] == [(404, "no-shared-session")] * 4
    assert len({a.body["detail"] for a in refused}) == 1  # one answer: ids cannot be probed
    late = await gw.call("POST", "/v1/reports", me, body=report(them, old))
    assert (late.status, late.code) == (409, "report-window-closed")

    filed = await gw.call("POST", "/v1/reports", me, body=report(them, recent))
    assert filed.status == 202
    again = await gw.call("POST", "/v1/reports", me, body=report(them))  # the latest: `recent`
    assert (again.status, again.code) == (409, "already-reported")
    # The other side of the same conversation may report too.
    assert (await gw.call("POST", "/v1/reports", them, body=report(me, recent))).status == 202
    stored = await gw.aws.dynamodb.get_item(
        TableName=gw.aws.table("gateway-reports"),
        Key={"reportId": {"S": filed.body["reportId"]}},
        ConsistentRead=True,
    )
    assert stored["Item"]["sessionId"] == {"S": recent}
    reported = await gw.published(
        Service.MATCHER, lambda m: m["type"] == "user.reported" and m["payload"]["userId"] == me
    )
    assert [m["payload"]["sessionId"] for m in reported] == [recent]


# ---- 7. display names cannot hide or impersonate ---------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "\u200b\u200c\u200d",  # zero-width only
        "\u202e\u2066\u00ad",  # bidi override, isolate, soft hyphen: nothing visible
        "Parley Safety Team \u2714",
        "Parley",
        "P a r l e y",
        "\uff30\uff41\uff52\uff4c\uff45\uff59",  # full-width, NFKC makes it plain
        "Admin",
        "Mod\u0435rator",  # a Cyrillic e
        "Ben \u2713",
        "Official Help",
        "Support",
    ],
)
async def test_a_display_name_that_hides_or_impersonates_is_refused(gw: Gateway, name: str) -> None:
    body = {"name": name, "speaks": ["en"], "learns": []}
    answer = await gw.call("PUT", "/v1/me/preferences", new_user(), body=body)
    assert (answer.status, answer.code) == (400, "validation-failed"), answer.body
    assert [e["field"] for e in answer.body["errors"]] == ["name"]


async def test_a_display_name_is_stored_normalised_without_invisible_characters(
    gw: Gateway,
) -> None:
    me = new_user()
    body = {"name": "\u202eJose\u0301\u200b Radmina", "speaks": ["en"], "learns": []}
    answer = await gw.call("PUT", "/v1/me/preferences", me, body=body)
    assert answer.status == 200, answer.body
    assert (await gw.call("GET", "/v1/me", me)).body["name"] == "Jos\u00e9 Radmina"


# ---- 8. the export holds my side of what we shared, and says what it withholds -------------


async def test_the_export_leaves_out_the_partners_side_and_lists_what_is_withheld(
    gw: Gateway,
) -> None:
    me, other = new_user("ana"), new_user("ben")
    await gw.call("GET", "/v1/me", me)
    sid = new_user("s")
    await gw.put("matcher-people", {"userId": me, "state": "in_session", "sessionId": sid})
    await gw.put(
        "matcher-sessions",
        live_session(
            sid,
            me,
            other,
            participants=[
                {"userId": me, "holdId": f"t-{me}", "minutes": 15},
                {"userId": other, "holdId": f"t-{other}", "minutes": 4},
            ],
            ticketIds=[f"t-{me}", f"t-{other}"],
        ),
    )
    invite = {"expiresAtIso": at(-40), "expiresAt": int(time.time()) + 3600}
    received, sent = new_user("in"), new_user("out")
    await gw.put(
        "matcher-invites",
        {**invite, "inviteId": received, "fromUserId": other, "toUserId": me}
        | {"status": "expired", "minutes": 4},
    )
    await gw.put(
        "matcher-invites",
        {**invite, "inviteId": sent, "fromUserId": me, "toUserId": other}
        | {"status": "cancelled", "reason": "blocked"},
    )

    body = (await gw.call("GET", "/v1/me/export", me)).body
    (session,) = body["tables"]["matcher-sessions"]
    assert session["participants"] == [
        {"userId": me, "holdId": f"t-{me}", "minutes": 15},
        {"userId": other},
    ]
    assert session["ticketIds"] == [f"t-{me}"]
    assert f"t-{other}" not in json.dumps(body)
    invites = {i["inviteId"]: i for i in body["tables"]["matcher-invites"]}
    assert "minutes" not in invites[received]  # the inviter's points held
    assert invites[sent]["reason"] == "busy"  # a block reads as busy, as it was told
    assert "blocked" not in json.dumps(body["tables"]["matcher-invites"])
    withheld = {w["table"] for w in body["withheld"]}
    assert {"gateway-blocks", "gateway-reports", "matcher-sessions", "matcher-invites"} <= withheld
    assert all(w["holds"] for w in body["withheld"])
