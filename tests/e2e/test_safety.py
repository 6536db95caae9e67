"""Safe with strangers: report someone from the call screen (a dialog that takes the focus
and gives it back), and from then on neither sees the other online; the operator command
lists the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from playwright.async_api import Browser, expect

from services.devstack.embedded_aws import DUMMY_CREDENTIALS
from tests.e2e.browser import Person, person
from tests.e2e.stack import ROOT, LocalStack, add_people


def _operator(stack: LocalStack, *args: str) -> list[dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "AWS_"))}
    env |= DUMMY_CREDENTIALS | {
        "PARLEY_AWS_ENDPOINT_URL": stack.moto_url,
        "PARLEY_NAME_PREFIX": stack.env.get("PARLEY_NAME_PREFIX", "parley-dev"),
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = subprocess.run(
        [sys.executable, "-m", "services.gateway.reports", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines()]


async def _focused_testid(p: Person) -> str | None:
    return await p.page.evaluate(
        "() => document.activeElement && document.activeElement.closest('[data-testid]')"
        "?.getAttribute('data-testid')"
    )


async def test_a_report_from_the_call_hides_both_and_reaches_the_operator(
    local_stack: LocalStack, browser: Browser
) -> None:
    add_people(local_stack, "erin", "frank")
    erin, frank = await person(browser, "erin"), await person(browser, "frank")
    try:
        for p in (erin, frank):
            await p.sign_in(local_stack.url)
            await p.devices_ready()
        row = erin.by("presence-list").locator("li", has_text="Frank")
        await expect(row).to_be_visible(timeout=20_000)
        await row.get_by_role("button", name="Invite").click()
        await expect(frank.by("invite-popup")).to_be_visible(timeout=20_000)
        await frank.by("accept-invite").click()
        for p in (erin, frank):
            await expect(p.by("in-call")).to_be_visible(timeout=30_000)

        await frank.by("call-safety").click()
        await expect(frank.by("safety-dialog")).to_be_visible()
        # Focus moved into the dialog...
        assert await frank.page.evaluate(
            "() => document.querySelector('[data-testid=safety-dialog]')"
            ".contains(document.activeElement)"
        )
        await frank.by("report-reason").select_option("abuse")
        await frank.by("report-note").fill("Rude from the first word")
        await frank.shot("12-call-report-dialog")
        await frank.by("report").click()
        await expect(frank.by("reported")).to_be_visible(timeout=20_000)
        await frank.page.keyboard.press("Escape")
        await expect(frank.by("safety-dialog")).to_be_hidden()
        # ...and back to the button that opened it.
        assert await _focused_testid(frank) == "call-safety"

        await frank.by("stop").click()
        for p in (erin, frank):
            await expect(p.by("summary")).to_be_visible(timeout=30_000)
            await p.by("back-home").click()
            await expect(p.by("presence-list")).to_be_attached()
        # Neither sees the other online any more (the list refreshes every 10 s).
        await frank.page.reload()
        await erin.page.reload()
        await expect(erin.by("presence-list")).to_be_attached(timeout=20_000)
        await expect(erin.by("presence-list")).not_to_contain_text("Frank", timeout=15_000)
        await expect(frank.by("presence-list")).not_to_contain_text("Erin", timeout=15_000)
        # Frank finds Erin in his blocked list.
        await frank.by("nav-settings").click()
        await expect(frank.by("blocked-list")).to_contain_text("Erin", timeout=15_000)

        reports = _operator(local_stack, "list", "--limit", "100")
        mine = [r for r in reports if r["note"] == "Rude from the first word"]
        assert len(mine) == 1, reports
        assert mine[0]["reason"] == "abuse"
        assert mine[0]["session_id"]
        assert mine[0]["status"] == "open"
    finally:
        await erin.context.close()
        await frank.context.close()
