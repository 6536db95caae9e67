"""`GET /v1/me` and `GET /v1/sessions` answer from the owning services' tables, read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.gateway.people.views import iso
from services.runtime.dynamo import from_item, to_item
from tests.integration.gateway.conftest import Gateway, new_user


def at(seconds: float) -> str:
    return iso(datetime.now(UTC) + timedelta(seconds=seconds))


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def live_session(session_id: str, a: str, b: str, **over: Any) -> dict[str, Any]:
    return {
        "sessionId": session_id,
        "status": "live",
        "participants": [
            {"userId": a, "holdId": f"h-{a}", "minutes": 10},
            {"userId": b, "holdId": f"h-{b}", "minutes": 10},
        ],
        "userIds": [a, b],
        "startsAt": at(-60),
        "endsAt": at(540),
        "mediaMode": "direct",
        "room": session_id,
        "origin": "match",
        **over,
    }


async def test_a_first_visit_shows_a_fresh_day_and_creates_the_profile(gw: Gateway) -> None:
    me = new_user("ana")
    answer = await gw.call("GET", "/v1/me", me)
    assert answer.status == 200
    body = answer.body
    assert body["userId"] == me
    assert body["email"] == f"{me}@example.com"
    assert body["name"] == "Ana"
    assert body["points"]["left"] == 15
    assert body["points"]["used"] == 0
    assert body["points"]["held"] == 0
    assert body["points"]["resetsAt"] == iso(
        datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
    )
    assert body["ticket"] is None
    assert body["session"] is None
    assert body["invites"] == []
    assert body["preferences"] == {
        "speaks": [],
        "learns": [],
        "levels": {},
        "welcomesFrom": "A1",
    }
    item = await gw.aws.dynamodb.get_item(
        TableName=gw.aws.table("gateway-profiles"), Key=to_item({"userId": me})
    )
    assert from_item(item["Item"])["name"] == "Ana"


async def test_me_in_a_session_with_points_held_and_invites_both_ways(gw: Gateway) -> None:
    me, partner, fan, friend = (new_user(n) for n in ("ana", "ben", "cy", "dee"))
    session_id = new_user("s")
    await gw.put("gateway-profiles", {"userId": partner, "name": "Ben", "speaks": ["es"]})
    await gw.put("gateway-profiles", {"userId": friend, "name": "Dee"})
    await gw.put(
        "ledger-summaries",
        {"userId": me, "day": today(), "allowance": 15, "charged": 3, "held": 9},
    )
    await gw.put("matcher-people", {"userId": me, "state": "in_session", "sessionId": session_id})
    await gw.put("matcher-sessions", live_session(session_id, partner, me))
    invite = {
        "status": "pending",
        "expiresAtIso": at(40),
        "expiresAt": int(datetime.now().timestamp()) + 86400,
    }
    await gw.put(
        "matcher-invites",
        {
            **invite,
            "inviteId": "in-" + me,
            "fromUserId": fan,
            "toUserId": me,
            "fromProfile": {"name": "Cy", "speaks": ["fr"], "learns": ["en"]},
        },
    )
    await gw.put(
        "matcher-invites",
        {
            **invite,
            "inviteId": "out-" + me,
            "fromUserId": me,
            "toUserId": friend,
            "fromProfile": {"name": "Ana", "speaks": [], "learns": []},
        },
    )
    await gw.put(
        "matcher-invites",
        {
            **invite,
            "inviteId": "old-" + me,
            "fromUserId": fan,
            "toUserId": me,
            "expiresAtIso": at(-5),
            "fromProfile": {"name": "Cy"},
        },
    )

    body = (await gw.call("GET", "/v1/me", me)).body

    assert body["points"] == {**body["points"], "left": 3, "used": 3, "held": 9}
    session = body["session"]
    assert session["sessionId"] == session_id
    # The partner's languages come along: a tandem swaps language at half time.
    assert session["partner"] == {"userId": partner, "name": "Ben", "speaks": ["es"], "learns": []}
    assert session["role"] == "answerer"  # the partner is listed first: they offer
    assert session["mediaMode"] == "direct"
    by_id = {i["inviteId"]: i for i in body["invites"]}
    assert set(by_id) == {"in-" + me, "out-" + me}  # the lapsed one is gone
    assert by_id["in-" + me]["direction"] == "incoming"
    assert by_id["in-" + me]["from"] == {
        "userId": fan,
        "name": "Cy",
        "speaks": ["fr"],
        "learns": ["en"],
    }
    assert by_id["out-" + me]["direction"] == "outgoing"
    assert by_id["out-" + me]["to"] == {"userId": friend, "name": "Dee"}


async def test_a_waiting_ticket_shows_and_an_ended_session_does_not(gw: Gateway) -> None:
    me, partner = new_user("ana"), new_user("ben")
    await gw.put(
        "matcher-tickets",
        {
            "ticketId": "t-" + me,
            "userId": me,
            "status": "waiting",
            "createdAt": at(-20),
            "waitingSince": at(-19),
            "lookingFor": "tandem",
            "pool": "en-es",
            "waitingPool": "en-es",
        },
    )
    # The matcher has not yet marked the person free, but the session is over.
    await gw.put("matcher-people", {"userId": me, "state": "in_session", "sessionId": "s-" + me})
    await gw.put("matcher-sessions", live_session("s-" + me, me, partner, endsAt=at(-1)))

    body = (await gw.call("GET", "/v1/me", me)).body

    assert body["ticket"]["ticketId"] == "t-" + me
    assert body["ticket"]["status"] == "waiting"
    assert body["ticket"]["lookingFor"] == "tandem"
    assert body["session"] is None


async def test_preferences_are_saved_and_shown(gw: Gateway) -> None:
    me = new_user("ana")
    saved = await gw.call(
        "PUT", "/v1/me/preferences", me, body={"speaks": ["en", "de"], "learns": ["es"]}
    )
    assert saved.status == 200
    assert saved.body == {
        "name": "Ana",
        "speaks": ["en", "de"],
        "learns": ["es"],
        "levels": {},
        "welcomesFrom": "A1",
    }
    renamed = await gw.call(
        "PUT", "/v1/me/preferences", me, body={"name": " Ana M. ", "speaks": ["en"], "learns": []}
    )
    assert renamed.body["name"] == "Ana M."
    body = (await gw.call("GET", "/v1/me", me)).body
    assert body["name"] == "Ana M."
    assert body["preferences"] == {
        "speaks": ["en"],
        "learns": [],
        "levels": {},
        "welcomesFrom": "A1",
    }


async def test_history_lists_finished_sessions_newest_first_with_partner_names(
    gw: Gateway,
) -> None:
    me, ben, cy = new_user("ana"), new_user("ben"), new_user("cy")
    await gw.put("gateway-profiles", {"userId": ben, "name": "Ben"})
    expires = int(datetime.now().timestamp()) + 90 * 86400
    rows = [
        ("s1", ben, -7200, -6900, 5, "stopped"),
        ("s2", cy, -3600, -3000, 10, "time_up"),
    ]
    for sid, partner, start, ended, minutes, reason in rows:
        await gw.put(
            "matcher-history",
            {
                "userId": me,
                "startedAt": f"{at(start)}#{sid}",
                "sessionId": sid,
                "partnerId": partner,
                "startsAt": at(start),
                "endsAt": at(start + 900),
                "endedAt": at(ended),
                "minutes": minutes,
                "reason": reason,
                "expiresAt": expires,
            },
        )
    await gw.put(
        "matcher-history",
        {
            "userId": me,
            "startedAt": f"{at(-30)}#s3",
            "sessionId": "s3",
            "partnerId": ben,
            "startsAt": at(-30),
            "endsAt": at(870),
            "expiresAt": expires,
        },
    )
    await gw.put(
        "matcher-history",
        {
            "userId": me,
            "startedAt": f"{at(-9000)}#s0",
            "sessionId": "s0",
            "partnerId": ben,
            "startsAt": at(-9000),
            "endsAt": at(-8100),
            "endedAt": at(-8100),
            "minutes": 15,
            "expiresAt": int(datetime.now().timestamp()) - 10,
        },
    )

    body = (await gw.call("GET", "/v1/sessions", me)).body

    assert [s["sessionId"] for s in body["sessions"]] == ["s2", "s1"]
    assert body["sessions"][1]["partner"] == {"userId": ben, "name": "Ben"}
    assert body["sessions"][0]["partner"] == {"userId": cy}
    assert body["sessions"][0]["minutes"] == 10
    assert body["sessions"][0]["reason"] == "time_up"


async def test_someone_elses_history_is_never_mixed_in(gw: Gateway) -> None:
    assert (await gw.call("GET", "/v1/sessions", new_user())).body == {"sessions": []}


async def test_the_apps_language_is_kept_with_the_account_and_only_a_known_one(
    gw: Gateway,
) -> None:
    me = new_user("ana")
    body = {"speaks": ["en"], "learns": ["es"], "uiLanguage": "ar"}
    saved = await gw.call("PUT", "/v1/me/preferences", me, body=body)
    assert saved.status == 200
    assert saved.body["uiLanguage"] == "ar"
    # Another device asks /v1/me and gets the same screens' language.
    assert (await gw.call("GET", "/v1/me", me)).body["preferences"]["uiLanguage"] == "ar"
    # Saving languages again without it keeps it.
    again = await gw.call("PUT", "/v1/me/preferences", me, body={"speaks": ["en"], "learns": []})
    assert (await gw.call("GET", "/v1/me", me)).body["preferences"]["uiLanguage"] == "ar"
    assert again.status == 200
    wrong = await gw.call("PUT", "/v1/me/preferences", me, body=body | {"uiLanguage": "xx"})
    assert (wrong.status, wrong.code) == (400, "validation-failed")
