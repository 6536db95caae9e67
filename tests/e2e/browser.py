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
    # Screen sharing without a picker: the whole (fake) screen is chosen at once.
    "--auto-select-desktop-capture-source=Entire screen",
    "--auto-accept-this-tab-capture",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "Parley-demo-1"
# axe-core from the SPA's own dev dependencies: never fetched while the tests run.
AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

_AXE_RUN = """async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
    }));
}"""


async def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now. Injected through
    the DevTools protocol (page.evaluate), which the page's CSP does not apply to."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text())
    found: list[dict[str, Any]] = await page.evaluate(_AXE_RUN)
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


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
        # A first visit asks for the person's languages before Home. English both ways: any
        # two such people make a pair the matcher takes at once (one who only speaks waits
        # 30 s before it takes anyone), as before anyone had languages.
        home_or_first = self.by("points-left").or_(self.by("first-step"))
        await expect(home_or_first.first).to_be_visible(timeout=20_000)
        if await self.by("first-step").is_visible():
            await self.choose_languages(speaks=("en",), learns=("en",))
        await expect(self.by("points-left")).to_be_visible(timeout=20_000)

    async def choose_languages(self, speaks: tuple[str, ...], learns: tuple[str, ...] = ()) -> None:
        """Picks languages on the first step (or Settings) and saves them."""
        for code in speaks:
            await self.by(f"speaks-{code}").click()
        for code in learns:
            await self.by(f"learns-{code}").click()
        await self.by("save-preferences").click()

    async def points_left(self) -> int:
        text = await self.by("points-left").first.inner_text()
        return int(text.split()[0])

    async def shot(self, name: str) -> None:
        """Keeps a screenshot of the screen, and fails if axe-core finds it inaccessible."""
        SCREENSHOTS.mkdir(exist_ok=True)
        await self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        bad = await accessibility_violations(self.page)
        assert not bad, f"{name}: accessibility violations {bad}"

    async def devices_ready(self) -> None:
        """The device check on Home (opened on request: it no longer opens on every visit) has
        opened the (fake) camera and microphone."""
        if not await self.by("device-check").is_visible():
            await self.by("open-device-check").click()
        await expect(self.by("devices-ready")).to_be_visible(timeout=20_000)
        await expect(self.by("join")).to_be_enabled()

    async def stop(self) -> None:
        """Stop, and confirm it in the question that follows."""
        await self.by("stop").click()
        await self.by("stop-confirm-confirm").click()

    async def hide_tab(self, hidden: bool = True) -> None:
        """What switching to another tab does to the page: visibilityState and its event."""
        await self.page.evaluate(
            """(hidden) => {
                Object.defineProperty(document, 'visibilityState', {
                    configurable: true, get: () => hidden ? 'hidden' : 'visible' });
                Object.defineProperty(document, 'hidden', {
                    configurable: true, get: () => hidden });
                document.dispatchEvent(new Event('visibilitychange'));
            }""",
            hidden,
        )

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

    async def connection_reported(self, timeout_s: float = 30) -> None:
        """Until this page has told the server its call is connected (minutes count from when
        both have)."""
        await self.page.wait_for_function(
            "() => !!(window.__parley && window.__parley.connectedReported)",
            timeout=timeout_s * 1000,
        )

    async def seconds_left(self) -> int:
        return int(await self.by("countdown").get_attribute("data-seconds") or "-1")


async def person(
    browser: Browser,
    name: str,
    *,
    phone: bool = False,
    viewport: dict[str, int] | None = None,
    scale: float = 1,
) -> Person:
    if viewport is None:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    context = await browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        device_scale_factor=scale,
    )
    await context.grant_permissions(["camera", "microphone"])
    await csp.watch(context)  # any CSP violation fails the test when it closes the context
    page = await context.new_page()
    return Person(name, context, page)
