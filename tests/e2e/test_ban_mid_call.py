"""An operator bans someone in the middle of a call, on the served page, watching both screens:
the banned person is signed out within a couple of seconds and told why, their partner sees
the call end, and neither page re-reads `GET /v1/me` on a timer meanwhile (the ban comes on
the socket; a call with its socket open costs no periodic re-reads)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, Request, expect

from services.devstack.cognito import DEMO_PASSWORD, OPERATORS
from services.devstack.provision import clients
from tests.e2e.browser import Person, person
from tests.e2e.stack import LocalStack, add_people

# Longer than the 30 s the page used to wait between re-reads in a call: a timer would show.
QUIET_S = 31.0
SIGNED_OUT_WITHIN_S = 3.0


def _operator_and_target(stack: LocalStack, operator: str, target: str) -> tuple[str, str]:
    """The operator's ID token (a member of the pool's `operators` group) and the account id
    (the pool's `sub`) of the person they will ban."""
    with urllib.request.urlopen(f"{stack.url}/v1/config", timeout=5) as resp:
        auth = json.loads(resp.read())["auth"]
    idp = clients(stack.moto_url, auth["region"], "cognito-idp")
    pool = auth["userPoolId"]
    idp.admin_add_user_to_group(UserPoolId=pool, Username=operator, GroupName=OPERATORS)
    result = idp.initiate_auth(
        ClientId=auth["clientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": operator, "PASSWORD": DEMO_PASSWORD},
    )["AuthenticationResult"]
    attributes = idp.admin_get_user(UserPoolId=pool, Username=target)["UserAttributes"]
    sub = next(a["Value"] for a in attributes if a["Name"] == "sub")
    return str(result["IdToken"]), str(sub)


def _ban(stack: LocalStack, token: str, user_id: str) -> dict[str, Any]:
    body = json.dumps({"userId": user_id, "reason": "abuse in a call", "until": "7d"}).encode()
    request = urllib.request.Request(f"{stack.url}/v1/admin/bans", data=body, method="POST")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as resp:
        return dict(json.loads(resp.read()))


class MeReads:
    """When a page asked `GET /v1/me` (monotonic seconds)."""

    def __init__(self, who: Person) -> None:
        self.at: list[float] = []
        who.page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if request.method == "GET" and urlsplit(request.url).path == "/v1/me":
            self.at.append(time.monotonic())

    def between(self, start: float, end: float) -> int:
        return sum(start <= t <= end for t in self.at)


async def test_a_person_banned_mid_call_is_signed_out_at_once_and_the_partner_sees_it_end(
    local_stack: LocalStack, browser: Browser
) -> None:
    add_people(local_stack, "mona", "ned", "otto")
    token, mona_id = await asyncio.to_thread(_operator_and_target, local_stack, "otto", "mona")
    mona, ned = await person(browser, "mona"), await person(browser, "ned")
    reads = {p.name: MeReads(p) for p in (mona, ned)}
    try:
        for p in (mona, ned):
            await p.sign_in(local_stack.url)
            await p.devices_ready()
        row = mona.by("presence-list").locator("li", has_text="Ned")
        await expect(row).to_be_visible(timeout=20_000)
        await row.get_by_role("button", name="Invite").click()
        await expect(ned.by("invite-popup")).to_be_visible(timeout=20_000)
        await ned.by("accept-invite").click()
        for p in (mona, ned):
            await expect(p.by("in-call")).to_be_visible(timeout=30_000)
            await p.connection_reported()

        # A call with its socket open: nobody re-reads on a timer.
        quiet_from = time.monotonic()
        await asyncio.sleep(QUIET_S)
        for p in (mona, ned):
            await expect(p.by("in-call")).to_be_visible()

        banned_at = time.monotonic()
        done = await asyncio.to_thread(_ban, local_stack, token, mona_id)
        assert done["sessionEnded"] is True, done
        await expect(mona.by("sign-in")).to_be_visible(timeout=10_000)
        signed_out_s = time.monotonic() - banned_at
        await expect(mona.by("refusal")).to_contain_text("barred")
        await expect(ned.by("summary")).to_be_visible(timeout=15_000)
        partner_s = time.monotonic() - banned_at
        print(
            f"banned person signed out {signed_out_s:.1f} s after the ban, "
            f"partner saw the end {partner_s:.1f} s after; GET /v1/me in {QUIET_S:.0f} s of "
            f"call: {reads['mona'].between(quiet_from, banned_at)} + "
            f"{reads['ned'].between(quiet_from, banned_at)}"
        )
        assert signed_out_s < SIGNED_OUT_WITHIN_S
        # No re-read on a clock in the call, and none needed for the ban to arrive.
        assert reads["mona"].between(quiet_from, banned_at) == 0
        assert reads["ned"].between(quiet_from, banned_at) == 0
        assert reads["mona"].between(banned_at, time.monotonic()) == 0
        # Signed out for good: no socket reconnects and no page re-reads afterwards.
        await asyncio.sleep(2)
        await expect(mona.by("sign-in")).to_be_visible()
        assert reads["mona"].between(banned_at, time.monotonic()) == 0
    finally:
        await mona.context.close()
        await ned.context.close()
