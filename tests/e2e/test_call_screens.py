"""The call screen in both shapes, and leaving it well: a phone (390x844) and a desktop
(1366x768, then at 200 % zoom — the browser then lays the page out in half the CSS pixels at
twice the density, which is what the 683x384 viewport at scale 2 reproduces) keep Stop and Mute
on screen and are axe-clean (photographed into docs/screenshots/). Both see the same topic and
"Another topic" changes it for both. The desktop shares its screen under the served headers and
the phone receives the new picture; a chat line starred mid-call is under My words afterwards.
Stop asks first: Escape keeps talking, Enter ends it, and the partner is told who ended it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.browser import Person, accessibility_violations, person
from tests.e2e.stack import LocalStack, add_people

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

_INBOUND_VIDEO = """async () => {
    const pc = window.__parley && window.__parley.pc;
    if (!pc) return null;
    const stats = await pc.getStats();
    let found = null;
    stats.forEach(s => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
            found = { frames: s.framesDecoded || 0, width: s.frameWidth || 0,
                      height: s.frameHeight || 0 };
        }
    });
    return found;
}"""

_SENT_VIDEO = """() => {
    const pc = window.__parley && window.__parley.pc;
    const sender = pc && pc.getSenders().find(s => s.track && s.track.kind === 'video');
    if (!sender) return null;
    const settings = sender.track.getSettings();
    return { label: sender.track.label, surface: settings.displaySurface || null };
}"""


async def _on_screen(page: Page, testid: str) -> None:
    """The control is wholly inside the viewport: nothing needed to end a call is below the fold."""
    box = await page.get_by_test_id(testid).bounding_box()
    size = page.viewport_size
    assert box is not None, testid
    assert size is not None
    inside = (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] + box["height"] <= size["height"] + 0.5
    )
    assert inside, f"{testid} at {box} is outside the {size} viewport"


async def _photograph(p: Person, name: str) -> None:
    for testid in ("stop", "mute"):
        await _on_screen(p.page, testid)
    DOCS.mkdir(parents=True, exist_ok=True)
    await p.page.screenshot(path=str(DOCS / name), scale="css")
    bad = await accessibility_violations(p.page)
    assert not bad, f"{name}: accessibility violations {bad}"


async def _inbound(p: Person) -> dict[str, Any] | None:
    found: dict[str, Any] | None = await p.page.evaluate(_INBOUND_VIDEO)
    return found


async def test_call_screens_screen_sharing_and_a_confirmed_stop(
    local_stack: LocalStack, browser: Browser
) -> None:
    add_people(local_stack, "mira", "noah")
    mira = await person(browser, "mira", phone=True)
    # Scale 2 from the start: the 200 % view below is the same page at half the CSS size.
    noah = await person(browser, "noah", viewport={"width": 1366, "height": 768}, scale=2)
    try:
        await mira.sign_in(local_stack.url)
        await noah.sign_in(local_stack.url)
        # Join opens the device check (it no longer opens on every visit) and goes on from it.
        await expect(mira.by("device-check")).to_have_count(0)
        await mira.by("join").click()
        await expect(mira.by("device-check")).to_be_visible()
        await noah.by("join").click()
        for p in (mira, noah):
            await expect(p.by("in-call")).to_be_visible(timeout=30_000)
        for p in (mira, noah):
            await p.connection_reported()
        await expect(mira.by("remote-video-placeholder")).to_be_hidden(timeout=20_000)

        # Both see the same conversation prompt; "Another topic" moves both on to a new one.
        await expect(mira.by("topic-text")).to_be_visible(timeout=30_000)
        first = await mira.by("topic-text").inner_text()
        await expect(noah.by("topic-text")).to_have_text(first, timeout=10_000)
        await mira.by("another-topic").click()
        await expect(mira.by("topic-text")).not_to_have_text(first, timeout=30_000)
        second = await mira.by("topic-text").inner_text()
        await expect(noah.by("topic-text")).to_have_text(second, timeout=10_000)

        # (a) Both shapes, and 200 %: Stop and Mute on screen, axe-clean. On the phone, muted
        # by its shortcut, the "Microphone off" badge sits beside the self-view, not over it.
        await mira.page.keyboard.press("Control+d")
        badge = await mira.by("local-video-muted").bounding_box()
        face = await mira.by("local-video").bounding_box()
        assert badge is not None
        assert face is not None
        assert badge["y"] + badge["height"] <= face["y"], (badge, face)
        await mira.page.keyboard.press("Control+d")
        await expect(mira.by("local-video-muted")).to_be_hidden()
        await _photograph(mira, "call-phone.png")
        await _photograph(noah, "call-desktop.png")
        await noah.page.set_viewport_size({"width": 683, "height": 384})
        await noah.page.screenshot(path=str(DOCS / "call-desktop-200.png"), scale="device")
        for testid in ("stop", "mute"):
            await _on_screen(noah.page, testid)
        bad = await accessibility_violations(noah.page)
        assert not bad, f"call-desktop-200: accessibility violations {bad}"
        await noah.page.set_viewport_size({"width": 1366, "height": 768})
        # The shortcuts are said in the buttons' titles.
        assert "Ctrl+D" in (await noah.by("mute").get_attribute("title") or "")
        assert "Ctrl+E" in (await noah.by("camera").get_attribute("title") or "")

        # (c) Screen sharing (Permissions-Policy display-capture=(self)): the phone receives it.
        before = await _inbound(mira)
        assert before is not None
        assert before["frames"] > 0, before
        await noah.by("share-screen").click()
        await expect(noah.by("share-screen")).to_have_attribute(
            "aria-pressed", "true", timeout=10_000
        )
        sent = await noah.page.evaluate(_SENT_VIDEO)
        assert sent is not None
        assert sent["surface"] == "monitor", sent
        await mira.page.wait_for_function(
            f"""async () => {{
                const now = await ({_INBOUND_VIDEO})();
                return !!now && now.frames > {before["frames"]}
                    && (now.width !== {before["width"]} || now.height !== {before["height"]});
            }}""",
            timeout=20_000,
        )
        await noah.by("share-screen").click()
        await expect(noah.by("share-screen")).to_have_attribute("aria-pressed", "false")

        # A word from the chat kept with the star (POST /v1/sessions/{id}/words).
        await mira.by("chat-toggle").click()
        await noah.by("chat-toggle").click()
        await mira.by("chat-input").fill("la sobremesa")
        await mira.by("chat-send").click()
        star = noah.by("chat-lines").locator('[data-testid^="keep-word-"]').last
        await expect(star).to_have_attribute("aria-pressed", "false", timeout=10_000)
        await star.click()
        await expect(star).to_have_attribute("aria-pressed", "true", timeout=10_000)

        # (b) Stop asks first: Escape keeps the call, Enter ends it; the partner is told who.
        partner_name = await mira.page.locator(".call-bar strong").inner_text()
        await noah.by("stop").click()
        dialog = noah.by("stop-confirm")
        await expect(dialog).to_be_visible()
        await expect(noah.by("stop-confirm-confirm")).to_be_focused()
        await noah.page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        await expect(noah.by("stop")).to_be_focused()
        await expect(noah.by("in-call")).to_be_visible()
        await noah.by("stop").click()
        await expect(noah.by("stop-confirm-confirm")).to_be_focused()
        await noah.page.keyboard.press("Enter")
        await expect(noah.by("summary")).to_contain_text(
            "You ended the conversation.", timeout=20_000
        )
        await expect(mira.by("summary")).to_contain_text(
            f"{partner_name} ended the conversation.", timeout=20_000
        )
        # After the call: how it went (private), then the kept word under My words.
        await noah.by("feedback-good").click()
        await expect(noah.by("feedback-thanks")).to_be_visible(timeout=10_000)
        await noah.by("back-home").click()
        await noah.by("nav-words").click()
        await expect(noah.by("words")).to_contain_text("la sobremesa", timeout=10_000)
    finally:
        await mira.context.close()
        await noah.context.close()
