"""Inviting someone who is online: accepted, declined, left to expire — each outcome shown."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.e2e.browser import Person, person
from tests.e2e.conftest import INVITE_TIMEOUT_S
from tests.e2e.stack import LocalStack


async def _invite(inviter: Person, invitee_name: str) -> None:
    row = inviter.by("presence-list").locator("li", has_text=invitee_name.capitalize())
    await expect(row).to_be_visible(timeout=20_000)
    await row.get_by_role("button", name="Invite").click()
    await expect(inviter.by("invite-pending")).to_be_visible(timeout=20_000)


async def _pair(browser: Browser, url: str, a: str, b: str) -> tuple[Person, Person]:
    one, two = await person(browser, a), await person(browser, b)
    await one.sign_in(url)
    await two.sign_in(url)
    for p in (one, two):
        await p.devices_ready()  # inviting and accepting start a call: devices first
    return one, two


async def test_accepted_invite_starts_a_call_for_both(
    local_stack: LocalStack, browser: Browser
) -> None:
    carol, dave = await _pair(browser, local_stack.url, "carol", "dave")
    try:
        # Dave is looking at another tab: the invite changes his tab's title (and chimes).
        await dave.hide_tab()
        await _invite(carol, "dave")
        await expect(dave.page).to_have_title(re.compile("Carol invites you"), timeout=20_000)
        alerted = await dave.page.evaluate("() => window.__parley.alerted")
        assert alerted.startswith("invite:"), alerted
        await dave.hide_tab(False)
        await expect(dave.page).to_have_title("Parley")
        await expect(dave.by("invite-popup")).to_be_visible(timeout=20_000)
        await expect(dave.by("invite-popup")).to_contain_text("Carol")
        await dave.shot("05-invite-received")
        await carol.shot("05-invite-pending")
        await dave.by("accept-invite").click()
        for p in (carol, dave):
            await expect(p.by("in-call")).to_be_visible(timeout=30_000)
        await dave.stop()
        for p in (carol, dave):
            await expect(p.by("summary")).to_be_visible(timeout=30_000)
    finally:
        await carol.context.close()
        await dave.context.close()


async def test_declined_invite_is_told_to_the_inviter(
    local_stack: LocalStack, browser: Browser
) -> None:
    alice, carol = await _pair(browser, local_stack.url, "alice", "carol")
    try:
        await _invite(alice, "carol")
        await expect(carol.by("invite-popup")).to_be_visible(timeout=20_000)
        await carol.by("decline-invite").click()
        await expect(alice.by("invite-outcome")).to_contain_text("declined", timeout=20_000)
        await alice.shot("06-invite-declined")
    finally:
        await alice.context.close()
        await carol.context.close()


async def test_unanswered_invite_expires_for_both(
    local_stack: LocalStack, browser: Browser
) -> None:
    bob, dave = await _pair(browser, local_stack.url, "bob", "dave")
    try:
        await _invite(bob, "dave")
        await expect(dave.by("invite-popup")).to_be_visible(timeout=20_000)
        timeout_ms = (int(INVITE_TIMEOUT_S) + 20) * 1000
        await expect(bob.by("invite-outcome")).to_contain_text("expired", timeout=timeout_ms)
        await expect(dave.by("invite-popup")).to_be_hidden(timeout=timeout_ms)
        await bob.shot("07-invite-expired")
    finally:
        await bob.context.close()
        await dave.context.close()
