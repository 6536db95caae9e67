"""Safety follows the person, on the whole local stack (`python -m services.devstack`, IAM
enforced, the embedded Cognito): Bob blocks Alice in the middle of their call and the call
ends for both, `stopped`, as an ordinary Stop; Alice, who had blocked Carol, deletes her
account and comes back as a returning Google user appears in the embedded Cognito (a new user
with the same email: a new `sub`). Her blocks come back both ways (Bob's of her, hers of
Carol), and nothing else of hers does."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import aiohttp
import pytest

from services.devstack.cognito import DEMO_PASSWORD
from services.devstack.provision import clients
from tests.e2e.stack import new_stack
from tests.integration.privacy.helpers import Api, Person, sign_in, until


def _config(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/v1/config", timeout=5) as resp:
        return dict(json.loads(resp.read()))


@pytest.mark.timeout(240)
async def test_a_block_mid_call_ends_it_and_blocks_come_back_with_the_person() -> None:
    stack = new_stack().start()
    try:
        await _scenario(stack.url, stack.moto_url)
    finally:
        stack.stop()


async def _scenario(url: str, moto_url: str) -> None:
    config = _config(url)
    auth, ws = config["auth"], config["websocketUrl"]
    alice, bob, carol = (sign_in(moto_url, auth, n) for n in ("alice", "bob", "carol"))
    async with aiohttp.ClientSession() as http:
        api = Api(http, url)
        for p in (alice, bob, carol):
            p.user_id = (await api.ok("GET", "/v1/me", p))["userId"]
        await api.ok("POST", "/v1/blocks", alice, {"userId": carol.user_id})
        # Open tabs: the matcher keeps waiting only the tickets of people still connected.
        sockets = [await http.ws_connect(f"{ws}?token={p.id_token}") for p in (alice, bob)]
        for who, speaks, learns in ((alice, ["en"], ["es"]), (bob, ["es"], ["en"])):
            await api.ok("PUT", "/v1/me/preferences", who, {"speaks": speaks, "learns": learns})
            await api.ok("POST", "/v1/queue", who, {})

        async def live() -> str | None:
            me = await api.ok("GET", "/v1/me", alice)
            return me["session"]["sessionId"] if me["session"] else None

        session_id = await until(live, "alice and bob to be paired")
        await api.ok("POST", "/v1/blocks", bob, {"userId": alice.user_id})

        async def ended(who: Person) -> dict[str, Any] | None:
            history = (await api.ok("GET", "/v1/sessions", who))["sessions"]
            return next((s for s in history if s["sessionId"] == session_id), None)

        for who in (alice, bob):
            past = await until(lambda w=who: ended(w), f"{who.name}'s call to end")
            assert past["reason"] == "stopped", past  # as any Stop: nothing tells a block
            assert (await api.ok("GET", "/v1/me", who))["session"] is None

        for sock in sockets:
            await sock.close()
        assert (await api.call("DELETE", "/v1/me", alice))[0] == 202

        # Back, as a returning Google user: a new user in the pool with the same email.
        idp = clients(moto_url, auth["region"], "cognito-idp")
        idp.admin_create_user(
            UserPoolId=auth["userPoolId"],
            Username="alice-again",
            UserAttributes=[
                {"Name": "email", "Value": "alice@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=auth["userPoolId"],
            Username="alice-again",
            Password=DEMO_PASSWORD,
            Permanent=True,
        )
        again = sign_in(moto_url, auth, "alice-again")
        me = await api.ok("GET", "/v1/me", again)
        again.user_id = me["userId"]
        assert again.user_id != alice.user_id
        assert me["preferences"] == {
            "speaks": [],
            "learns": [],
            "levels": {},
            "welcomesFrom": "A1",
        }  # nothing else comes back

        mine = (await api.ok("GET", "/v1/blocks", again))["people"]
        assert [p["userId"] for p in mine] == [carol.user_id]
        bobs = (await api.ok("GET", "/v1/blocks", bob))["people"]
        assert [p["userId"] for p in bobs] == [again.user_id]
        assert (await api.ok("GET", "/v1/sessions", again))["sessions"] == []
