"""Signing out in the middle of a call asks first, then ends the call cleanly: the partner is
told within seconds (no endless "reconnecting…") and pays only the minutes they were together,
on the served page with its real headers."""

from __future__ import annotations

import time

from playwright.async_api import Browser, expect

from tests.e2e.browser import person
from tests.e2e.stack import LocalStack, add_people


async def test_signing_out_mid_call_asks_then_tells_the_partner_at_once_and_stops_the_charge(
    local_stack: LocalStack, browser: Browser
) -> None:
    add_people(local_stack, "jules", "kira")
    jules, kira = await person(browser, "jules"), await person(browser, "kira")
    try:
        for p in (jules, kira):
            await p.sign_in(local_stack.url)
            await p.devices_ready()
        row = jules.by("presence-list").locator("li", has_text="Kira")
        await expect(row).to_be_visible(timeout=20_000)
        await row.get_by_role("button", name="Invite").click()
        await expect(kira.by("invite-popup")).to_be_visible(timeout=20_000)
        await kira.by("accept-invite").click()
        for p in (jules, kira):
            await expect(p.by("in-call")).to_be_visible(timeout=30_000)
            await p.connection_reported()

        # Sign out asks first; cancelling keeps the call.
        await jules.by("sign-out").click()
        await expect(jules.by("sign-out-confirm")).to_be_visible()
        await jules.by("sign-out-confirm-cancel").click()
        await expect(jules.by("in-call")).to_be_visible()

        await jules.by("sign-out").click()
        asked = time.monotonic()
        await jules.by("sign-out-confirm-confirm").click()
        await expect(jules.by("sign-in")).to_be_visible(timeout=20_000)
        # The partner learns it is over within seconds, and pays the started minute together.
        await expect(kira.by("summary")).to_be_visible(timeout=15_000)
        told_after_s = time.monotonic() - asked
        await expect(kira.by("minutes-used")).to_have_text("1", timeout=20_000)
        print(f"partner told {told_after_s:.1f} s after the sign-out was confirmed")
        assert told_after_s < 15
    finally:
        await jules.context.close()
        await kira.context.close()
