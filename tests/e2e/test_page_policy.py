"""The web app works under its strict page policy, and a socket renewed mid-call keeps the call.

Every person's context reports CSP violations (`csp.watch`, hooked into `person`), so walking
home → waiting → call → summary here fails on any screen that breaks the policy. A socket
whose token expires is told `auth.expired` and closed by the server; the SPA must reconnect at
once and the call go on (the server's side of that is tested in the real-time suite).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from services.devstack.provision import clients
from tests.e2e import csp
from tests.e2e.browser import person
from tests.e2e.stack import LocalStack

CALL_TIMEOUT_MS = 30_000


async def _until(check: Callable[[], Any], timeout_s: float = 30.0, what: str = "it") -> Any:
    """Poll `check` (plain or async) until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        await asyncio.sleep(0.2)


def _connections(stack: LocalStack, user_id: str) -> set[str]:
    """The person's open sockets, from the gateway's connection records."""
    with urllib.request.urlopen(f"{stack.url}/v1/config", timeout=5) as resp:
        region = json.loads(resp.read())["auth"]["region"]
    db = clients(stack.moto_url, region, "dynamodb")
    (table,) = [t for t in db.list_tables()["TableNames"] if t.endswith("-gateway-connections")]
    items = db.scan(TableName=table, ConsistentRead=True)["Items"]
    return {i["connectionId"]["S"] for i in items if i["userId"]["S"] == user_id}


# The signed-in person's id (the ID token's `sub`), as the SPA stores its tokens.
_SUB = """() => {
  const raw = Object.values(sessionStorage).find((v) => v.includes('"idToken"'));
  const part = JSON.parse(raw).idToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(part)).sub;
}"""


async def test_the_collector_catches_a_violation(local_stack: LocalStack, browser: Browser) -> None:
    context = await browser.new_context()
    await csp.watch(context)
    page = await context.new_page()
    response = await page.goto(local_stack.url)
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    await page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.head.appendChild(s); }"
    )
    await asyncio.sleep(0.3)  # the event is delivered asynchronously
    with pytest.raises(csp.CspViolation, match="script-src"):
        await context.close()


async def test_every_screen_of_a_call_works_under_the_policy_and_a_renewed_socket_keeps_it(
    local_stack: LocalStack, browser: Browser
) -> None:
    alice = await person(browser, "alice")
    bob = await person(browser, "bob")
    try:
        await alice.sign_in(local_stack.url)
        await bob.sign_in(local_stack.url)
        await alice.by("join").click()
        await expect(alice.by("waiting")).to_be_visible()
        await bob.by("join").click()
        for p in (alice, bob):
            await expect(p.by("in-call")).to_be_visible(timeout=CALL_TIMEOUT_MS)
        await _until(alice.frames_decoded, what="alice decodes video")

        # The server tells alice's socket its token expired (then closes it): the SPA opens a
        # new one at once, without waiting for the close.
        me = str(await alice.page.evaluate(_SUB))
        (old,) = await _until(lambda: _connections(local_stack, me), what="alice's socket")
        async with aiohttp.ClientSession() as http:
            url = f"{local_stack.url}/@connections/{old}"
            message = {"type": "auth.expired", "expiredAt": "2026-11-30T00:00:00.000Z"}
            async with http.post(url, data=json.dumps(message).encode()) as resp:
                assert resp.status == 200
            await _until(
                lambda: _connections(local_stack, me) - {old}, timeout_s=10, what="a new socket"
            )
            async with http.delete(url) as resp:
                assert resp.status in (204, 410)  # the SPA may have closed it already
        await _until(lambda: old not in _connections(local_stack, me), what="old socket gone")
        frames = await alice.frames_decoded()
        await expect(alice.by("in-call")).to_be_visible()

        async def more_frames() -> bool:
            return await alice.frames_decoded() > frames

        await _until(more_frames, what="the call goes on")

        await bob.stop()
        for p in (alice, bob):
            await expect(p.by("summary")).to_be_visible(timeout=CALL_TIMEOUT_MS)
    finally:
        for p in (alice, bob):
            await p.context.close()
