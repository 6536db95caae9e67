"""Verifying Cognito ID tokens locally: RS256 only, keys from a cached JWKS.

Checks the signature, `iss`, `token_use == "id"`, `aud` (the app client), `exp`/`nbf`/`iat`
with a small leeway, and a verified email. The issuer and the JWKS URL are separate settings:
the embedded Cognito serves its keys at a local URL while signing with the AWS issuer.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
import structlog

ALGORITHMS = ["RS256"]
# Cognito ID tokens are 1-2 kB; anything far bigger is not one (and costs to parse).
MAX_TOKEN_CHARS = 8192
_SUB = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
_log = structlog.get_logger()


class AuthError(Exception):
    """The token is not acceptable; `detail` says why (safe to show the caller)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class KeysUnavailable(AuthError):
    """The issuer's keys could not be fetched: our problem (503), not the caller's (401)."""


@dataclass(frozen=True)
class Identity:
    user_id: str  # the Cognito `sub`
    email: str
    name: str
    expires_at: int
    # The user pool's username (`cognito:username`): what Cognito's admin calls name.
    username: str = ""
    # The identity provider's given name (Google's `given_name`), when the token carries it.
    given_name: str = ""
    # Who the person is at their identity provider (`Google:<id>` from the `identities`
    # claim of a federated sign-in; empty otherwise): it outlives the Cognito user.
    provider_subject: str = ""
    # The user pool groups the person is in (`cognito:groups`), e.g. `operators`.
    groups: tuple[str, ...] = ()


class Jwks:
    """The issuer's public keys by `kid`, with a time to live.

    Keys are trusted for `ttl_s` after the fetch that listed them: past half of it a lookup
    starts a refetch in the background (nobody waits), and past all of it the keys are not
    used until a fetch succeeds, so a key the issuer removed stops verifying within `ttl_s`.
    An unknown `kid` also triggers a refetch, at most every `min_refresh_s` (so forged kids
    cannot make us hammer the issuer); a failed fetch may be retried after `retry_s`, so a
    brief outage at start does not lock everyone out for the whole refresh interval.
    """

    def __init__(
        self,
        url: str,
        *,
        ttl_s: float = 600.0,
        min_refresh_s: float = 30.0,
        retry_s: float = 1.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.url = url
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._failed_at = float("-inf")
        self.ttl_s = ttl_s
        self._min_refresh_s = min(min_refresh_s, ttl_s)
        self._retry_s = retry_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self.fetches = 0

    def fresh(self, kid: str) -> jwt.PyJWK | None:
        """The key if it is known and within its time to live (no I/O; may start a refetch)."""
        age = time.monotonic() - self._fetched_at
        if age >= self.ttl_s:
            return None
        if age >= self.ttl_s / 2:
            self._refresh_in_background()
        return self._keys.get(kid)

    async def key(self, kid: str) -> jwt.PyJWK:
        if (known := self.fresh(kid)) is not None:
            return known
        async with self._lock:
            now = time.monotonic()
            if now - self._fetched_at >= self.ttl_s:
                # Expired keys are never used: fetch now, or report our outage.
                if now - self._failed_at < self._retry_s:
                    raise KeysUnavailable("signing keys unavailable (retrying shortly)")
                await self._fetch()
            elif kid not in self._keys:
                if self._may_fetch():
                    await self._fetch()
                elif self._failed_at > self._fetched_at:
                    # The last fetch failed moments ago: still our outage, not a bad token.
                    raise KeysUnavailable("signing keys unavailable (retrying shortly)")
        if kid not in self._keys:
            raise AuthError("token signed with an unknown key")
        return self._keys[kid]

    async def warm(self) -> bool:
        """Fetch the keys ahead of the first request; False (and no exception) if it failed."""
        try:
            async with self._lock:
                if not self._keys:
                    await self._fetch()
        except KeysUnavailable:
            return False
        return True

    async def close(self) -> None:
        """Stop a background refetch still under way."""
        task, self._background = self._background, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _refresh_in_background(self) -> None:
        if self._background is not None and not self._background.done():
            return
        if time.monotonic() - self._failed_at < self._retry_s:
            return
        self._background = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        try:
            async with self._lock:
                if time.monotonic() - self._fetched_at >= self.ttl_s / 2:
                    await self._fetch()
        except KeysUnavailable as exc:
            # The keys still have half their life: later lookups try again after `retry_s`.
            _log.warning("auth.keys_refresh_failed", url=self.url, detail=exc.detail)

    def _may_fetch(self) -> bool:
        now = time.monotonic()
        return (
            now - self._fetched_at >= self._min_refresh_s and now - self._failed_at >= self._retry_s
        )

    async def _fetch(self) -> None:
        self.fetches += 1
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as http,
                http.get(self.url) as resp,
            ):
                resp.raise_for_status()
                data = await resp.json(content_type=None)
            usable = [k for k in data.get("keys", []) if _is_rs256_signing_key(k)]
            keys = jwt.PyJWKSet.from_dict({"keys": usable})
        except (
            aiohttp.ClientError,
            TimeoutError,
            ValueError,
            AttributeError,
            jwt.PyJWKSetError,
        ) as exc:
            self._failed_at = time.monotonic()
            raise KeysUnavailable(f"signing keys unavailable ({type(exc).__name__})") from exc
        self._fetched_at = time.monotonic()
        self._keys = {k.key_id: k for k in keys.keys if k.key_id}


def _is_rs256_signing_key(jwk: Any) -> bool:
    return (
        isinstance(jwk, dict)
        and jwk.get("kty") == "RSA"
        and jwk.get("alg", "RS256") == "RS256"
        and jwk.get("use", "sig") == "sig"
        and isinstance(jwk.get("kid"), str)
    )


class TokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        jwks: Jwks,
        leeway_s: int = 30,
        cache_size: int = 4096,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.jwks = jwks
        self.leeway_s = leeway_s
        # Verified tokens until they expire, with the key that signed them: a browser sends
        # the same token many times. A hit counts only while that key is fresh in the JWKS,
        # so the cache never outlives a key's removal.
        self._cache: OrderedDict[str, tuple[Identity, str]] = OrderedDict()
        self._cache_size = cache_size

    async def verify(self, token: str) -> Identity:
        cached = self._cache.get(token)
        if cached is not None:
            identity, kid = cached
            alive = identity.expires_at + self.leeway_s > time.time()
            if alive and self.jwks.fresh(kid) is not None:
                self._cache.move_to_end(token)
                return identity
            del self._cache[token]
        identity, kid = await self._verify(token)
        if self._cache_size > 0:
            self._cache[token] = (identity, kid)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return identity

    async def _verify(self, token: str) -> tuple[Identity, str]:
        if len(token) > MAX_TOKEN_CHARS:
            raise AuthError("token too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise AuthError("malformed token") from exc
        # Checked before any key is looked up: `none` and HS256-with-the-public-key never
        # reach a verifier.
        if header.get("alg") not in ALGORITHMS:
            raise AuthError("token algorithm not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("token has no key id")
        key = await self.jwks.key(kid)
        claims = self._decode(token, key)
        return self._identity(claims), kid

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=ALGORITHMS,
                issuer=self.issuer,
                leeway=self.leeway_s,
                # The audience is checked below, after token_use, to say which was wrong.
                options={
                    "require": ["exp", "iat", "iss", "sub", "token_use"],
                    "verify_aud": False,
                },
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise AuthError("token not yet valid") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthError("token from another issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthError("token signature does not verify") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError("invalid token") from exc
        return claims

    def _identity(self, claims: dict[str, Any]) -> Identity:
        if claims.get("token_use") != "id":
            raise AuthError("an ID token is required")
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if self.client_id not in audiences:
            raise AuthError("token for another client")
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or iat > time.time() + self.leeway_s:
            raise AuthError("token issued in the future")
        # Cognito sends a boolean; the embedded Cognito the string "true".
        if str(claims.get("email_verified", "")).lower() != "true":
            raise AuthError("email address not verified")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not _SUB.match(sub):
            raise AuthError("invalid token")
        email = str(claims.get("email", ""))
        name = claims.get("name") or claims.get("cognito:username") or email.split("@")[0]
        return Identity(
            user_id=sub,
            email=email,
            name=str(name)[:64] or "someone",
            expires_at=int(claims["exp"]),
            username=str(claims.get("cognito:username") or "")[:128],
            given_name=str(claims.get("given_name") or "")[:128],
            provider_subject=_provider_subject(claims.get("identities")),
            groups=_groups(claims.get("cognito:groups")),
        )


def _provider_subject(identities: Any) -> str:
    """`<providerName>:<userId>` of the first linked identity in Cognito's `identities` claim."""
    for linked in identities if isinstance(identities, list) else ():
        if isinstance(linked, dict):
            provider, subject = linked.get("providerName"), linked.get("userId")
            if isinstance(provider, str) and isinstance(subject, str) and provider and subject:
                return f"{provider}:{subject}"[:256]
    return ""


def _groups(groups: Any) -> tuple[str, ...]:
    if not isinstance(groups, list):
        return ()
    return tuple(str(g)[:128] for g in groups[:50] if isinstance(g, str))


async def identify(verifier: TokenVerifier, authorization: str | None) -> Identity:
    """The person behind an `Authorization: Bearer <ID token>` header, or AuthError."""
    if not authorization:
        raise AuthError("sign in first: no Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization must be 'Bearer <ID token>'")
    return await verifier.verify(token.strip())
