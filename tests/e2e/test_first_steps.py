"""A learner's first call: the first visit asks which languages the person speaks and wants to
practise before Join is offered; two people whose languages make a tandem (each learns what the
other speaks) both see, at half time, which language to switch to.

A stack of its own where a session lasts one minute: half time comes 30 s in.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.browser import PASSWORD, Person, person
from tests.e2e.stack import LocalStack, new_stack

CALL_TIMEOUT_MS = 30_000
NAMES = {"en": "English", "es": "Spanish"}


@pytest.fixture(scope="module")
def short_stack() -> Iterator[LocalStack]:
    stack = new_stack(PARLEY_SESSION_MINUTES="1").start()
    yield stack
    stack.stop()


async def _first_visit(
    p: Person, url: str, speaks: str, learns: str, shot: str | None = None
) -> None:
    """Signs in for the first time: the language step comes first, Join only once it is saved."""
    await p.page.goto(url)
    await p.by("username").fill(p.name)
    await p.by("password").fill(PASSWORD)
    await p.by("sign-in").click()
    await expect(p.by("first-step")).to_be_visible(timeout=20_000)
    if shot:
        await p.shot(shot)
    await expect(p.by("join")).to_have_count(0)
    await expect(p.by("presence-list")).to_have_count(0)
    # Nothing spoken yet: nothing to save.
    await expect(p.by("save-preferences")).to_be_disabled()
    await p.choose_languages(speaks=(speaks,), learns=(learns,))
    await expect(p.by("points-left")).to_be_visible(timeout=20_000)
    await expect(p.by("first-step")).to_have_count(0)
    await expect(p.by("join")).to_be_visible()


async def test_first_visit_asks_languages_and_a_tandem_is_told_to_switch_at_half_time(
    short_stack: LocalStack, browser: Browser
) -> None:
    alice = await person(browser, "alice")
    bob = await person(browser, "bob")
    try:
        await _first_visit(alice, short_stack.url, speaks="en", learns="es", shot="00-first-step")
        await _first_visit(bob, short_stack.url, speaks="es", learns="en")

        for p in (alice, bob):
            await p.devices_ready()
        await alice.by("join").click()
        await bob.by("join").click()
        for p in (alice, bob):
            await expect(p.by("in-call")).to_be_visible(timeout=CALL_TIMEOUT_MS)
        # Not before half time (a one-minute session starts with about 60 s left).
        assert await alice.seconds_left() > 31
        await expect(alice.by("half-time")).to_have_count(0)
        await expect(alice.by("topic-text")).to_be_visible(timeout=CALL_TIMEOUT_MS)
        started_in = await alice.by("topic-text").get_attribute("lang")
        assert started_in in NAMES, started_in
        other = "es" if started_in == "en" else "en"

        for p in (alice, bob):
            cue = p.by("half-time")
            await expect(cue).to_be_visible(timeout=40_000)
            await expect(cue).to_have_text(f"Half time: switch to {NAMES[other]}")
            await expect(cue).to_have_attribute("data-language", other)
            await expect(p.by("half-time-announcement")).to_have_attribute("aria-live", "polite")
            assert 20 <= await p.seconds_left() <= 31
        await alice.shot("03-call-half-time")
        # About ten seconds, then it goes.
        await expect(alice.by("half-time")).to_have_count(0, timeout=15_000)
        await expect(alice.by("half-time-announcement")).to_have_text("")
        await alice.stop()
        for p in (alice, bob):
            await expect(p.by("summary")).to_be_visible(timeout=CALL_TIMEOUT_MS)
    finally:
        for p in (alice, bob):
            await p.context.close()
