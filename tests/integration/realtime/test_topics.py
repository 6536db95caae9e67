"""Something to talk about, and after the call: the real gateway, matcher and notifier on the
embedded AWS, from the ledger's funding (published as the ledger would) to both people's tabs.

Conversation prompts reach both people alike, "Another topic" reaches both within a second,
nobody sees a prompt twice in a day; "not for me" keeps a pair apart for 30 days; the week's
minutes are counted per conversation language.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from services.matcher.core.topic_core import library
from services.notifier.handlers import Notifier
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item
from services.wire.events.gateway import SessionTopicRequested, TicketCancelRequested
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.matcher.helpers import Matcher, join, matcher, settings_for
from tests.integration.realtime.helpers import Gateway, People, Tab, eventually

EN_ES, ES = (("en",), ("es",)), (("es",), ())
# A learner and a native speaker are a one-sided pair: paired at once, not after a wait.
OPEN = {"relax_one_sided_s": 0.0, "relax_anyone_s": 0.0}


async def _call(
    gateway: Gateway, people: People, who: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {people.token(who)}"}
    kwargs: dict[str, Any] = {"headers": headers} | ({"json": body} if body is not None else {})
    async with gateway.http.request(method, f"{gateway.url}{path}", **kwargs) as resp:
        return resp.status, (await resp.json() if resp.content_length else None)


def _of(tab: Tab, kind: str) -> list[dict[str, Any]]:
    return [m for m in tab.received if m["type"] == kind]


async def _topic(tab: Tab, n: int, timeout_s: float = 10.0) -> dict[str, Any]:
    await eventually(lambda: any(t["n"] == n for t in _of(tab, "session.topic")), timeout_s)
    return next(t for t in _of(tab, "session.topic") if t["n"] == n)


async def _session_of(tab: Tab, count: int = 1) -> str:
    await eventually(lambda: len(_of(tab, "session.started")) >= count)
    return str(_of(tab, "session.started")[count - 1]["sessionId"])


async def _stop(gateway: Gateway, people: People, tabs: list[Tab], sid: str) -> None:
    assert (await _call(gateway, people, "alice", "POST", f"/v1/sessions/{sid}/stop"))[0] == 202
    for tab in tabs:
        await eventually(lambda t=tab: any(e["sessionId"] == sid for e in _of(t, "session.ended")))


async def _pair(m: Matcher, a: tuple[str, str], b: tuple[str, str], langs: Any) -> None:
    (user_a, ticket_a), (user_b, ticket_b) = a, b
    await m.send(*join(user_a, ticket_a, *langs[0]))
    await m.send(*join(user_b, ticket_b, *langs[1]))


async def test_both_see_the_same_first_topic_and_another_reaches_both_within_a_second(
    stack: Stack, aws: Aws, gateway: Gateway, notifier: Notifier, people: People
) -> None:
    alice, bob = people.id("alice"), people.id("bob")
    tabs = [await gateway.tab(people.token("alice")), await gateway.tab(people.token("bob"))]
    async with matcher(aws, settings_for(stack, **OPEN), watch=False) as m:
        # Alice learns Spanish, Bob speaks it: their prompts are Spanish, band B (no levels).
        await _pair(m, (alice, "ta"), (bob, "tb"), (EN_ES, ES))
        sid = await _session_of(tabs[0])
        first = [await _topic(tab, 1) for tab in tabs]
        assert first[0] == first[1]
        assert (first[0]["sessionId"], first[0]["language"], first[0]["band"]) == (sid, "es", "B")
        assert first[0]["text"] in {p.text for p in library().band("es", "B")}
        status, me = await _call(gateway, people, "bob", "GET", "/v1/me")
        assert status == 200
        assert me["session"]["topic"]["topicId"] == first[0]["topicId"]

        waits, shown = [], [first[0]["topicId"]]
        for n in (2, 3, 4):
            who = "alice" if n % 2 else "bob"
            started = time.monotonic()
            status, _ = await _call(gateway, people, who, "POST", f"/v1/sessions/{sid}/topic")
            assert status == 202
            told = [await _topic(tab, n, timeout_s=5.0) for tab in tabs]
            waits.append(time.monotonic() - started)
            assert told[0] == told[1]
            shown.append(told[0]["topicId"])
        print(f"POST /topic -> both pushed: {[round(w * 1000) for w in waits]} ms")
        assert max(waits) < 1.0, waits
        assert len(set(shown)) == 4
        _, me = await _call(gateway, people, "alice", "GET", "/v1/me")
        assert (me["session"]["topic"]["n"], me["session"]["topic"]["topicId"]) == (4, shown[-1])

        # A press made before the last change (both pressing at once) changes nothing more: it
        # is handled before the next press (one message group), which then makes topic 5.
        await m.send(SessionTopicRequested(session_id=sid, user_id=alice, seen_n=3))
        assert (await _call(gateway, people, "bob", "POST", f"/v1/sessions/{sid}/topic"))[0] == 202
        assert (await _topic(tabs[0], 5))["topicId"] not in shown
        item = await m.item(tables.SESSIONS, sessionId=sid)
        assert item is not None
        assert item["topicN"] == 5
        assert [t["n"] for t in _of(tabs[1], "session.topic")] == [1, 2, 3, 4, 5]
        for row_owner in (alice, bob):
            key = {"userId": row_owner, "startedAt": f"{item['startsAt']}#{sid}"}
            row = await m.item(tables.HISTORY, **key)
            assert row is not None
            assert row["language"] == "es"


async def test_a_person_is_never_shown_a_prompt_twice_in_a_day_across_sessions(
    stack: Stack, aws: Aws, gateway: Gateway, notifier: Notifier, people: People
) -> None:
    alice, bob, carol = people.id("alice"), people.id("bob"), people.id("carol")
    alice_tab = await gateway.tab(people.token("alice"))
    bob_tab = await gateway.tab(people.token("bob"))
    band = {p.id for p in library().band("es", "B")}
    async with matcher(aws, settings_for(stack, **OPEN), watch=False) as m:
        await _pair(m, (alice, "t1"), (bob, "t2"), (EN_ES, ES))
        sid = await _session_of(alice_tab)
        first_session = [(await _topic(alice_tab, 1))["topicId"]]
        for n in (2, 3):
            await _call(gateway, people, "bob", "POST", f"/v1/sessions/{sid}/topic")
            first_session.append((await _topic(alice_tab, n))["topicId"])
        await _stop(gateway, people, [alice_tab, bob_tab], sid)

        day = m.clock.now().date().isoformat()
        record = await m.item(tables.PAIRS, userId=alice, otherUserId=f"#topics#{day}")
        assert record is not None
        assert record["seen"] == set(first_session)
        # Alice has seen all but three of the band today: her next session can only use those.
        more = sorted(band - set(first_session))[:-3]
        left = band - set(first_session) - set(more)
        await aws.dynamodb.update_item(
            TableName=aws.table(tables.PAIRS.logical),
            Key=to_item({"userId": alice, "otherUserId": f"#topics#{day}"}),
            UpdateExpression="ADD seen :more",
            ExpressionAttributeValues={":more": {"SS": more}},
        )
        carol_tab = await gateway.tab(people.token("carol"))
        await _pair(m, (alice, "t3"), (carol, "t4"), (EN_ES, ES))
        sid2 = await _session_of(alice_tab, 2)
        assert sid2 != sid
        second_session = [(await _topic(carol_tab, 1))["topicId"]]
        for n in (2, 3):
            await _call(gateway, people, "carol", "POST", f"/v1/sessions/{sid2}/topic")
            second_session.append((await _topic(carol_tab, n))["topicId"])

    assert set(second_session) == left
    assert not set(second_session) & set(first_session)


async def test_not_for_me_keeps_the_pair_apart_for_30_days_and_stays_private(
    stack: Stack, aws: Aws, gateway: Gateway, notifier: Notifier, people: People
) -> None:
    alice, bob = people.id("alice"), people.id("bob")
    tabs = [await gateway.tab(people.token("alice")), await gateway.tab(people.token("bob"))]
    async with matcher(aws, settings_for(stack, **OPEN), watch=False) as m:
        await _pair(m, (alice, "t1"), (bob, "t2"), (EN_ES, ES))
        sid = await _session_of(tabs[0])
        path = f"/v1/sessions/{sid}/feedback"
        live = await _call(gateway, people, "alice", "POST", path, {"verdict": "not_for_me"})
        assert (live[0], live[1]["code"]) == (409, "session-not-ended")
        await _stop(gateway, people, tabs, sid)
        assert (await _call(gateway, people, "dave", "POST", path, {"verdict": "good"}))[0] == 404
        given = await _call(gateway, people, "alice", "POST", path, {"verdict": "not_for_me"})
        assert given == (202, {"sessionId": sid})

        item = await m.item(tables.SESSIONS, sessionId=sid)
        assert item is not None
        key = f"{item['startsAt']}#{sid}"

        async def recorded() -> bool:
            row = await m.item(tables.HISTORY, userId=alice, startedAt=key)
            return bool(row and row.get("verdict") == "not_for_me")

        await eventually(recorded)
        again = await _call(gateway, people, "alice", "POST", path, {"verdict": "good"})
        assert (again[0], again[1]["code"]) == (409, "feedback-given")
        # Private: nothing of it on Bob's side.
        bobs = await m.item(tables.HISTORY, userId=bob, startedAt=key)
        assert bobs is not None
        assert "verdict" not in bobs
        assert await m.item(tables.PAIRS, userId=bob, otherUserId=f"#soft#{alice}") is None

        # Nobody else is waiting, which would pair two who met today: not these two.
        await _pair(m, (alice, "t3"), (bob, "t4"), (EN_ES, ES))
        await eventually(lambda: all(_of(t, "ticket.waiting") for t in tabs))
        await _settle(m, alice, bob, "waiting")
        assert all(len(_of(t, "session.started")) == 1 for t in tabs)
        await m.send(TicketCancelRequested(ticket_id="t3", user_id=alice))
        await m.send(TicketCancelRequested(ticket_id="t4", user_id=bob))
        await _settle(m, alice, bob, "free")

        # 31 days on, the soft block has lapsed: they are paired again.
        m.clock.advance(timedelta(days=31).total_seconds())
        await _pair(m, (alice, "t5"), (bob, "t6"), (EN_ES, ES))
        await eventually(lambda: all(len(_of(t, "session.started")) == 2 for t in tabs))


async def _settle(m: Matcher, a: str, b: str, state: str) -> None:
    await eventually(lambda: _both(m, a, b, state))
    time_to_pair = 1.5  # the pool sweep runs every second: give it its chance
    deadline = time.monotonic() + time_to_pair
    while time.monotonic() < deadline:
        assert await _both(m, a, b, state)


async def _both(m: Matcher, a: str, b: str, state: str) -> bool:
    return await m.state(a) == state and await m.state(b) == state


async def test_minutes_per_language_count_my_finished_conversations_this_week(
    stack: Stack, aws: Aws, gateway: Gateway, notifier: Notifier, people: People
) -> None:
    alice, bob = people.id("alice"), people.id("bob")
    tabs = [await gateway.tab(people.token("alice")), await gateway.tab(people.token("bob"))]
    async with matcher(aws, settings_for(stack, **OPEN), watch=False) as m:
        await _pair(m, (alice, "t1"), (bob, "t2"), (EN_ES, ES))
        sid = await _session_of(tabs[0])
        await _topic(tabs[0], 1)  # the session's language is fixed with its first prompt
        for who in ("alice", "bob"):
            status, _ = await _call(gateway, people, who, "POST", f"/v1/sessions/{sid}/connected")
            assert status == 202
        await _stop(gateway, people, tabs, sid)
    # Earlier conversations: one in German this week, one in Spanish too long ago.
    now = datetime.now(UTC)
    for days_ago, language, minutes in ((2, "de", 7), (9, "es", 5)):
        start = (now - timedelta(days=days_ago)).isoformat(timespec="milliseconds")
        start = start.replace("+00:00", "Z")
        row = {
            "userId": alice,
            "startedAt": f"{start}#old-{days_ago}",
            "sessionId": f"old-{days_ago}",
            "partnerId": bob,
            "startsAt": start,
            "endedAt": start,
            "minutes": minutes,
            "language": language,
        }
        await aws.dynamodb.put_item(TableName=aws.table(tables.HISTORY.logical), Item=to_item(row))

    status, week = await _call(gateway, people, "alice", "GET", "/v1/me/minutes")
    assert status == 200
    assert week["days"] == 7
    assert week["languages"] == [
        {"language": "de", "minutes": 7, "sessions": 1},
        {"language": "es", "minutes": 1, "sessions": 1},
    ]
    assert week["total"] == 8
    status, fortnight = await _call(gateway, people, "alice", "GET", "/v1/me/minutes?days=14")
    assert [(x["language"], x["minutes"]) for x in fortnight["languages"]] == [
        ("de", 7),
        ("es", 6),
    ]
    bad = await _call(gateway, people, "alice", "GET", "/v1/me/minutes?days=0")
    assert bad[0] == 400
