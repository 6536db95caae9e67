"""Every screen in the person's language: two people whose browsers say Arabic, then two whose
browsers say Japanese (Playwright's `locale=`, which sets `navigator.languages`), walk home,
settings and a call. Arabic is laid out right to left (`<html dir="rtl">`), nothing on the
main screens is wider than its box, and axe-core finds nothing serious; the screenshots are
the README's (docs/screenshots/). A person whose browser says Spanish rates their level in
each language they practise, each level described in Spanish, and finds it kept after a
reload."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.e2e import csp
from tests.e2e.browser import PASSWORD, Person, accessibility_violations
from tests.e2e.stack import ROOT, LocalStack, add_people

DOCS = ROOT / "docs" / "screenshots"
CALL_TIMEOUT_MS = 30_000

# The containers a person reads: none may hide content behind a sideways scroll.
_OVERFLOWING = """() => [...document.querySelectorAll(
        'body, .app, header.top, nav.tabs, main, .card, .call-bar, .controls, .stage')]
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.tagName}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}`)"""


async def _person(browser: Browser, name: str, locale: str, *, phone: bool = False) -> Person:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    context = await browser.new_context(viewport=viewport, locale=locale)  # type: ignore[arg-type]
    await context.grant_permissions(["camera", "microphone"])
    await csp.watch(context)
    return Person(name, context, await context.new_page())


async def _check_screen(p: Person, shot: str | None = None) -> None:
    """Nothing clipped sideways, axe-clean; kept as a README screenshot when named."""
    overflowing = await p.page.evaluate(_OVERFLOWING)
    assert not overflowing, f"{p.name}: wider than its box: {overflowing}"
    if shot:
        await p.page.screenshot(path=str(DOCS / f"{shot}.png"), full_page=False)
    bad = await accessibility_violations(p.page)
    assert not bad, f"{p.name}: accessibility violations {bad}"


async def _walk(
    stack: LocalStack,
    browser: Browser,
    locale: str,
    names: tuple[str, str],
    words: dict[str, str],
) -> None:
    add_people(stack, *names)
    host, guest = (
        await _person(browser, names[0], locale),
        await _person(browser, names[1], locale, phone=True),
    )
    prefix = locale.split("-")[0]
    try:
        for p in (host, guest):
            await p.sign_in(stack.url)
            html = p.page.locator("html")
            await expect(html).to_have_attribute("lang", locale)
            await expect(html).to_have_attribute("dir", words["dir"])
            await p.devices_ready()
        await expect(host.by("join")).to_have_text(words["join"])
        await _check_screen(guest)
        await _check_screen(host, f"{prefix}-home")

        # Settings: the languages are named in the person's language, the picker in each
        # language's own words.
        await host.by("nav-settings").click()
        await expect(host.by("speaks-pt")).to_have_text(words["portuguese"])
        picker = host.by("ui-language")
        await expect(picker).to_have_value(locale)
        await expect(picker.locator("option[value=de]")).to_have_text("Deutsch")
        await _check_screen(host)
        await host.by("nav-talk").click()

        row = host.by("presence-list").locator("li", has_text=names[1].capitalize())
        await expect(row).to_be_visible(timeout=20_000)
        await row.get_by_role("button").click()
        await expect(guest.by("invite-popup")).to_contain_text(words["invited"], timeout=20_000)
        await guest.by("accept-invite").click()
        for p in (host, guest):
            await expect(p.by("in-call")).to_be_visible(timeout=CALL_TIMEOUT_MS)
        await expect(host.by("quality")).to_be_visible(timeout=20_000)
        await expect(host.by("in-call")).to_contain_text(words["talking"])
        await _check_screen(guest)
        await _check_screen(host, f"{prefix}-call")

        await host.stop()
        for p in (host, guest):
            await expect(p.by("summary")).to_be_visible(timeout=CALL_TIMEOUT_MS)
            await expect(p.by("summary").get_by_role("heading", level=1)).to_have_text(
                words["over"]
            )
        await _check_screen(guest)
    finally:
        for p in (host, guest):
            await p.context.close()


async def test_arabic_screens_run_right_to_left(local_stack: LocalStack, browser: Browser) -> None:
    await _walk(
        local_stack,
        browser,
        "ar",
        ("layla", "omar"),
        {
            "dir": "rtl",
            "join": "انضم، تحدّث مع شخص الآن",
            "portuguese": "البرتغالية",
            "invited": "يودّ Layla التحدث معك.",
            "talking": "تتحدث مع",
            "over": "انتهت المحادثة",
        },
    )


async def test_japanese_screens(local_stack: LocalStack, browser: Browser) -> None:
    await _walk(
        local_stack,
        browser,
        "ja",
        ("yuki", "kenji"),
        {
            "dir": "ltr",
            "join": "参加 — 今すぐだれかと話す",
            "portuguese": "ポルトガル語",
            "invited": "Yukiさんがあなたと話したがっています。",
            "talking": "さんと会話中",
            "over": "会話が終わりました",
        },
    )


async def _settings_after_reload(p: Person) -> None:
    """Reloads Settings (its own address): what it shows comes from the server again."""
    await p.page.reload()
    await expect(p.by("settings-page")).to_be_visible(timeout=20_000)
    await expect(p.by("display-name")).to_have_value(p.name.capitalize(), timeout=20_000)


async def test_a_level_set_in_settings_is_described_in_my_language_and_kept(
    local_stack: LocalStack, browser: Browser
) -> None:
    add_people(local_stack, "lucia")
    lucia = await _person(browser, "lucia", "es")
    try:
        await lucia.page.goto(local_stack.url)
        await lucia.by("username").fill(lucia.name)
        await lucia.by("password").fill(PASSWORD)
        await lucia.by("sign-in").click()
        await expect(lucia.by("first-step")).to_be_visible(timeout=20_000)
        await lucia.choose_languages(speaks=("es",), learns=("de",))
        await expect(lucia.by("points-left")).to_be_visible(timeout=20_000)

        await lucia.by("nav-settings").click()
        # One picker per language practised, named by its label, each level in one line.
        german = lucia.page.get_by_role("combobox", name="Tu nivel de alemán")
        await expect(german).to_have_value("")
        await expect(german.locator("option[value=A1]")).to_have_text(
            "A1 — Conozco algunas palabras y frases"
        )
        await expect(german.locator("option[value=C2]")).to_have_text(
            "C2 — Entiendo prácticamente todo"
        )
        await german.select_option("B1")
        await lucia.by("learns-ja").click()
        await lucia.by("level-ja").focus()  # reachable by keyboard, and set by it
        for _ in range(2):
            await lucia.page.keyboard.press("ArrowDown")
        await expect(lucia.by("level-ja")).to_have_value("A2")
        welcome = lucia.page.get_by_role(
            "combobox", name="El nivel más bajo de los estudiantes a los que me gusta ayudar"
        )
        await expect(welcome).to_have_value("A1")
        await welcome.select_option("B2")
        await lucia.by("save-preferences").click()
        await expect(lucia.by("settings-page")).to_contain_text("Guardado.")
        await _check_screen(lucia, "es-levels")

        await _settings_after_reload(lucia)
        await expect(lucia.by("level-de")).to_have_value("B1")
        await expect(lucia.by("level-ja")).to_have_value("A2")
        await expect(lucia.by("welcomes-from")).to_have_value("B2")

        # No longer practising Japanese: its level goes with it, and the rest stays.
        await lucia.by("learns-ja").click()
        await expect(lucia.by("level-ja")).to_have_count(0)
        await lucia.by("save-preferences").click()
        await expect(lucia.by("settings-page")).to_contain_text("Guardado.")
        await _settings_after_reload(lucia)
        await expect(lucia.by("level-de")).to_have_value("B1")
        await expect(lucia.by("welcomes-from")).to_have_value("B2")
        await lucia.by("learns-ja").click()
        await expect(lucia.by("level-ja")).to_have_value("")
    finally:
        await lucia.context.close()
