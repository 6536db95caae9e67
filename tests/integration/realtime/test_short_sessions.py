"""A session shortened by someone's minutes left says whose: matcher + notifier + gateway on the
embedded AWS, from the ledger's funding to both people's tabs and `GET /v1/me`."""

from __future__ import annotations

from typing import Any

from services.notifier.handlers import Notifier
from services.runtime.aws import Aws
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, matcher, settings_for
from tests.integration.realtime.helpers import Gateway, People, Tab, eventually


async def _started(tab: Tab) -> dict[str, Any]:
    def seen() -> list[dict[str, Any]]:
        return [x for x in tab.received if x["type"] == "session.started"]

    await eventually(lambda: bool(seen()))
    (started,) = seen()
    return started


async def _me(gateway: Gateway, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with gateway.http.get(f"{gateway.url}/v1/me", headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        body: dict[str, Any] = await resp.json()
        return body


async def test_a_match_of_15_and_4_minutes_tells_both_that_the_4_set_the_length(
    stack: Stack, aws: Aws, gateway: Gateway, notifier: Notifier, people: People
) -> None:
    alice, bob = people.id("alice"), people.id("bob")
    alice_tab = await gateway.tab(people.token("alice"))
    bob_tab = await gateway.tab(people.token("bob"))
    # The notifier service reads its own inbox here: the matcher's output is not collected.
    async with matcher(aws, settings_for(stack), watch=False) as m:
        await m.send(*join(alice, "ta", minutes=15))
        await m.send(*join(bob, "tb", minutes=4))
        to_alice, to_bob = await _started(alice_tab), await _started(bob_tab)
        me_alice = await _me(gateway, people.token("alice"))
        me_bob = await _me(gateway, people.token("bob"))

    assert to_alice["sessionId"] == to_bob["sessionId"]
    assert (to_alice["limitedBy"], to_bob["limitedBy"]) == ("partner", "me")
    assert me_alice["session"]["limitedBy"] == "partner"
    assert me_alice["session"]["partner"]["userId"] == bob
    assert me_bob["session"]["limitedBy"] == "me"
    assert me_bob["session"]["endsAt"] == to_bob["endsAt"]


async def test_a_full_length_match_names_nobody(
    stack: Stack, aws: Aws, gateway: Gateway, notifier: Notifier, people: People
) -> None:
    alice, bob = people.id("alice"), people.id("bob")
    alice_tab = await gateway.tab(people.token("alice"))
    async with matcher(aws, settings_for(stack), watch=False) as m:
        await m.send(*join(alice, "ta", minutes=15))
        await m.send(*join(bob, "tb", minutes=15))
        started = await _started(alice_tab)
        me_alice = await _me(gateway, people.token("alice"))

    assert "limitedBy" not in started
    assert "limitedBy" not in me_alice["session"]
