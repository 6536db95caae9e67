"""The operators' review page: three people report a fourth after talking with them, which
suspends that person; an operator (a member of the user pool's `operators` group) opens the
page from the header, sees the suspended person with the three reports (never who filed
them), bans them after confirming, and finds the ban in the audit log. Nobody else is offered
the page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from services.devstack.cognito import OPERATORS
from services.devstack.provision import clients
from services.gateway.people.views import iso
from services.runtime.dynamo import to_item
from tests.e2e.browser import accessibility_violations, person
from tests.e2e.stack import ROOT, LocalStack, add_people

SCREENSHOT = ROOT / "docs" / "screenshots" / "moderation.png"
NOTES = ("Shouted at me", "Insults from the first word", "Kept being rude")


def _auth(stack: LocalStack) -> dict[str, Any]:
    with urllib.request.urlopen(f"{stack.url}/v1/config", timeout=5) as resp:
        auth: dict[str, Any] = json.loads(resp.read())["auth"]
    return auth


def _token(stack: LocalStack, auth: dict[str, Any], name: str) -> str:
    idp = clients(stack.moto_url, auth["region"], "cognito-idp")
    result = idp.initiate_auth(
        ClientId=auth["clientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": "Parley-demo-1"},
    )["AuthenticationResult"]
    return str(result["IdToken"])


def _api(stack: LocalStack, token: str, method: str, path: str, body: Any = None) -> Any:
    """One call to the stack's gateway, as the SPA makes it."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{stack.url}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as resp:
        text = resp.read()
    return json.loads(text) if text else None


def _talked(stack: LocalStack, auth: dict[str, Any], a: str, b: str, sid: str) -> None:
    """A conversation of `a` and `b` that ended a minute ago, in the matcher's read model (what
    the report route checks: reports are only about someone one really talked with)."""
    now = datetime.now(UTC)
    prefix = stack.env.get("PARLEY_NAME_PREFIX", "parley-dev")
    item = {
        "sessionId": sid,
        "status": "ended",
        "participants": [
            {"userId": a, "holdId": f"h-{a}", "minutes": 10},
            {"userId": b, "holdId": f"h-{b}", "minutes": 10},
        ],
        "userIds": [a, b],
        "startsAt": iso(now - timedelta(minutes=11)),
        "endsAt": iso(now - timedelta(minutes=1)),
        "endedAt": iso(now - timedelta(minutes=1)),
        "mediaMode": "direct",
        "room": sid,
        "origin": "match",
    }
    dynamodb = clients(stack.moto_url, auth["region"], "dynamodb")
    dynamodb.put_item(TableName=f"{prefix}-matcher-sessions", Item=to_item(item))


async def test_an_operator_reviews_a_suspended_person_and_bans_them(
    local_stack: LocalStack, browser: Browser
) -> None:
    target, reporters, operator = "mallory", ("rita", "remy", "rosa"), "olga"
    add_people(local_stack, target, *reporters, operator)
    auth = _auth(local_stack)
    idp = clients(local_stack.moto_url, auth["region"], "cognito-idp")
    idp.admin_add_user_to_group(
        UserPoolId=auth["userPoolId"], Username=operator, GroupName=OPERATORS
    )
    tokens = {n: _token(local_stack, auth, n) for n in (target, *reporters)}
    ids = {n: _api(local_stack, t, "GET", "/v1/me")["userId"] for n, t in tokens.items()}
    for n, reporter in enumerate(reporters):
        sid = f"s-moderation-{n}-{ids[target][:8]}"
        _talked(local_stack, auth, ids[reporter], ids[target], sid)
        report = {"userId": ids[target], "reason": "abuse", "sessionId": sid, "note": NOTES[n]}
        _api(local_stack, tokens[reporter], "POST", "/v1/reports", report)

    # Someone who is not an operator is offered no review page, even at its address.
    rita = await person(browser, reporters[0])
    olga = await person(browser, operator)
    try:
        await rita.sign_in(local_stack.url)
        await expect(rita.by("nav-moderation")).to_have_count(0)
        await rita.page.goto(f"{local_stack.url}/#/moderation")
        await expect(rita.by("points-left")).to_be_visible(timeout=20_000)
        await expect(rita.by("moderation-page")).to_have_count(0)

        await olga.sign_in(local_stack.url)
        await olga.by("nav-moderation").click()
        row = olga.by("suspension").filter(has_text=ids[target])
        await expect(row).to_be_visible(timeout=20_000)
        await expect(row.locator("[data-testid=suspended-person]")).to_have_text(ids[target])
        reports = row.locator("[data-testid=case-reports] li")
        await expect(reports).to_have_count(3)
        for note in NOTES:
            await expect(row).to_contain_text(note)
        for reporter in reporters:  # who reported is never shown
            await expect(olga.by("moderation-page")).not_to_contain_text(ids[reporter])

        await expect(row.locator("[data-testid=ban]")).to_be_disabled()  # a reason first
        await row.locator("[data-testid=decision-reason]").fill("Abuse in three calls")
        until = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        await row.locator("[data-testid=ban-until]").fill(until)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await olga.page.screenshot(path=str(SCREENSHOT), full_page=True)
        bad = await accessibility_violations(olga.page)
        assert not bad, f"review page: accessibility violations {bad}"

        await row.locator("[data-testid=ban]").click()
        await expect(olga.by("decide")).to_be_visible()
        await expect(olga.by("decide")).to_contain_text("Abuse in three calls")
        bad = await accessibility_violations(olga.page)
        assert not bad, f"confirm dialog: accessibility violations {bad}"
        await olga.by("decide-confirm").click()

        await expect(olga.by("moderation-status")).to_contain_text(f"Banned {ids[target]}")
        await expect(olga.by("suspension").filter(has_text=ids[target])).to_have_count(0)
        audit = olga.by("audit-log").locator("tbody tr").filter(has_text="Abuse in three calls")
        await expect(audit).to_have_count(1, timeout=10_000)
        await expect(audit).to_contain_text("ban")
        await expect(audit).to_contain_text(f"operator:{operator}@example.com")
    finally:
        await rita.context.close()
        await olga.context.close()

    # The ban is real: the banned person's next request is refused.
    with pytest.raises(urllib.error.HTTPError) as refused:
        _api(local_stack, tokens[target], "GET", "/v1/me")
    assert refused.value.code == 403, refused.value.code
