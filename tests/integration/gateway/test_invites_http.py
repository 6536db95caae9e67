"""Invites: refused early when they cannot work, published when they can, answered rightly."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from services.gateway.people.views import iso
from services.wire.events import derive_id
from services.wire.names import Service
from tests.integration.gateway.conftest import Gateway, about, new_user


def at(seconds: float) -> str:
    return iso(datetime.now(UTC) + timedelta(seconds=seconds))


async def online(gw: Gateway, user: str, *, lease_s: int = 60) -> None:
    await gw.put(
        "gateway-presence",
        {
            "userId": user,
            "shard": "online#1",
            "lastSeen": int(time.time() * 1000),
            "connections": 1,
            "expiresAt": int(time.time()) + lease_s,
        },
    )


async def pending(gw: Gateway, invite_id: str, sender: str, to: str, **over: Any) -> None:
    await gw.put(
        "matcher-invites",
        {
            "inviteId": invite_id,
            "fromUserId": sender,
            "toUserId": to,
            "status": "pending",
            "expiresAtIso": at(45),
            "fromProfile": {"name": "Sender", "speaks": [], "learns": []},
            "expiresAt": int(time.time()) + 86400,
            **over,
        },
    )


async def test_an_invite_to_someone_online_and_free_is_published_with_my_profile(
    gw: Gateway,
) -> None:
    me, them = new_user("ana"), new_user("ben")
    await gw.call("PUT", "/v1/me/preferences", me, body={"speaks": ["en"], "learns": ["es"]})
    await online(gw, them)

    answer = await gw.call("POST", "/v1/invites", me, body={"to": them})

    assert answer.status == 202
    invite_id = answer.body["inviteId"]
    due = datetime.fromisoformat(answer.body["expiresAt"])
    assert 55 <= (due - datetime.now(UTC)).total_seconds() <= 61
    (event,) = await gw.published(Service.LEDGER, about(me))
    assert event["type"] == "invite.requested"
    assert event["id"] == derive_id("invite.requested", invite_id)
    assert event["payload"] == {
        "inviteId": invite_id,
        "fromUserId": me,
        "toUserId": them,
        "fromProfile": {"name": "Ana", "speaks": ["en"], "learns": ["es"]},
    }


async def test_inviting_myself_is_a_400(gw: Gateway) -> None:
    me = new_user()
    answer = await gw.call("POST", "/v1/invites", me, body={"to": me})
    assert (answer.status, answer.code) == (400, "self-invite")


async def test_inviting_someone_offline_is_a_409_even_if_a_stale_item_remains(
    gw: Gateway,
) -> None:
    me, gone, stale, closed = new_user(), new_user(), new_user(), new_user()
    await online(gw, stale, lease_s=-5)  # moto never deletes expired items: we check
    await gw.put("gateway-presence", {"userId": closed, "lastSeen": 1, "expiresAt": 2**40})
    for them in (gone, stale, closed):
        answer = await gw.call("POST", "/v1/invites", me, body={"to": them})
        assert (answer.status, answer.code) == (409, "invitee-offline")
    assert await gw.published(Service.LEDGER, about(me), expect=0) == []


async def test_inviting_someone_busy_is_a_409(gw: Gateway) -> None:
    me = new_user()
    for state in ("waiting", "inviting", "in_session"):
        them = new_user(state)
        await online(gw, them)
        await gw.put("matcher-people", {"userId": them, "state": state})
        answer = await gw.call("POST", "/v1/invites", me, body={"to": them})
        assert (answer.status, answer.code) == (409, "invitee-busy")


async def test_the_invitee_accepts_or_declines_and_nobody_else_can(gw: Gateway) -> None:
    sender, invitee, stranger = new_user("s"), new_user("i"), new_user("x")
    await pending(gw, "inv-a-" + invitee, sender, invitee)
    await pending(gw, "inv-d-" + invitee, sender, invitee)

    for who in (stranger, sender):
        refused = await gw.call("POST", f"/v1/invites/inv-a-{invitee}/accept", who)
        assert (refused.status, refused.code) == (404, "invite-not-found")
    accepted = await gw.call("POST", f"/v1/invites/inv-a-{invitee}/accept", invitee)
    declined = await gw.call("POST", f"/v1/invites/inv-d-{invitee}/decline", invitee)

    assert accepted.status == 202
    assert accepted.body == {"inviteId": "inv-a-" + invitee}
    assert declined.body == {"inviteId": "inv-d-" + invitee}
    (accept,) = await gw.published(Service.LEDGER, about(invitee))
    assert accept["type"] == "invite.accept_requested"
    attempt = accept["payload"].pop("attemptId")
    assert accept["payload"] == {"inviteId": "inv-a-" + invitee, "userId": invitee}
    # Pressing Accept again is another attempt (its own hold), not a duplicate of the first.
    again = await gw.call("POST", f"/v1/invites/inv-a-{invitee}/accept", invitee)
    assert again.status == 202
    (second,) = await gw.published(Service.LEDGER, about(invitee))
    assert second["id"] != accept["id"]
    assert second["payload"]["attemptId"] not in (None, attempt)
    (decline,) = await gw.published(Service.MATCHER, about(invitee))
    assert decline["type"] == "invite.decline_requested"


async def test_an_invite_past_its_deadline_cannot_be_accepted(gw: Gateway) -> None:
    sender, invitee = new_user(), new_user()
    await pending(gw, "late-" + invitee, sender, invitee, expiresAtIso=at(-1))
    await pending(gw, "done-" + invitee, sender, invitee, status="declined")
    for invite_id in ("late-" + invitee, "done-" + invitee, "never-" + invitee):
        answer = await gw.call("POST", f"/v1/invites/{invite_id}/accept", invitee)
        assert (answer.status, answer.code) == (404, "invite-not-found")


async def test_the_inviter_withdraws_even_before_the_matcher_opened_it(gw: Gateway) -> None:
    me, them, other = new_user("ana"), new_user("ben"), new_user("cy")
    await online(gw, them)
    sent = (await gw.call("POST", "/v1/invites", me, body={"to": them})).body["inviteId"]
    await pending(gw, "open-" + me, me, other)

    early = await gw.call("DELETE", f"/v1/invites/{sent}", me)
    opened = await gw.call("DELETE", f"/v1/invites/open-{me}", me)
    not_mine = await gw.call("DELETE", f"/v1/invites/open-{me}", other)

    assert early.status == 202
    assert opened.status == 202
    assert (not_mine.status, not_mine.code) == (404, "invite-not-found")
    cancels = await gw.published(Service.MATCHER, about(me), expect=2)
    assert {e["payload"]["inviteId"] for e in cancels} == {sent, "open-" + me}
    assert {e["type"] for e in cancels} == {"invite.cancel_requested"}
    await gw.published(Service.LEDGER, about(me))
