"""End-to-end fixtures: the local stack as `make dev` starts it, and headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, async_playwright

from tests.e2e.browser import launch
from tests.e2e.stack import LocalStack, new_stack

# Short enough for a test to watch an invite run out; everything else as in production.
INVITE_TIMEOUT_S = "12"


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    stack = new_stack(PARLEY_INVITE_TIMEOUT_S=INVITE_TIMEOUT_S).start()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await launch(pw)
        yield b
        await b.close()
