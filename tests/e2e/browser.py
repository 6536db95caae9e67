"""Driving people through the web app in headless Chromium (Debian's, never a downloaded one)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Playwright, expect

from tests.e2e import csp

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "Parley-demo-1"


async def launch(pw: Playwright) -> Browser:
    return await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


@dataclass
class Person:
    name: str
    context: BrowserContext
    page: Page

    def by(self, testid: str) -> Any:
        return self.page.get_by_test_id(testid)

    async def sign_in(self, url: str) -> None:
        await self.page.goto(url)
        await self.by("username").fill(self.name)
        await self.by("password").fill(PASSWORD)
        await self.by("sign-in").click()
        await expect(self.by("points-left")).to_be_visible(timeout=20_000)

    async def points_left(self) -> int:
        text = await self.by("points-left").first.inner_text()
        return int(text.split()[0])

    async def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        await self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    async def frames_decoded(self) -> int:
        value = await self.page.evaluate(
            """async () => {
                const pc = window.__parley && window.__parley.pc;
                if (!pc) return 0;
                const stats = await pc.getStats();
                let frames = 0;
                stats.forEach(s => {
                    if (s.type === 'inbound-rtp' && s.kind === 'video') {
                        frames += s.framesDecoded || 0;
                    }
                });
                return frames;
            }"""
        )
        return int(value)

    async def seconds_left(self) -> int:
        return int(await self.by("countdown").get_attribute("data-seconds") or "-1")


async def person(browser: Browser, name: str, *, phone: bool = False) -> Person:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    await context.grant_permissions(["camera", "microphone"])
    await csp.watch(context)  # any CSP violation fails the test when it closes the context
    page = await context.new_page()
    return Person(name, context, page)
