"""A person marked waiting, inviting or in a session whose ticket, invite or session is over (or
gone) is freed by the reconciler's `person_stray` repair; nobody whose thing still goes is."""

from __future__ import annotations

from typing import Any

from services.matcher.clock import ShiftedClock, iso
from services.matcher.context import Matcher
from services.matcher.flows import tickets
from services.matcher.repair import strays
from services.matcher.rooms import NoRooms
from services.matcher.service import build
from services.matcher.tables.items import busy_key
from services.matcher.tables.records import Person
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, settings_for


async def _put(aws: Aws, logical: str, item: dict[str, Any]) -> None:
    await aws.dynamodb.put_item(TableName=aws.table(logical), Item=to_item(item))


async def _seed(m: Matcher, aws: Aws) -> None:
    now = iso(m.now())
    # Ana invited someone; the invite is gone (deleted under her) and she is still "inviting".
    await _put(
        aws,
        "matcher-people",
        {
            "userId": "ana",
            "state": "inviting",
            "busyState": busy_key("inviting", "ana"),
            "inviteId": "i-x",
            "updatedAt": now,
        },
    )
    # Bo waits on a ticket that was cancelled without freeing him.
    await _put(aws, "matcher-tickets", {"ticketId": "t-bo", "userId": "bo", "status": "cancelled"})
    await _put(
        aws,
        "matcher-people",
        {
            "userId": "bo",
            "state": "waiting",
            "busyState": busy_key("waiting", "bo"),
            "ticketId": "t-bo",
            "updatedAt": now,
        },
    )
    # Dee is "in a session" that ended.
    await _put(
        aws,
        "matcher-sessions",
        {
            "sessionId": "s-dee",
            "status": "ended",
            "participants": [{"userId": "dee", "holdId": "h", "minutes": 15}],
            "startsAt": now,
            "endsAt": now,
        },
    )
    await _put(
        aws,
        "matcher-people",
        {
            "userId": "dee",
            "state": "in_session",
            "busyState": busy_key("in_session", "dee"),
            "sessionId": "s-dee",
            "updatedAt": now,
        },
    )


async def _live_session(aws: Aws, m: Matcher, who: str) -> None:
    """`who` in a session still live (long overdue: ending it is another repair's job)."""
    now = iso(m.now())
    session = {
        "sessionId": f"s-{who}",
        "status": "live",
        "participants": [{"userId": who, "holdId": "h", "minutes": 15}],
        "startsAt": now,
        "endsAt": now,
    }
    await _put(aws, "matcher-sessions", session)
    person = {
        "userId": who,
        "state": "in_session",
        "busyState": busy_key("in_session", who),
        "sessionId": f"s-{who}",
        "updatedAt": now,
    }
    await _put(aws, "matcher-people", person)


async def test_people_marked_busy_with_nothing_behind_them_are_freed_once(
    stack: Stack, aws: Aws
) -> None:
    clock = ShiftedClock()
    m = await build(aws, settings_for(stack), clock, NoRooms())
    await _seed(m, aws)
    # Cy waits for real: her ticket is in the waiting set.
    requested, funded = join("cy", "t-cy")
    await tickets.on_requested(m, requested)
    await tickets.on_funded(m, funded)
    assert (await m.store.person("cy")).state == "waiting"
    await _live_session(aws, m, "eve")
    # Too fresh to be looked at: a person may be just now moving into a state.
    assert await strays.repair_strays(m) == 0
    assert (await m.store.person("ana")).state == "inviting"
    # Later than any of it could legitimately last.
    clock.advance(3600)
    assert await strays.repair_strays(m) == 3
    for who in ("ana", "bo", "dee"):
        person = await m.store.person(who)
        assert (person.state, person.ticket_id, person.invite_id, person.session_id) == (
            "free",
            None,
            None,
            None,
        ), who
    assert await m.store.person("cy") == Person("cy", "waiting", ticket_id="t-cy", exists=True)
    assert await m.store.person("eve") == Person(
        "eve", "in_session", session_id="s-eve", exists=True
    )
    # The free are not in the sparse `busy` index: it holds the busy minority only.
    raw = await aws.dynamodb.get_item(
        TableName=aws.table("matcher-people"), Key=to_item({"userId": "ana"})
    )
    assert "busyState" not in raw["Item"]
    # Idempotent: the next pass (any instance's) finds nothing.
    assert await strays.repair_strays(m) == 0


async def test_a_stray_who_moved_on_since_it_was_read_is_left_alone(stack: Stack, aws: Aws) -> None:
    """The write is conditional on what was read: a person freed and gone waiting again (on a
    new ticket) between the read and the write keeps their new state."""
    clock = ShiftedClock()
    m = await build(aws, settings_for(stack), clock, NoRooms())
    await _seed(m, aws)
    clock.advance(3600)
    read = await m.store.person("bo")
    requested, funded = join("bo", "t-bo-2")
    await _put(aws, "matcher-people", {"userId": "bo", "state": "free", "updatedAt": iso(m.now())})
    await tickets.on_requested(m, requested)
    await tickets.on_funded(m, funded)
    assert await strays._free(m, read) == 0
    assert await m.store.person("bo") == Person("bo", "waiting", ticket_id="t-bo-2", exists=True)
