"""A person's export shows their standing, never who acted on them: after a ban ends, the
export names no operator and carries no operator's note (they could name the reporters)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from services.devstack.provision import clients
from services.gateway.people.views import iso
from tests.conftest import Stack
from tests.integration.gateway.conftest import Gateway, new_user, running_gateway
from tests.unit.gateway.forge import JwksServer

OPERATOR = {"cognito:groups": ["operators"]}


@pytest.fixture(scope="module")
async def gw(gw_stack: Stack, jwks_server: JwksServer) -> AsyncIterator[Gateway]:
    idp = clients(gw_stack.endpoint_url, gw_stack.settings().aws_region, "cognito-idp")
    pool = idp.create_user_pool(PoolName=gw_stack.prefix)["UserPool"]["Id"]
    async with running_gateway(
        gw_stack, jwks_server, cognito_user_pool_id=pool, standing_recheck_s=0
    ) as gateway:
        yield gateway


async def test_the_export_after_a_lapsed_ban_names_no_operator_and_no_note(gw: Gateway) -> None:
    target, op = new_user("vic"), "moderator-jane"
    assert (await gw.call("GET", "/v1/me", target)).status == 200
    ends = datetime.now(UTC) + timedelta(seconds=3)
    body = {"userId": target, "reason": "spam in call with bob", "until": iso(ends)}
    done = await gw.call(
        "POST",
        "/v1/admin/bans",
        body=body,
        headers=gw.bearer(op, email="jane.doe@parley.example", **OPERATOR),
    )
    assert done.status == 200, done.body
    assert (await gw.call("GET", "/v1/me", target)).code == "banned"
    await asyncio.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.5)
    export = await gw.call("GET", "/v1/me/export", target)
    assert export.status == 200, export.body
    safety = export.body["tables"]["gateway-safety"]
    text = json.dumps(safety)
    assert "jane.doe@parley.example" not in text, "the banned person learns the operator's email"
    assert "spam in call with bob" not in text, "the operator's note reaches the banned person"
    assert any("banUntil" in item for item in safety)  # their own standing is theirs to see
    withheld = {w["table"] for w in export.body["withheld"]}
    assert "gateway-safety" in withheld
