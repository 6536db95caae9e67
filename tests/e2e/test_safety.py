"""Safe with strangers: report someone from the call screen (a dialog that takes the focus
and gives it back), and from then on neither sees the other online; the operator command
lists the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from playwright.async_api import Browser, expect

from services.devstack.local_iam import tool_credentials
from tests.e2e.browser import person
from tests.e2e.stack import ROOT, LocalStack, add_people


def _operator(stack: LocalStack, *args: str) -> list[dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "AWS_"))}
    env |= tool_credentials() | {
        "PARLEY_AWS_ENDPOINT_URL": stack.moto_url,
        "PARLEY_NAME_PREFIX": stack.env.get("PARLEY_NAME_PREFIX", "parley-dev"),
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = subprocess.run(
        [sys.executable, "-m", "services.gateway.safety.reports", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines()]


async def test_a_report_from_the_call_hides_both_and_reaches_the_operator(
    local_stack: LocalStack, browser: Browser
) -> None:
    add_people(local_stack, "grace", "heidi")
    grace, heidi = await person(browser, "grace"), await person(browser, "heidi")
    try:
        for p in (grace, heidi):
            await p.sign_in(local_stack.url)
            await p.devices_ready()
        row = grace.by("presence-list").locator("li", has_text="Heidi")
        await expect(row).to_be_visible(timeout=20_000)
        await row.get_by_role("button", name="Invite").click()
        await expect(heidi.by("invite-popup")).to_be_visible(timeout=20_000)
        await heidi.by("accept-invite").click()
        for p in (grace, heidi):
            await expect(p.by("in-call")).to_be_visible(timeout=30_000)

        await heidi.by("call-safety").click()
        await expect(heidi.by("safety-dialog")).to_be_visible()
        # Focus moved into the dialog...
        assert await heidi.page.evaluate(
            "() => document.querySelector('[data-testid=safety-dialog]')"
            ".contains(document.activeElement)"
        )
        await heidi.by("report-reason").select_option("abuse")
        await heidi.by("report-note").fill("Rude from the first word")
        await heidi.shot("12-call-report-dialog")
        await heidi.by("report").click()
        # Reporting the partner ends the call for both, at once: nobody has to press Stop
        # (and Grace's screen reads like an ordinary stop).
        for p in (grace, heidi):
            await expect(p.by("summary")).to_be_visible(timeout=30_000)
        for p in (grace, heidi):
            await p.by("back-home").click()
            await expect(p.by("presence-list")).to_be_attached()
        # Neither sees the other online any more (the list refreshes every 10 s).
        await heidi.page.reload()
        await grace.page.reload()
        await expect(grace.by("presence-list")).to_be_attached(timeout=20_000)
        await expect(grace.by("presence-list")).not_to_contain_text("Heidi", timeout=15_000)
        await expect(heidi.by("presence-list")).not_to_contain_text("Grace", timeout=15_000)
        # Heidi finds Grace in his blocked list.
        await heidi.by("nav-settings").click()
        await expect(heidi.by("blocked-list")).to_contain_text("Grace", timeout=15_000)

        reports = _operator(local_stack, "list", "--limit", "100")
        mine = [r for r in reports if r["note"] == "Rude from the first word"]
        assert len(mine) == 1, reports
        assert mine[0]["reason"] == "abuse"
        assert mine[0]["session_id"]
        assert mine[0]["status"] == "open"
    finally:
        await grace.context.close()
        await heidi.context.close()
