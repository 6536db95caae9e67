"""`DELETE /v1/me` on the gateway: refused while something is live; otherwise the gateway's
own tables lose the person, reports keep the pseudonym, `user.erased` reaches every owner,
and the person's tokens are refused here and by any other gateway task (the marker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from services.devstack.provision import clients
from services.gateway.people.erasure import ErasedMarkers, pseudonym
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.gateway.conftest import Gateway, about, new_user, running_gateway
from tests.integration.gateway.test_reads_http import at, live_session
from tests.unit.gateway.forge import JwksServer


def _idp(stack: Stack) -> Any:
    return clients(stack.endpoint_url, stack.settings().aws_region, "cognito-idp")


@pytest.fixture(scope="module")
async def gw(gw_stack: Stack, jwks_server: JwksServer) -> AsyncIterator[Gateway]:
    """The gateway with a user pool in the embedded Cognito (test people have their id as
    username, as the test issuer's tokens say)."""
    pool = _idp(gw_stack).create_user_pool(PoolName=gw_stack.prefix)["UserPool"]["Id"]
    async with running_gateway(gw_stack, jwks_server, cognito_user_pool_id=pool) as gateway:
        yield gateway


async def test_refused_while_talking_or_invited_and_nothing_is_erased(gw: Gateway) -> None:
    me, other = new_user("ana"), new_user("ben")
    await gw.call("PUT", "/v1/me/preferences", me, body={"speaks": ["en"], "learns": []})
    await gw.put("matcher-people", {"userId": me, "state": "in_session", "sessionId": "s-1"})
    answer = await gw.call("DELETE", "/v1/me", me)
    assert (answer.status, answer.code) == (409, "account-busy")
    await gw.put("matcher-people", {"userId": me, "state": "free"})
    invite = {"inviteId": new_user("i"), "fromUserId": other, "toUserId": me}
    await gw.put("matcher-invites", {**invite, "status": "pending", "expiresAtIso": at(40)})
    answer = await gw.call("DELETE", "/v1/me", me)
    assert (answer.status, answer.code) == (409, "account-busy")
    assert (await gw.call("GET", "/v1/me", me)).status == 200
    assert (await gw.call("GET", "/v1/me/export", me)).body["tables"]["gateway-profiles"]


async def test_delete_erases_my_rows_keeps_reports_pseudonymous_and_refuses_my_token(
    gw: Gateway, gw_stack: Stack
) -> None:
    me, other = new_user("cy"), new_user("di")
    idp, pool = _idp(gw_stack), gw.settings.cognito_user_pool_id
    idp.admin_create_user(UserPoolId=pool, Username=me)
    await gw.call("PUT", "/v1/me/preferences", me, body={"speaks": ["en"], "learns": ["es"]})
    assert (await gw.call("POST", "/v1/blocks", me, body={"userId": other})).status < 300
    sid = new_user("s")  # a report is about a conversation the two had
    await gw.put("matcher-sessions", live_session(sid, me, other, status="ended", endedAt=at(-60)))
    report = {"userId": me, "reason": "spam", "sessionId": sid}
    assert (await gw.call("POST", "/v1/reports", other, body=report)).status < 300
    answer = await gw.call("DELETE", "/v1/me", me)
    assert answer.status == 202, answer.body
    pseudo = answer.body["pseudonym"]
    assert pseudo == pseudonym(gw.settings.pseudonym_key or b"", me)
    # Signed out everywhere and gone from the user pool.
    with pytest.raises(ClientError) as gone:
        idp.admin_get_user(UserPoolId=pool, Username=me)
    assert gone.value.response["Error"]["Code"] == "UserNotFoundException"
    for logical, key in (
        ("gateway-profiles", {"userId": me}),
        ("gateway-blocks", {"userId": me, "otherUserId": other}),
        ("gateway-blocks", {"userId": other, "otherUserId": me}),
    ):
        resp = await gw.aws.dynamodb.get_item(
            TableName=gw.aws.table(logical),
            Key={k: {"S": v} for k, v in key.items()},
            ConsistentRead=True,
        )
        assert "Item" not in resp, (logical, key)
    reports = await gw.aws.dynamodb.query(
        TableName=gw.aws.table("gateway-reports"),
        IndexName="byReported",
        KeyConditionExpression="reportedUserId = :p",
        ExpressionAttributeValues={":p": {"S": pseudo}},
    )
    assert len(reports["Items"]) == 1
    assert reports["Items"][0]["reporterId"] == {"S": other}
    # Every owner is told, with the pseudonym to put in place of the id.
    for service in (Service.MATCHER, Service.LEDGER, Service.NOTIFIER):
        (erased,) = await gw.published(
            service, lambda m: m["type"] == "user.erased" and about(me)(m)
        )
        assert erased["payload"]["pseudonym"] == pseudo
    # The token is refused here, and by a gateway task that never saw the deletion.
    for path in ("/v1/me", "/v1/me/export"):
        refused = await gw.call("GET", path, me)
        assert (refused.status, refused.code) == (401, "account-deleted")
    assert await ErasedMarkers(gw.aws, gw.settings).erased(me)
    assert not await ErasedMarkers(gw.aws, gw.settings).erased(other)
    assert (await gw.call("GET", "/v1/me", other)).status == 200


async def test_a_failure_part_way_leaves_the_person_free_to_retry(
    gw_stack: Stack, jwks_server: JwksServer
) -> None:
    # A user pool that does not exist: the sign-out step fails after the tables were erased.
    async with running_gateway(gw_stack, jwks_server, cognito_user_pool_id="us-east-1_Gone") as g:
        me = new_user("fay")
        await g.call("PUT", "/v1/me/preferences", me, body={"speaks": ["en"], "learns": []})
        failed = await g.call("DELETE", "/v1/me", me)
        assert (failed.status, failed.code) == (500, "internal")
        assert not await ErasedMarkers(g.aws, g.settings).erased(me)
        assert (await g.call("GET", "/v1/me", me)).status == 200
