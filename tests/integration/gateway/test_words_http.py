"""A word list: words and phrases starred from a call's chat are kept on the person's own
history row of that conversation, listed newest first a page at a time, exported, and erased
with the account. The real gateway and the real matcher, over the embedded AWS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.runtime.dynamo import to_item
from services.wire.events.gateway import (
    SessionStopRequested,
    UserBlocked,
    UserErased,
    WordStarred,
)
from services.wire.events.matcher import SessionStarted
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.gateway.conftest import Gateway, new_user
from tests.integration.matcher.helpers import Matcher, join, matcher, settings_for


@pytest.fixture
async def m(gw: Gateway, gw_stack: Stack) -> AsyncIterator[Matcher]:
    async with matcher(gw.aws, settings_for(gw_stack)) as running:
        yield running


async def _talk(m: Matcher, a: str, b: str) -> SessionStarted:
    await m.send(*join(a, new_user("t")), *join(b, new_user("t")))

    def started() -> list[SessionStarted]:
        return [
            e
            for e in m.notifier.of("session.started")
            if {p.user_id for p in e.participants} == {a, b}
        ]

    await eventually(started, 20)
    return started()[0]


async def _stop(m: Matcher, session_id: str, user: str) -> None:
    await m.send(SessionStopRequested(session_id=session_id, user_id=user))
    await m.notifier.wait_for("session.ended", timeout_s=15, session_id=session_id)


async def _star(gw: Gateway, user: str, session_id: str, text: str) -> Any:
    return await gw.call("POST", f"/v1/sessions/{session_id}/words", user, body={"text": text})


async def _kept(m: Matcher, user: str, count: int) -> None:
    """The matcher has written `count` words on the person's history rows."""

    async def written() -> bool:
        rows = await m.scan(tables.HISTORY)
        mine = [w for r in rows if r["userId"] == user for w in r.get("words", [])]
        return len(mine) >= count

    await eventually(written, 15)


async def test_starred_words_are_listed_newest_first_page_by_page_and_exported(
    gw: Gateway, m: Matcher
) -> None:
    ana, ben, cleo = new_user("ana"), new_user("ben"), new_user("cleo")
    await gw.call(
        "PUT", "/v1/me/preferences", ben, body={"name": "Ben", "speaks": [], "learns": []}
    )
    first = await _talk(m, ana, ben)
    saved = await _star(gw, ana, first.session_id, "  la  cuenta,\n por favor ")
    assert saved.status == 202
    assert saved.body["text"] == "la cuenta, por favor"  # one line, blanks folded
    again = await _star(gw, ana, first.session_id, "LA CUENTA, por favor")
    assert again.body["wordId"] == saved.body["wordId"]  # the same text is the same word
    await _kept(m, ana, 1)
    await _stop(m, first.session_id, ben)
    # After the call has ended, still within ten minutes: kept too.
    assert (await _star(gw, ana, first.session_id, "sobremesa")).status == 202
    await _kept(m, ana, 2)
    second = await _talk(m, ana, cleo)
    assert (await _star(gw, ana, second.session_id, "madrugar")).status == 202
    await _kept(m, ana, 3)

    page = await gw.call("GET", "/v1/me/words?limit=2", ana)
    assert page.status == 200
    assert [w["text"] for w in page.body["words"]] == ["madrugar", "sobremesa"]
    assert page.body["words"][0]["sessionId"] == second.session_id
    assert page.body["words"][1]["partner"] == {"userId": ben, "name": "Ben"}
    rest = await gw.call("GET", f"/v1/me/words?limit=2&cursor={page.body['nextCursor']}", ana)
    assert [w["text"] for w in rest.body["words"]] == ["la cuenta, por favor"]
    assert "nextCursor" not in rest.body
    # Only mine: the partner's list is their own.
    assert (await gw.call("GET", "/v1/me/words", ben)).body["words"] == []

    # The history shows each conversation's words, in the order they were kept.
    history = (await gw.call("GET", "/v1/sessions", ana)).body["sessions"]
    (ended,) = [h for h in history if h["sessionId"] == first.session_id]
    assert [w["text"] for w in ended["words"]] == ["la cuenta, por favor", "sobremesa"]

    export = await gw.call("GET", "/v1/me/export", ana)
    rows = export.body["tables"]["matcher-history"]
    exported = sorted(w["text"] for r in rows for w in r.get("words", []))
    assert exported == ["la cuenta, por favor", "madrugar", "sobremesa"]


async def test_only_a_participant_may_star_during_or_just_after_the_call(
    gw: Gateway, m: Matcher
) -> None:
    ana, ben, eve = new_user("ana"), new_user("ben"), new_user("eve")
    started = await _talk(m, ana, ben)
    sid = started.session_id

    stranger = await _star(gw, eve, sid, "hola")
    assert (stranger.status, stranger.code) == (404, "not-found")
    for bad in ("", "   ", "a\u202eb", "x" * 201):
        refused = await _star(gw, ana, sid, bad)
        assert (refused.status, refused.code) == (400, "validation-failed"), bad
    await _stop(m, sid, ana)
    # The call ended eleven minutes ago.
    long_ago = (datetime.now(UTC) - timedelta(minutes=11)).isoformat().replace("+00:00", "Z")
    await gw.aws.dynamodb.update_item(
        TableName=gw.aws.table(tables.SESSIONS.logical),
        Key=to_item({"sessionId": sid}),
        UpdateExpression="SET endedAt = :e",
        ExpressionAttributeValues=to_item({":e": long_ago}),
    )
    late = await _star(gw, ana, sid, "hola")
    assert (late.status, late.code) == (409, "word-window-closed")


async def test_a_conversation_keeps_at_most_fifty_words(gw: Gateway, m: Matcher) -> None:
    ana, ben = new_user("ana"), new_user("ben")
    started = await _talk(m, ana, ben)
    sid = started.session_id
    # 49 kept already (more than the route's rate limit lets one test star in a row).
    at = started.starts_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    kept = [{"wordId": f"w{i}", "text": f"palabra {i}", "savedAt": at} for i in range(49)]
    await gw.aws.dynamodb.update_item(
        TableName=gw.aws.table(tables.HISTORY.logical),
        Key=to_item({"userId": ana, "startedAt": f"{at}#{sid}"}),
        UpdateExpression="SET words = :w",
        ConditionExpression="attribute_exists(userId)",
        ExpressionAttributeValues=to_item({":w": kept}),
    )
    assert (await _star(gw, ana, sid, "la última")).status == 202
    await _kept(m, ana, 50)
    full = await _star(gw, ana, sid, "una más")
    assert (full.status, full.code) == (409, "word-list-full")
    assert (await _star(gw, ana, sid, "LA ÚLTIMA")).status == 202  # one already kept
    listed = await gw.call("GET", "/v1/me/words?limit=100", ana)
    assert len(listed.body["words"]) == 50
    assert listed.body["words"][0]["text"] == "la última"

    # One that slipped past the gateway's look (two presses at once) is refused by the write
    # itself; a block by the same person, in the same message group, shows it was handled.
    late = WordStarred(word_id="w-extra", session_id=sid, user_id=ana, text="de sobra")
    zed = new_user("zed")
    await m.send(late, UserBlocked(user_id=ana, blocked_user_id=zed))

    async def blocked() -> bool:
        return await m.item(tables.PAIRS, userId=ana, otherUserId=zed) is not None

    await eventually(blocked, 15)
    row = await m.item(tables.HISTORY, userId=ana, startedAt=f"{at}#{sid}")
    assert row is not None
    assert len(row["words"]) == 50


async def test_words_are_erased_with_the_account(gw: Gateway, m: Matcher) -> None:
    ana, ben = new_user("ana"), new_user("ben")
    started = await _talk(m, ana, ben)
    assert (await _star(gw, ana, started.session_id, "despedida")).status == 202
    await _kept(m, ana, 1)
    await _stop(m, started.session_id, ana)

    # What `DELETE /v1/me` publishes once the account is gone.
    await m.send(UserErased(user_id=ana, pseudonym="anon-" + "0" * 64))

    async def gone() -> bool:
        return (await gw.call("GET", "/v1/me/words", ana)).body["words"] == []

    await eventually(gone, 15)
    assert not [r for r in await m.scan(tables.HISTORY) if r["userId"] == ana]
