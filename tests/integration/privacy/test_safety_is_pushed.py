"""What used to wait for the browser's periodic re-read of `GET /v1/me` is pushed on the socket,
on the whole local stack (`python -m services.devstack`, the embedded Cognito): each safety
event reaches the right people within seconds, and nobody else.

- An operator bans Alice in the middle of her call with Bob: Alice's socket is sent
  `account.banned` and closed with 4403; Bob is told the call ended, and nothing about why.
- Dave blocks Carol mid-call, and Frank reports Erin mid-call: each call ends for both, told
  as `session.ended` (an ordinary stop: the blocked or reported person learns nothing more).
- Grace deletes her account while another tab of hers is open: that socket is sent
  `account.deleted` and closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from services.devstack.cognito import OPERATORS
from services.devstack.provision import clients
from tests.e2e.stack import add_people, new_stack
from tests.integration.privacy.helpers import Api, Person, sign_in, until

TOLD_WITHIN_S = 5.0  # a push crosses the bus in well under a second here; a margin for CI


def _config(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/v1/config", timeout=5) as resp:
        return dict(json.loads(resp.read()))


@dataclass
class Tab:
    """One open socket of a person: every message it was sent, and how it closed."""

    ws: aiohttp.ClientWebSocketResponse
    messages: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    closed_at: float | None = None
    task: asyncio.Task[None] | None = None

    async def read(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.messages.append((time.monotonic(), json.loads(msg.data)))
        self.closed_at = time.monotonic()

    def types(self) -> list[str]:
        return [m["type"] for _, m in self.messages]

    def first(self, kind: str, **fields: Any) -> float | None:
        for at, m in self.messages:
            if m["type"] == kind and all(m.get(k) == v for k, v in fields.items()):
                return at
        return None


async def _open(http: aiohttp.ClientSession, ws_url: str, who: Person) -> Tab:
    tab = Tab(await http.ws_connect(f"{ws_url}?token={who.id_token}"))
    tab.task = asyncio.create_task(tab.read())
    return tab


async def _in_call(api: Api, inviter: Person, invitee: Person, tab: Tab) -> str:
    """An invite accepted once the invitee's tab shows it: a live conversation of the two."""
    invite = await api.ok("POST", "/v1/invites", inviter, {"to": invitee.user_id})
    await _told(tab, "invite.received", 0.0, inviteId=invite["inviteId"])
    await api.ok("POST", f"/v1/invites/{invite['inviteId']}/accept", invitee, {})

    async def live() -> str | None:
        me = await api.ok("GET", "/v1/me", inviter)
        return me["session"]["sessionId"] if me["session"] else None

    return await until(live, f"{inviter.name} and {invitee.name} to be in a call")


async def _told(tab: Tab, kind: str, since: float, **fields: Any) -> float:
    """Seconds from `since` until `tab` was sent a `kind` message (waits up to 20 s)."""

    async def seen() -> float | None:
        return tab.first(kind, **fields)

    return await until(seen, f"a {kind} push", timeout_s=20) - since


@pytest.mark.timeout(240)
async def test_bans_blocks_reports_and_deletions_reach_the_right_sockets_at_once() -> None:
    stack = new_stack().start()
    try:
        add_people(stack, "erin", "frank", "grace", "olga")
        await _scenario(stack.url, stack.moto_url)
    finally:
        stack.stop()


async def _scenario(url: str, moto_url: str) -> None:
    config = _config(url)
    auth, ws_url = config["auth"], config["websocketUrl"]
    idp = clients(moto_url, auth["region"], "cognito-idp")
    idp.admin_add_user_to_group(UserPoolId=auth["userPoolId"], Username="olga", GroupName=OPERATORS)
    names = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "olga")
    people = {n: sign_in(moto_url, auth, n) for n in names}
    alice, bob, carol, dave, erin, frank, grace, olga = people.values()
    async with aiohttp.ClientSession() as http:
        api = Api(http, url)
        for p in people.values():
            p.user_id = (await api.ok("GET", "/v1/me", p))["userId"]
        tabs = {n: await _open(http, ws_url, p) for n, p in people.items() if n != "olga"}
        try:
            calls = await asyncio.gather(
                _in_call(api, alice, bob, tabs["bob"]),
                _in_call(api, carol, dave, tabs["dave"]),
                _in_call(api, erin, frank, tabs["frank"]),
            )
            banned_call, blocked_call, reported_call = calls

            # The operator bans Alice mid-call.
            at = time.monotonic()
            ban = {"userId": alice.user_id, "reason": "abuse", "until": "7d"}
            done = await api.ok("POST", "/v1/admin/bans", olga, ban)
            assert done["sessionEnded"] is True, done
            banned_after = await _told(tabs["alice"], "account.banned", at)
            await until(_closed(tabs["alice"]), "alice's socket to close", timeout_s=5)
            assert tabs["alice"].ws.close_code == 4403
            ended_after = await _told(tabs["bob"], "session.ended", at, sessionId=banned_call)

            # Dave blocks Carol; Frank reports Erin: each call ends for both.
            at_block = time.monotonic()
            await api.ok("POST", "/v1/blocks", dave, {"userId": carol.user_id})
            report = {"userId": erin.user_id, "reason": "abuse", "sessionId": reported_call}
            at_report = time.monotonic()
            await api.ok("POST", "/v1/reports", frank, report)
            ends = {
                who: await _told(tabs[who], "session.ended", since, sessionId=sid)
                for who, since, sid in (
                    ("carol", at_block, blocked_call),
                    ("dave", at_block, blocked_call),
                    ("erin", at_report, reported_call),
                    ("frank", at_report, reported_call),
                )
            }

            # Grace deletes her account; her other tab is told and closed.
            at_delete = time.monotonic()
            await api.ok("DELETE", "/v1/me", grace)
            deleted_after = await _told(tabs["grace"], "account.deleted", at_delete)
            await until(_closed(tabs["grace"]), "grace's socket to close", timeout_s=5)
        finally:
            for tab in tabs.values():
                await tab.ws.close()
                if tab.task is not None:
                    with contextlib.suppress(Exception):
                        await tab.task

    print(
        f"banned told {banned_after:.2f} s, partner {ended_after:.2f} s; "
        + ", ".join(f"{k} {v:.2f} s" for k, v in ends.items())
        + f"; deleted {deleted_after:.2f} s"
    )
    for seconds in (banned_after, ended_after, deleted_after, *ends.values()):
        assert seconds < TOLD_WITHIN_S
    # Only the banned person hears of the ban; the blocked and the reported person hear of an
    # ordinary end, nothing that names a block or a report.
    told = {n: t.types() for n, t in tabs.items()}
    assert [n for n, kinds in told.items() if "account.banned" in kinds] == ["alice"]
    assert [n for n, kinds in told.items() if "account.deleted" in kinds] == ["grace"]
    for who in ("carol", "erin"):
        assert not {k for k in told[who] if "block" in k or "report" in k}, told[who]
    # The banned person's next request is refused; her partner carries on.
    async with aiohttp.ClientSession() as http:
        api = Api(http, url)
        status, problem = await api.call("GET", "/v1/me", alice)
        assert (status, problem["code"]) == (403, "banned")
        assert (await api.ok("GET", "/v1/me", bob))["session"] is None


def _closed(tab: Tab) -> Any:
    async def probe() -> bool | None:
        return True if tab.closed_at is not None else None

    return probe
