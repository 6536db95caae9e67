"""The ID-token verifier accepts exactly Cognito ID tokens for our client, and says why not."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from services.gateway.http.auth import (
    AuthError,
    Jwks,
    KeysUnavailable,
    TokenVerifier,
    identify,
)
from tests.unit.gateway.forge import Issuer, JwksServer, rsa_key


@pytest.fixture
async def keys() -> AsyncIterator[JwksServer]:
    server = await JwksServer(Issuer()).start()
    yield server
    await server.close()


def verifier(keys: JwksServer, **jwks: float) -> TokenVerifier:
    i = keys.issuer
    return TokenVerifier(issuer=i.issuer, client_id=i.client_id, jwks=Jwks(keys.url, **jwks))


async def test_a_cognito_id_token_names_the_person(keys: JwksServer) -> None:
    me = await verifier(keys).verify(keys.issuer.token("alice-1", name="Alice"))
    assert (me.user_id, me.email, me.name) == ("alice-1", "alice-1@example.com", "Alice")


async def test_a_real_boolean_email_verified_is_accepted_too(keys: JwksServer) -> None:
    me = await verifier(keys).verify(keys.issuer.token("bob-1", email_verified=True))
    assert me.user_id == "bob-1"


# Times are offsets from when the test runs, not from when the module was collected: a long
# suite reaches these tests many minutes after collecting them.
REJECTED = {
    "expired": ({"exp": -120, "iat": -3700}, "expired"),
    "not yet valid": ({"nbf": 600}, "not yet valid"),
    "issued in the future": ({"iat": 600}, "not yet valid|future"),
    "wrong issuer": ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/other"}, "issuer"),
    "wrong audience": ({"aud": "someone-elses-client"}, "another client"),
    "access token": (
        {"token_use": "access", "aud": None, "client_id": "parley-test-client"},
        "ID token is required",
    ),
    "email not verified": ({"email_verified": "false"}, "not verified"),
    "email_verified missing": ({"email_verified": None}, "not verified"),
    "no subject": ({"sub": ""}, "invalid"),
    "no expiry": ({"exp": None}, "invalid"),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
async def test_forged_or_unfit_tokens_are_refused_with_a_reason(
    keys: JwksServer, case: str
) -> None:
    claims, reason = REJECTED[case]
    now = int(time.time())
    timed = ("exp", "iat", "nbf")
    claims = {k: now + v if k in timed and v is not None else v for k, v in claims.items()}
    token = keys.issuer.token(claims.pop("sub", "mallory"), **claims)
    with pytest.raises(AuthError, match=reason):
        await verifier(keys).verify(token)


async def test_alg_none_is_refused_before_any_key_is_fetched(keys: JwksServer) -> None:
    with pytest.raises(AuthError, match="algorithm"):
        await verifier(keys).verify(keys.issuer.alg_none("mallory"))
    assert keys.hits == 0


async def test_hs256_signed_with_the_public_key_is_refused(keys: JwksServer) -> None:
    with pytest.raises(AuthError, match="algorithm"):
        await verifier(keys).verify(keys.issuer.hs256_with_public_key("mallory"))


async def test_a_signature_by_another_key_under_a_known_kid_is_refused(keys: JwksServer) -> None:
    keys.issuer.keys["impostor"] = rsa_key("impostor")
    token = keys.issuer.token("mallory", kid="test-key-1", key="impostor")
    with pytest.raises(AuthError, match="signature"):
        await verifier(keys).verify(token)


async def test_an_unknown_kid_is_refused_after_one_refresh(keys: JwksServer) -> None:
    keys.issuer.keys["unpublished"] = rsa_key("unpublished")
    token = keys.issuer.token("mallory", kid="unpublished")
    del keys.issuer.keys["unpublished"]
    v = verifier(keys)
    await v.verify(keys.issuer.token("alice"))
    with pytest.raises(AuthError, match="unknown key"):
        await v.verify(token)
    assert keys.hits == 1  # the refresh interval has not passed: no second fetch


async def test_garbage_and_oversized_tokens_are_refused_without_a_fetch(keys: JwksServer) -> None:
    v = verifier(keys)
    for token in ("not-a-jwt", "a.b.c", "x" * 20_000):
        with pytest.raises(AuthError):
            await v.verify(token)
    assert keys.hits == 0


async def test_a_rotated_key_is_picked_up_by_refetching_the_jwks(keys: JwksServer) -> None:
    v = verifier(keys, min_refresh_s=0.0)
    await v.verify(keys.issuer.token("alice"))
    keys.issuer.keys = {"test-key-2": rsa_key("second")}
    me = await v.verify(keys.issuer.token("alice", kid="test-key-2"))
    assert me.user_id == "alice"
    assert keys.hits == 2


async def test_a_flood_of_unknown_kids_fetches_the_jwks_at_most_once_per_interval(
    keys: JwksServer,
) -> None:
    keys.issuer.keys["unpublished"] = rsa_key("flood")
    forged = [keys.issuer.token(f"m{i}", kid="unpublished") for i in range(50)]
    del keys.issuer.keys["unpublished"]
    v = verifier(keys, min_refresh_s=60.0)
    results = await asyncio.gather(*(v.verify(t) for t in forged), return_exceptions=True)
    assert all(isinstance(r, AuthError) for r in results)
    assert keys.hits == 1


async def test_unreachable_keys_are_our_outage_and_are_retried_soon(keys: JwksServer) -> None:
    keys.down = True
    v = verifier(keys, retry_s=0.2)
    token = keys.issuer.token("alice")
    with pytest.raises(KeysUnavailable):
        await v.verify(token)
    keys.down = False
    # Within the retry pause it is still reported as our outage, never as a bad token.
    with pytest.raises(KeysUnavailable):
        await v.verify(token)
    await asyncio.sleep(0.25)
    assert (await v.verify(token)).user_id == "alice"


async def test_verified_tokens_are_cached_until_they_expire(keys: JwksServer) -> None:
    v = verifier(keys)
    token = keys.issuer.token("alice")
    first = await v.verify(token)
    keys.issuer.keys.clear()  # even if the keys vanished, the verified token stays good
    assert await v.verify(token) is first


async def test_warm_fetches_the_keys_ahead_and_reports_failure(keys: JwksServer) -> None:
    assert await Jwks(keys.url).warm() is True
    keys.down = True
    assert await Jwks(keys.url).warm() is False


@pytest.mark.parametrize(
    "header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "token abc"]
)
async def test_identify_wants_a_bearer_header(keys: JwksServer, header: str | None) -> None:
    with pytest.raises(AuthError):
        await identify(verifier(keys), header)


async def test_identify_accepts_any_case_of_bearer(keys: JwksServer) -> None:
    me = await identify(verifier(keys), "bearer " + keys.issuer.token("carol"))
    assert me.user_id == "carol"


async def test_a_key_removed_from_the_jwks_stops_verifying_within_its_time_to_live(
    keys: JwksServer,
) -> None:
    v = verifier(keys, ttl_s=0.4)
    token = keys.issuer.token("alice")
    assert (await v.verify(token)).user_id == "alice"  # verified and cached
    keys.issuer.keys = {"test-key-2": rsa_key("second")}  # the issuer drops the old key
    deadline = time.monotonic() + 0.4 + 0.3  # the time to live, plus scheduling slack
    refusal: AuthError | None = None
    while refusal is None and time.monotonic() < deadline:
        try:
            await v.verify(token)  # the cached token, too, must not outlive its key
        except AuthError as exc:
            refusal = exc
        await asyncio.sleep(0.02)
    assert refusal is not None, "a removed key still verified past the keys' time to live"
    assert "unknown key" in refusal.detail
    # A token signed with the new key verifies without waiting for anything.
    assert (await v.verify(keys.issuer.token("bob", kid="test-key-2"))).user_id == "bob"


async def test_keys_are_refetched_in_the_background_before_they_expire(keys: JwksServer) -> None:
    v = verifier(keys, ttl_s=0.4)
    token = keys.issuer.token("alice")
    await v.verify(token)
    await asyncio.sleep(0.25)  # past half the time to live
    await v.verify(token)  # answered from the cache at once; starts a refetch
    await asyncio.sleep(0.05)
    assert keys.hits == 2
    await asyncio.sleep(0.15)  # past the first fetch's time to live, not the second's
    keys.down = True
    assert (await v.verify(token)).user_id == "alice"  # no fetch needed: keys still fresh
    assert keys.hits == 2
    await v.jwks.close()


async def test_expired_keys_that_cannot_be_refetched_are_our_outage(keys: JwksServer) -> None:
    v = verifier(keys, ttl_s=0.2)
    token = keys.issuer.token("alice")
    await v.verify(token)
    keys.down = True
    await asyncio.sleep(0.25)
    with pytest.raises(KeysUnavailable):
        await v.verify(token)
    await v.jwks.close()
