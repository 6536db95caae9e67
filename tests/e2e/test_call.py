"""Two people in two browsers: device check, matched, they see each other, one mutes and turns
the camera off (the other's tile shows it), chat survives a reload, one stops, both see the
summary with the settled points; both say "talk again", so each shows first in the other's
Online now and one tap invites; then the history and settings pages.

Runs the whole local stack the README's way and real WebRTC between two headless Chromium
contexts with fake cameras; `framesDecoded` comes from the receiver's own getStats(). Every
screenshot also runs axe-core on the screen.
"""

from __future__ import annotations

import asyncio
import re
import time

from playwright.async_api import Browser, expect

from tests.e2e.browser import Person, person
from tests.e2e.stack import LocalStack

CALL_TIMEOUT_MS = 30_000


async def _until_frames(p: Person, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while await p.frames_decoded() <= 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{p.name} decoded no remote video frames in {timeout_s} s")
        await asyncio.sleep(0.2)


async def test_matched_people_see_each_other_and_stop_ends_it_for_both(
    local_stack: LocalStack, browser: Browser
) -> None:
    alice = await person(browser, "alice")
    bob = await person(browser, "bob", phone=True)
    try:
        await alice.sign_in(local_stack.url)
        await bob.sign_in(local_stack.url)
        # Ready before Join: the browser already allows the (fake) devices, so the check runs
        # by itself and shows the preview and the level meter.
        for p in (alice, bob):
            await p.devices_ready()
            await expect(p.by("mic-level")).to_be_visible()
        await alice.shot("01-home")
        await bob.shot("01-home-phone")
        before = {p.name: await p.points_left() for p in (alice, bob)}

        await alice.by("join").click()
        await expect(alice.by("waiting")).to_be_visible()
        await alice.shot("02-waiting")
        await bob.by("join").click()

        for p in (alice, bob):
            await expect(p.by("in-call")).to_be_visible(timeout=CALL_TIMEOUT_MS)
        await asyncio.gather(_until_frames(alice), _until_frames(bob))
        await expect(bob.by("in-call")).to_contain_text("Talking with Alice")
        await expect(alice.by("quality")).to_be_visible(timeout=10_000)
        await alice.shot("03-call")
        await bob.shot("03-call-phone")

        # Bob mutes and turns his camera off: Alice's tile says so instead of a black frame.
        await bob.by("mute").click()
        await bob.by("camera").click()
        await expect(alice.by("remote-video-muted")).to_be_visible(timeout=10_000)
        await expect(alice.by("remote-video-placeholder")).to_contain_text("Camera off")
        await alice.shot("03-call-partner-muted")
        await bob.by("mute").click()
        await expect(alice.by("remote-video-muted")).to_be_hidden(timeout=10_000)

        # Chat stays after Bob reloads the page within the session.
        await alice.by("chat-toggle").click()
        await alice.by("chat-input").fill("¿Qué tal?")
        await alice.by("chat-send").click()
        await expect(alice.by("chat-lines")).to_contain_text("¿Qué tal?")
        await bob.by("chat-toggle").click()
        await expect(bob.by("chat-lines")).to_contain_text("¿Qué tal?", timeout=10_000)
        await bob.page.reload()
        await expect(bob.by("in-call")).to_be_visible(timeout=CALL_TIMEOUT_MS)
        await expect(bob.by("chat-lines")).to_contain_text("¿Qué tal?")
        await _until_frames(bob)

        # Both countdowns come from the server's endsAt: they agree within a second.
        a, b = await alice.seconds_left(), await bob.seconds_left()
        assert abs(a - b) <= 1, (a, b)
        assert 13 * 60 < a <= 15 * 60

        await alice.stop()
        for p in (alice, bob):
            await expect(p.by("summary")).to_be_visible(timeout=CALL_TIMEOUT_MS)
            await expect(p.by("minutes-used")).to_have_text("1")
            # The summary shows a figure only once the ledger has settled: never the one that
            # still counts the held points.
            await expect(p.by("points-left").first).to_have_text(
                str(before[p.name] - 1), timeout=CALL_TIMEOUT_MS
            )
            await expect(p.by("points-settling")).to_be_hidden()
        await alice.shot("04-summary")
        await bob.shot("04-summary-phone")

        # Talk again? Both say yes: partners, shown first in Online now, one tap to invite.
        await alice.by("talk-again-yes").click()
        await expect(alice.by("partners-waiting")).to_be_visible(timeout=10_000)
        await bob.by("talk-again-yes").click()
        await expect(bob.by("partners-now")).to_be_visible(timeout=10_000)
        await bob.shot("04-summary-partners")
        for p in (alice, bob):
            await p.by("back-home").click()
        first = alice.by("presence-list").locator("li").first
        await expect(first).to_contain_text("Bob", timeout=20_000)
        await expect(first.get_by_test_id(re.compile("^partner-"))).to_be_visible()
        await alice.shot("05-partner-first")
        await first.get_by_role("button", name="Invite").click()
        await expect(bob.by("invite-popup")).to_contain_text("Alice", timeout=20_000)
        await bob.by("accept-invite").click()
        for p in (alice, bob):
            await expect(p.by("in-call")).to_be_visible(timeout=CALL_TIMEOUT_MS)
        await bob.stop()
        for p in (alice, bob):
            await expect(p.by("summary")).to_be_visible(timeout=CALL_TIMEOUT_MS)

        # History is its own page; settings hold languages, notifications, partners, blocks.
        await alice.by("back-home").click()
        await alice.by("nav-history").click()
        await expect(alice.by("history")).to_contain_text("Bob")
        await alice.shot("10-history")
        await alice.by("nav-settings").click()
        await expect(alice.by("blocked-list")).to_be_attached()
        await expect(alice.by("partners-list")).to_contain_text("Bob")
        await alice.shot("11-settings")
    finally:
        for p in (alice, bob):
            await p.context.close()
