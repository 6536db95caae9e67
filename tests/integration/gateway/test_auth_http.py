"""Over HTTP, every token that is not a fresh Cognito ID token for us gets 401 and a problem."""

from __future__ import annotations

import time

import pytest

from services.devstack.cognito import provision_user_pool, sign_in
from tests.conftest import Stack
from tests.integration.gateway.conftest import Gateway, new_user, running_gateway
from tests.unit.gateway.forge import JwksServer, rsa_key


def forged(gw: Gateway, case: str) -> str:
    i, now, who = gw.issuer, int(time.time()), new_user("mallory")
    if case == "expired":
        return i.token(who, exp=now - 120, iat=now - 3720)
    if case == "not yet valid":
        return i.token(who, nbf=now + 600)
    if case == "wrong issuer":
        return i.token(who, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")
    if case == "wrong audience":
        return i.token(who, aud="another-app-client")
    if case == "access token as ID token":
        return i.token(who, token_use="access", aud=None, client_id=i.client_id)
    if case == "alg none":
        return i.alg_none(who)
    if case == "HS256 signed with the public key":
        return i.hs256_with_public_key(who)
    if case == "unknown kid":
        i.keys["never-published"] = rsa_key("never-published")
        try:
            return i.token(who, kid="never-published")
        finally:
            del i.keys["never-published"]
    if case == "email not verified":
        return i.token(who, email_verified="false")
    if case == "email_verified missing":
        return i.token(who, email_verified=None)
    if case == "garbage":
        return "eyJhbGciOiJSUzI1NiJ9.bm9wZQ.c2ln"
    raise AssertionError(case)


CASES = [
    "expired",
    "not yet valid",
    "wrong issuer",
    "wrong audience",
    "access token as ID token",
    "alg none",
    "HS256 signed with the public key",
    "unknown kid",
    "email not verified",
    "email_verified missing",
    "garbage",
]


@pytest.mark.parametrize("case", CASES)
async def test_a_bad_token_is_refused_with_401_and_a_problem(gw: Gateway, case: str) -> None:
    answer = await gw.call("GET", "/v1/me", headers={"Authorization": f"Bearer {forged(gw, case)}"})
    assert answer.status == 401
    assert answer.code == "unauthorized"
    assert answer.body["type"] == "https://parley.dev/problems/unauthorized"
    assert "invalid_token" in answer.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", [None, "Basic YWxpY2U6c2VjcmV0", "Bearer"])
async def test_no_bearer_token_is_refused(gw: Gateway, header: str | None) -> None:
    answer = await gw.call("POST", "/v1/queue", headers={"Authorization": header} if header else {})
    assert answer.status == 401
    assert answer.code == "unauthorized"


async def test_sign_in_is_checked_before_the_body(gw: Gateway) -> None:
    answer = await gw.call(
        "POST", "/v1/queue", body={"unknown": 1}, headers={"Authorization": "Bearer x"}
    )
    assert answer.status == 401  # sign-in is checked before the body


async def test_a_demo_person_signed_in_on_the_embedded_cognito_is_let_in(
    gw_stack: Stack, jwks_server: JwksServer
) -> None:
    pool = provision_user_pool(gw_stack.endpoint_url, gw_stack.prefix, people=("alice",))
    overrides = {
        "cognito_user_pool_id": pool.pool_id,
        "cognito_client_id": pool.client_id,
        "cognito_issuer": pool.issuer,
        "cognito_jwks_url": pool.jwks_url,
    }
    async with running_gateway(gw_stack, jwks_server, **overrides) as gw:
        tokens = sign_in(pool, "alice")
        me = await gw.call(
            "GET", "/v1/me", headers={"Authorization": f"Bearer {tokens['IdToken']}"}
        )
        assert me.status == 200
        assert me.body["email"] == "alice@example.com"
        assert me.body["name"] == "Alice"
        # Cognito's access token is not an ID token.
        access = await gw.call(
            "GET", "/v1/me", headers={"Authorization": f"Bearer {tokens['AccessToken']}"}
        )
        assert access.status == 401


async def test_unreachable_signing_keys_are_a_503_not_a_401(
    gw_stack: Stack, jwks_server: JwksServer
) -> None:
    async with running_gateway(
        gw_stack, jwks_server, cognito_jwks_url="http://127.0.0.1:9/jwks.json"
    ) as gw:
        answer = await gw.call("GET", "/v1/me", new_user())
        assert answer.status == 503
        assert answer.code == "unavailable"
        assert answer.headers["Retry-After"] == "5"
