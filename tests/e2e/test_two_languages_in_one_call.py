"""Two languages in one call: a browser that says Spanish (es-ES) and one that says Japanese
(ja-JP) sign in two people who each learn the other's language, and Join matches them. Each
screen speaks its own person's language (the words of the served page are those of the
es / ja catalogues, `<html lang>` says so, and no English is left); both see the same prompt,
in the session's language (one of that language's prompts in the matcher's data file); when
one presses "Another topic" in their own words, the other has the same new prompt within 1 s
of the click (timed inside the browser, from the click to the other's page changing); and
after the call each is asked how it went in their own language and their answer is taken.
The two call screens are kept as docs/screenshots/es-ja-call-{es,ja}.png."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from playwright.async_api import Browser, expect

from tests.e2e import csp
from tests.e2e.browser import PASSWORD, Person, accessibility_violations
from tests.e2e.stack import ROOT, LocalStack, add_people

DOCS = ROOT / "docs" / "screenshots"
MESSAGES = ROOT / "frontend" / "src" / "i18n" / "messages"
PROMPTS = ROOT / "services" / "matcher" / "prompts"
WAIT_MS = 30_000  # the shared machine is slow: generous everywhere but the promise itself
TOPIC_PROMISE_S = 1.0  # "Another topic" reaches the partner's screen within a second

# Watches the partner's page for the prompt to change and notes when (the page's own clock:
# both pages run in one browser on one machine, so their Date.now() agree).
_WATCH_TOPIC = """(shown) => {
    window.__topicSeen = null;
    const look = () => {
        const el = document.querySelector('[data-testid="topic-text"]');
        if (window.__topicSeen === null && el && el.textContent !== shown) {
            window.__topicSeen = { at: Date.now(), text: el.textContent };
            watcher.disconnect();
        }
    };
    const watcher = new MutationObserver(look);
    watcher.observe(document.body, { subtree: true, childList: true, characterData: true });
}"""
# Notes when the presser's click on "Another topic" happens (capture: before React sees it).
_WATCH_CLICK = """() => {
    window.__topicClicked = null;
    document.addEventListener('click', (e) => {
        if (window.__topicClicked === null
            && e.target.closest('[data-testid="another-topic"]')) {
            window.__topicClicked = Date.now();
        }
    }, { capture: true });
}"""


def _catalogue(ui: str) -> dict[str, str]:
    words: dict[str, str] = json.loads((MESSAGES / f"{ui}.json").read_text(encoding="utf-8"))
    return words


def _prompts(language: str) -> set[str]:
    """Every prompt text of one language, as its data file lists them."""
    doc = json.loads((PROMPTS / f"{language}.json").read_text(encoding="utf-8"))
    assert doc["language"] == language
    return {entry["text"] for band in doc["bands"].values() for entry in band}


@dataclass(eq=False)
class Side:
    person: Person
    locale: str  # what the browser says
    ui: str  # the catalogue its screens should speak
    speaks: str
    learns: str

    @property
    def words(self) -> dict[str, str]:
        return _catalogue(self.ui)

    @property
    def display_name(self) -> str:
        return self.person.name.capitalize()


async def _side(
    browser: Browser, name: str, locale: str, ui: str, speaks: str, learns: str, *, phone: bool
) -> Side:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    context = await browser.new_context(viewport=viewport, locale=locale)  # type: ignore[arg-type]
    await context.grant_permissions(["camera", "microphone"])
    await csp.watch(context)
    return Side(Person(name, context, await context.new_page()), locale, ui, speaks, learns)


async def _sign_in_and_join(s: Side, url: str) -> None:
    """Signs in on a first visit, says which language they speak and which they learn (a
    tandem with the other side: matched at once), and waits on Home, devices ready."""
    p = s.person
    await p.page.goto(url)
    assert await p.page.evaluate("() => navigator.language") == s.locale
    await expect(p.page.locator("html")).to_have_attribute("lang", s.ui)
    await p.by("username").fill(p.name)
    await p.by("password").fill(PASSWORD)
    await p.by("sign-in").click()
    await expect(p.by("first-step")).to_be_visible(timeout=WAIT_MS)
    await p.choose_languages(speaks=(s.speaks,), learns=(s.learns,))
    await expect(p.by("points-left")).to_be_visible(timeout=WAIT_MS)
    await p.devices_ready()
    await expect(p.by("join")).to_have_text(s.words["home.join"])


async def _speaks_own_language_in_call(s: Side, partner: Side) -> None:
    p, w = s.person, s.words
    await expect(p.page.locator("html")).to_have_attribute("lang", s.ui)
    heading = w["call.heading"].replace("{name}", partner.display_name)
    await expect(p.page.get_by_role("heading", level=1)).to_have_text(heading)
    await expect(p.page.locator("#topic-title")).to_have_text(w["call.topic"])
    await expect(p.by("another-topic")).to_have_text(w["call.anotherTopic"])
    await expect(p.by("stop")).to_contain_text(w["call.stop"])
    english = _catalogue("en")
    for key in ("call.topic", "call.anotherTopic", "call.stop"):
        await expect(p.by("in-call")).not_to_contain_text(english[key])


async def _photograph(s: Side) -> None:
    await s.person.page.screenshot(path=str(DOCS / f"es-ja-call-{s.ui}.png"))
    bad = await accessibility_violations(s.person.page)
    assert not bad, f"{s.ui} call screen: accessibility violations {bad}"


async def _another_topic(presser: Side, other: Side, language: str) -> tuple[str, float, float]:
    """The presser asks for another topic by its label in their language; returns the new
    prompt, the delay timed in the browser (click → other page changed) and, as a looser upper
    bound, the same seen from the test."""
    shown = await other.person.by("topic-text").inner_text()
    await expect(presser.person.by("topic-text")).to_have_text(shown)
    await other.person.page.evaluate(_WATCH_TOPIC, shown)
    await presser.person.page.evaluate(_WATCH_CLICK)
    button = presser.person.page.get_by_role("button", name=presser.words["call.anotherTopic"])
    await expect(button).to_be_enabled(timeout=WAIT_MS)
    started = time.monotonic()
    await button.click()
    await other.person.page.wait_for_function("() => window.__topicSeen !== null", timeout=WAIT_MS)
    seen_by_test = time.monotonic() - started
    seen = await other.person.page.evaluate("() => window.__topicSeen")
    clicked = await presser.person.page.evaluate("() => window.__topicClicked")
    assert clicked is not None, "the click on Another topic was not seen"
    delay = (seen["at"] - clicked) / 1000
    new = str(seen["text"])
    assert new != shown
    assert new in _prompts(language), f"{new!r} is not one of the {language} prompts"
    await expect(presser.person.by("topic-text")).to_have_text(new, timeout=WAIT_MS)
    await expect(other.person.by("topic-text")).to_have_text(new)
    assert delay < TOPIC_PROMISE_S, (
        f"{other.ui} saw {presser.ui}'s new topic {delay:.3f} s after the click"
    )
    return new, delay, seen_by_test


async def test_a_spanish_and_a_japanese_browser_share_one_call_each_in_their_language(
    local_stack: LocalStack, browser: Browser
) -> None:
    add_people(local_stack, "carmen", "haruto")
    es = await _side(browser, "carmen", "es-ES", "es", speaks="es", learns="ja", phone=False)
    ja = await _side(browser, "haruto", "ja-JP", "ja", speaks="ja", learns="es", phone=True)
    sides = (es, ja)
    try:
        for s in sides:
            await _sign_in_and_join(s, local_stack.url)
        for s in sides:
            await s.person.by("join").click()
        for s in sides:
            await expect(s.person.by("in-call")).to_be_visible(timeout=WAIT_MS)
        for s in sides:
            await s.person.connection_reported()
            await expect(s.person.by("quality")).to_be_visible(timeout=WAIT_MS)

        # Each screen in its own person's words.
        await _speaks_own_language_in_call(es, ja)
        await _speaks_own_language_in_call(ja, es)

        # The same prompt on both, in the session's language: a tandem practises one of its two
        # languages, said by the prompt's `lang`, and the text is one of that language's prompts.
        await expect(es.person.by("topic-text")).to_be_visible(timeout=WAIT_MS)
        first = await es.person.by("topic-text").inner_text()
        await expect(ja.person.by("topic-text")).to_have_text(first, timeout=WAIT_MS)
        language = await es.person.by("topic-text").get_attribute("lang")
        assert language in ("es", "ja"), f"the session's language is {language!r}"
        await expect(ja.person.by("topic-text")).to_have_attribute("lang", language)
        assert first in _prompts(language), f"{first!r} is not one of the {language} prompts"
        for s in sides:
            await _photograph(s)

        # "Otro tema" from Spain reaches Japan within a second, and "別の話題" the other way.
        second, es_to_ja, es_to_ja_test = await _another_topic(es, ja, language)
        third, ja_to_es, ja_to_es_test = await _another_topic(ja, es, language)
        assert len({first, second, third}) == 3
        print(
            f"Another topic, click → partner's screen: es→ja {es_to_ja:.3f} s "
            f"(test saw {es_to_ja_test:.3f} s), ja→es {ja_to_es:.3f} s "
            f"(test saw {ja_to_es_test:.3f} s); session language {language}"
        )

        # The Spanish side ends it; each is told, and asked how it went, in their own words.
        await es.person.by("stop").click()
        await es.person.page.get_by_role("button", name=es.words["stop.confirm"]).click()
        told = {
            es: es.words["end.stoppedByMe"],
            ja: ja.words["end.stoppedBy"].replace("{name}", es.display_name),
        }
        for s in sides:
            summary, w = s.person.by("summary"), s.words
            await expect(summary).to_be_visible(timeout=WAIT_MS)
            await expect(summary.get_by_role("heading", level=1)).to_have_text(w["summary.title"])
            await expect(summary).to_contain_text(told[s])
            await expect(s.person.by("feedback")).to_be_visible(timeout=WAIT_MS)
            await expect(s.person.page.locator("#feedback-title")).to_have_text(w["feedback.title"])
            await expect(s.person.by("feedback-good")).to_have_text(w["feedback.good"])
            await expect(s.person.by("feedback-not-for-me")).to_have_text(w["feedback.notForMe"])
            await expect(summary).not_to_contain_text(_catalogue("en")["feedback.good"])
        # Each taps an answer by its label in their language, and it is taken.
        choices = {es: "feedback.good", ja: "feedback.notForMe"}
        for s in sides:
            await s.person.page.get_by_role("button", name=s.words[choices[s]]).click()
        for s in sides:
            await expect(s.person.by("feedback-thanks")).to_have_text(
                s.words["feedback.thanks"], timeout=WAIT_MS
            )
    finally:
        for s in sides:
            await s.person.context.close()
