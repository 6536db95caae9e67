"""Leaving Parley, end to end on the local stack (`python -m services.devstack`, IAM enforced):
a person with a history (a conversation, partners, a block, reports filed both ways, points)
takes their export and deletes their account with a socket still open (it is told, and
closed); afterwards a scan of every table in the embedded AWS finds their id nowhere, and
what is kept for abuse handling carries the pseudonym. Their old ID token and refresh token
no longer work, and the export they took listed every item of theirs the scan found before
the deletion.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any

import aiohttp
import pytest
from botocore.exceptions import ClientError

from tests.e2e.stack import new_stack
from tests.integration.privacy.helpers import (
    Api,
    Person,
    exported_keys,
    refresh,
    scan_for,
    sign_in,
    theirs,
    until,
)

PREFIX = "parley-dev"  # the local stack's name prefix


def _config(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/v1/config", timeout=5) as resp:
        return dict(json.loads(resp.read()))


async def _state(api: Api, who: Person) -> dict[str, Any]:
    return dict(await api.ok("GET", "/v1/me", who))


async def _a_conversation(api: Api, alice: Person, bob: Person) -> str:
    for who, speaks, learns in ((alice, ["en"], ["es"]), (bob, ["es"], ["en"])):
        await api.ok("PUT", "/v1/me/preferences", who, {"speaks": speaks, "learns": learns})
        await api.ok("POST", "/v1/queue", who, {})

    async def session() -> str | None:
        me = await _state(api, alice)
        return me["session"]["sessionId"] if me["session"] else None

    session_id = await until(session, "alice and bob to be paired")
    status, _ = await api.call("POST", f"/v1/sessions/{session_id}/stop", alice, {})
    assert status in (202, 404, 409)

    async def over() -> bool:
        states = [await _state(api, p) for p in (alice, bob)]
        return all(s["session"] is None for s in states)

    await until(over, "the conversation to end")
    return session_id


async def _until_closed(ws: aiohttp.ClientWebSocketResponse) -> list[Any]:
    messages: list[Any] = []
    async with asyncio.timeout(10):
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                messages.append(json.loads(msg.data))
    assert ws.closed
    return messages


@pytest.mark.timeout(240)
async def test_after_leaving_no_table_holds_my_id_and_my_export_had_all_of_it() -> None:
    stack = new_stack().start()
    try:
        await _leave(stack.url, stack.moto_url)
    finally:
        stack.stop()


async def _leave(url: str, moto_url: str) -> None:
    config = _config(url)
    auth = config["auth"]
    alice, bob, carol = (sign_in(moto_url, auth, n) for n in ("alice", "bob", "carol"))
    async with aiohttp.ClientSession() as http:
        api = Api(http, url)
        for p in (alice, bob, carol):
            p.user_id = (await _state(api, p))["userId"]
        sockets = {
            p.name: await http.ws_connect(f"{config['websocketUrl']}?token={p.id_token}")
            for p in (alice, bob)
        }
        session_id = await _a_conversation(api, alice, bob)
        for who in (alice, bob):
            await api.ok("POST", "/v1/partners", who, {"sessionId": session_id})
        await api.ok("POST", "/v1/blocks", alice, {"userId": carol.user_id})
        for who, other in ((alice, bob), (bob, alice)):
            report = {"userId": other.user_id, "reason": "spam", "sessionId": session_id}
            await api.ok("POST", "/v1/reports", who, report)

        region, me = auth["region"], alice.user_id

        async def blocks_recorded() -> bool:
            pairs = [
                f for f in scan_for(moto_url, region, PREFIX, me) if f.logical == "matcher-pairs"
            ]
            return len([f for f in pairs if f.item.get("blocked")]) >= 4

        await until(blocks_recorded, "the matcher to record the blocks")

        # Busy: in the queue, the account cannot be deleted (and nothing is erased), even
        # before the matcher has the ticket.
        await api.ok("POST", "/v1/queue", alice, {})
        status, problem = await api.call("DELETE", "/v1/me", alice)
        assert (status, problem["code"]) == (409, "account-busy"), problem
        await api.ok("DELETE", "/v1/queue", alice)

        async def free() -> bool:
            return (await _state(api, alice))["ticket"] is None

        await until(free, "alice's ticket to be cancelled")

        export = await api.ok("GET", "/v1/me/export", alice)
        before = scan_for(moto_url, region, PREFIX, me)
        # What the scan found, the export listed (but for other people's own items).
        listed = exported_keys(export)
        missing = [
            (f.logical, f.key)
            for f in before
            if not theirs(f, me) and (f.logical, f.key) not in listed
        ]
        assert missing == [], missing
        tables_before = {f.logical for f in before}
        assert tables_before >= {
            "gateway-profiles",
            "gateway-blocks",
            "gateway-partners",
            "gateway-reports",
            "matcher-sessions",
            "matcher-history",
            "matcher-pairs",
            "matcher-tickets",
            "ledger-entries",
            "ledger-summaries",
        }, tables_before

        status, erased = await api.call("DELETE", "/v1/me", alice)
        assert status == 202, erased
        pseudonym = erased["pseudonym"]
        # Her open socket (another tab, say) is told and closed.
        told = await _until_closed(sockets["alice"])
        assert {"type": "account.deleted"} in told, told
        assert pseudonym.startswith("anon-")
        assert me not in pseudonym

        async def gone() -> list[Any] | None:
            left = scan_for(moto_url, region, PREFIX, me)
            return None if left else [True]

        await until(gone, "every service to erase alice", timeout_s=60)
        kept = scan_for(moto_url, region, PREFIX, pseudonym)
        kept_in = {f.logical for f in kept}
        # Reports both ways and the conversation they name are kept, under the pseudonym.
        assert {"gateway-reports", "matcher-sessions", "matcher-history"} <= kept_in, kept_in
        reports = [f.item for f in kept if f.logical == "gateway-reports"]
        assert len(reports) == 2
        assert all("expiresAt" in r for r in reports)

        # The old ID token is refused; the refresh token was revoked (and the user is gone).
        status, problem = await api.call("GET", "/v1/me", alice)
        assert (status, problem["code"]) == (401, "account-deleted"), problem
        status, problem = await api.call("GET", "/v1/me/export", alice)
        assert (status, problem["code"]) == (401, "account-deleted")
        with pytest.raises(ClientError) as refused:
            refresh(moto_url, auth, alice)
        assert refused.value.response["Error"]["Code"] in (
            "NotAuthorizedException",
            "UserNotFoundException",
        )
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(f"{config['websocketUrl']}?token={alice.id_token}")
        # Nothing was erased of anyone else.
        assert (await _state(api, bob))["userId"] == bob.user_id
        await sockets["bob"].close()
