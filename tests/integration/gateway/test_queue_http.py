"""Join and Leave become events on the bus; the 202 names the ticket the pushes will name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.gateway.people.views import iso
from services.wire.events import derive_id
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.gateway.conftest import Gateway, about, new_user, running_gateway
from tests.unit.gateway.forge import JwksServer


def at(seconds: float) -> str:
    return iso(datetime.now(UTC) + timedelta(seconds=seconds))


async def test_join_publishes_ticket_requested_with_my_languages_to_ledger_and_matcher(
    gw: Gateway,
) -> None:
    me = new_user("ana")
    await gw.call("PUT", "/v1/me/preferences", me, body={"speaks": ["en"], "learns": ["es", "de"]})

    answer = await gw.call("POST", "/v1/queue", me, body={})

    assert answer.status == 202
    ticket_id = answer.body["ticketId"]
    for service in (Service.LEDGER, Service.MATCHER):
        (event,) = await gw.published(service, about(me))
        assert event["type"] == "ticket.requested"
        assert event["id"] == derive_id("ticket.requested", ticket_id)
        assert event["payload"] == {
            "ticketId": ticket_id,
            "userId": me,
            "speaks": ["en"],
            "learns": ["es", "de"],
            # Levels not said yet: none, and learners of every level welcome.
            "levels": {},
            "welcomesFrom": "A1",
        }
    assert await gw.published(Service.NOTIFIER, about(me), expect=0) == []


async def test_join_without_a_body_is_the_same_as_an_empty_object(gw: Gateway) -> None:
    me = new_user()
    answer = await gw.call("POST", "/v1/queue", me)
    assert answer.status == 202
    assert len(await gw.published(Service.MATCHER, about(me))) == 1


async def test_join_while_waiting_or_talking_is_refused_without_publishing(gw: Gateway) -> None:
    waiting, talking = new_user("w"), new_user("t")
    await gw.put("matcher-people", {"userId": waiting, "state": "waiting", "ticketId": "t1"})
    await gw.put("matcher-people", {"userId": talking, "state": "in_session", "sessionId": "s"})

    first = await gw.call("POST", "/v1/queue", waiting, body={})
    second = await gw.call("POST", "/v1/queue", talking, body={})

    assert (first.status, first.code) == (409, "already-waiting")
    assert (second.status, second.code) == (409, "in-session")
    assert await gw.published(Service.LEDGER, about(waiting, talking), expect=0) == []


async def test_leave_cancels_the_waiting_ticket(gw: Gateway) -> None:
    me = new_user()
    await gw.put(
        "matcher-tickets",
        {"ticketId": "t-" + me, "userId": me, "status": "waiting", "createdAt": at(-10)},
    )
    answer = await gw.call("DELETE", "/v1/queue", me)
    assert answer.status == 202
    assert answer.body == {"ticketId": "t-" + me}
    (event,) = await gw.published(Service.MATCHER, about(me))
    assert event["type"] == "ticket.cancel_requested"
    assert event["payload"] == {"ticketId": "t-" + me, "userId": me}


async def test_leave_right_after_join_cancels_the_ticket_the_matcher_has_not_seen_yet(
    gw: Gateway,
) -> None:
    me = new_user()
    joined = await gw.call("POST", "/v1/queue", me, body={})
    left = await gw.call("DELETE", "/v1/queue", me)
    assert left.status == 202
    assert left.body == joined.body
    events = await gw.published(Service.MATCHER, about(me), expect=2)
    assert [e["type"] for e in events] == ["ticket.requested", "ticket.cancel_requested"]
    # And /v1/me already shows the ticket as requested in between.
    me_now = (await gw.call("GET", "/v1/me", me)).body
    assert me_now["ticket"] == {"ticketId": joined.body["ticketId"], "status": "requested"}


async def test_leave_twice_is_one_cancel_on_the_bus(gw: Gateway) -> None:
    me = new_user()
    await gw.put(
        "matcher-tickets",
        {"ticketId": "t-" + me, "userId": me, "status": "funded", "createdAt": at(-1)},
    )
    ids = [(await gw.call("DELETE", "/v1/queue", me)).body["ticketId"] for _ in range(2)]
    assert ids == ["t-" + me] * 2
    # The same event id twice: the FIFO topic's dedup keeps one cancel.
    (event,) = await gw.published(Service.MATCHER, about(me))
    assert event["type"] == "ticket.cancel_requested"


async def test_leave_with_nothing_to_leave_is_404_no_ticket(gw: Gateway) -> None:
    me = new_user()
    await gw.put(
        "matcher-tickets",
        {"ticketId": "t-" + me, "userId": me, "status": "matched", "createdAt": at(-100)},
    )
    answer = await gw.call("DELETE", "/v1/queue", me)
    assert (answer.status, answer.code) == (404, "no-ticket")


async def test_pressing_join_too_often_is_429_with_retry_after(
    gw_stack: Stack, jwks_server: JwksServer
) -> None:
    async with running_gateway(gw_stack, jwks_server, rate_limit_scale=0.25) as gw:
        me, other = new_user(), new_user()
        await gw.put("matcher-people", {"userId": me, "state": "waiting"})
        statuses = [(await gw.call("POST", "/v1/queue", me, body={})).status for _ in range(3)]
        assert statuses == [409, 409, 429]
        limited = await gw.call("POST", "/v1/queue", me, body={})
        assert limited.code == "rate-limited"
        assert int(limited.headers["Retry-After"]) >= 1
        # Someone else is not slowed down by it.
        assert (await gw.call("POST", "/v1/queue", other, body={})).status == 202
        await gw.published(Service.LEDGER, about(other))
        await gw.published(Service.MATCHER, about(other))
