"""Someone who has used today's points is told why they cannot talk, and when they can again.

A stack of its own where a day holds one point: one short conversation uses it up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.browser import person
from tests.e2e.stack import LocalStack, new_stack


@pytest.fixture(scope="module")
def one_point_stack() -> Iterator[LocalStack]:
    stack = new_stack(PARLEY_DAILY_POINTS="1").start()
    yield stack
    stack.stop()


async def test_person_without_points_is_told_why_and_when(
    one_point_stack: LocalStack, browser: Browser
) -> None:
    url = one_point_stack.url
    alice, bob = await person(browser, "alice"), await person(browser, "bob")
    try:
        for p in (alice, bob):
            await p.sign_in(url)
            assert await p.points_left() == 1
        await alice.by("join").click()
        await bob.by("join").click()
        for p in (alice, bob):
            await expect(p.by("in-call")).to_be_visible(timeout=30_000)
        # One point buys one minute: both countdowns start at or below 1:00.
        assert 0 < await alice.seconds_left() <= 60
        # It is paid for once both are connected (a call stopped before that is free).
        for p in (alice, bob):
            await p.connection_reported()
        await bob.stop()
        await expect(alice.by("summary")).to_be_visible(timeout=30_000)
        await alice.by("back-home").click()

        await expect(alice.by("points-left").first).to_have_text("0", timeout=30_000)
        await expect(alice.by("join")).to_be_disabled()
        await expect(alice.by("join-blocked")).to_contain_text("You can talk again in")
        await alice.shot("08-no-points")

        # A Join that gets past the page anyway (a stale tab, another client) is refused by
        # the server, and the page says why.
        status = await alice.page.evaluate(
            """async () => {
                const tokens = JSON.parse(sessionStorage.getItem('parley.tokens'));
                const resp = await fetch('/v1/queue', {
                    method: 'POST',
                    headers: {'Authorization': 'Bearer ' + tokens.idToken,
                              'Content-Type': 'application/json'},
                    body: '{}',
                });
                return resp.status;
            }"""
        )
        assert status == 202
        await expect(alice.by("refusal")).to_contain_text("You can talk again", timeout=30_000)
        await alice.shot("09-no-points-refused")
    finally:
        await alice.context.close()
        await bob.context.close()
