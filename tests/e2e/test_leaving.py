"""Leaving from the settings page: "Download my data" saves the export as a JSON file, and
"Delete my account" asks for a typed confirmation, deletes, and signs the person out for good
(the same password no longer signs in). Each screen is checked with axe-core, and any CSP
violation fails the test."""

from __future__ import annotations

import json

from playwright.async_api import Browser, expect

from tests.e2e.browser import person
from tests.e2e.stack import LocalStack, add_people


async def test_download_my_data_then_delete_my_account(
    local_stack: LocalStack, browser: Browser
) -> None:
    add_people(local_stack, "ivan")
    ivan = await person(browser, "ivan")
    try:
        await ivan.sign_in(local_stack.url)
        await ivan.by("nav-settings").click()
        async with ivan.page.expect_download() as download_info:
            await ivan.by("export-data").click()
        download = await download_info.value
        assert download.suggested_filename.startswith("parley-my-data-")
        saved = json.loads((await download.path()).read_text())
        assert saved["userId"]
        assert saved["tables"]["gateway-profiles"][0]["userId"] == saved["userId"]
        await expect(ivan.by("export-note")).to_contain_text("Saved as")
        await ivan.shot("12-your-data")

        await ivan.by("delete-account").click()
        await expect(ivan.by("delete-dialog")).to_be_visible()
        await expect(ivan.by("delete-confirm-button")).to_be_disabled()
        await ivan.shot("13-delete-account")
        await ivan.by("delete-confirm").fill("delete")
        await ivan.by("delete-confirm-button").click()
        await expect(ivan.by("sign-in")).to_be_visible(timeout=20_000)

        await ivan.by("username").fill("ivan")
        await ivan.by("password").fill("Parley-demo-1")
        await ivan.by("sign-in").click()
        await expect(ivan.by("refusal")).to_be_visible(timeout=20_000)
    finally:
        await ivan.context.close()
