"""Two people in two browsers: matched, they see each other, one stops, both see the summary.

Runs the whole local stack the README's way and real WebRTC between two headless Chromium
contexts with fake cameras; `framesDecoded` comes from the receiver's own getStats().
"""

from __future__ import annotations

import asyncio
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
        await alice.shot("03-call")
        await bob.shot("03-call-phone")

        # Both countdowns come from the server's endsAt: they agree within a second.
        a, b = await alice.seconds_left(), await bob.seconds_left()
        assert abs(a - b) <= 1, (a, b)
        assert 13 * 60 < a <= 15 * 60

        await alice.by("stop").click()
        for p in (alice, bob):
            await expect(p.by("summary")).to_be_visible(timeout=CALL_TIMEOUT_MS)
            await expect(p.by("minutes-used")).to_have_text("1")
            # Points drop by the minutes used once the ledger has settled.
            await expect(p.by("points-left").first).to_have_text(
                str(before[p.name] - 1), timeout=CALL_TIMEOUT_MS
            )
        await alice.shot("04-summary")
        await bob.shot("04-summary-phone")
    finally:
        for p in (alice, bob):
            await p.context.close()
