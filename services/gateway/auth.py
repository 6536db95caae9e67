"""Verifying Cognito ID tokens locally: RS256 only, keys from a cached JWKS.

Checks the signature, `iss`, `aud` (the app client), `token_use == "id"`, `exp`/`nbf`/`iat`
with a small leeway, and a verified email. The issuer and the JWKS URL are separate settings:
the embedded Cognito serves its keys at a local URL while signing with the AWS issuer.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

ALGORITHMS = ["RS256"]


class AuthError(Exception):
    """The token is not acceptable; `detail` says why (safe to show the caller)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    user_id: str  # the Cognito `sub`
    email: str
    name: str
    expires_at: int


class Jwks:
    """The issuer's public keys by `kid`; refetched on an unknown `kid`, at most every 30 s."""

    def __init__(self, url: str, *, min_refresh_s: float = 30.0, timeout_s: float = 5.0) -> None:
        self.url = url
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._min_refresh_s = min_refresh_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self._min_refresh_s:
                await self._fetch()
        if kid not in self._keys:
            raise AuthError("token signed with an unknown key")
        return self._keys[kid]

    async def _fetch(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as http,
                http.get(self.url) as resp,
            ):
                resp.raise_for_status()
                data = await resp.json(content_type=None)
            keys = jwt.PyJWKSet.from_dict(data)
        except (aiohttp.ClientError, TimeoutError, ValueError, jwt.PyJWKSetError) as exc:
            raise AuthError(f"signing keys unavailable ({type(exc).__name__})") from exc
        self._keys = {k.key_id: k for k in keys.keys if k.key_id}


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
        # Verified tokens until they expire: a browser sends the same token many times.
        self._cache: OrderedDict[str, Identity] = OrderedDict()
        self._cache_size = cache_size

    async def verify(self, token: str) -> Identity:
        cached = self._cache.get(token)
        if cached is not None:
            if cached.expires_at + self.leeway_s > time.time():
                self._cache.move_to_end(token)
                return cached
            del self._cache[token]
        identity = await self._verify(token)
        self._cache[token] = identity
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return identity

    async def _verify(self, token: str) -> Identity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise AuthError("malformed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise AuthError("token algorithm not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("token has no key id")
        key = await self.jwks.key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=ALGORITHMS,
                audience=self.client_id,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise AuthError("token not yet valid") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthError("token from another issuer") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthError("token for another client") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError("invalid token") from exc
        if claims.get("token_use") != "id":
            raise AuthError("an ID token is required")
        if claims.get("iat", 0) > time.time() + self.leeway_s:
            raise AuthError("token issued in the future")
        # Cognito sends a boolean; the embedded Cognito the string "true".
        if str(claims.get("email_verified", "")).lower() != "true":
            raise AuthError("email address not verified")
        email = str(claims.get("email", ""))
        return Identity(
            user_id=str(claims["sub"]),
            email=email,
            name=str(claims.get("name") or claims.get("cognito:username") or email.split("@")[0]),
            expires_at=int(claims["exp"]),
        )


async def identify(verifier: TokenVerifier, authorization: str | None) -> Identity:
    """The person behind an `Authorization: Bearer <ID token>` header, or AuthError."""
    if not authorization:
        raise AuthError("sign in first: no Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization must be 'Bearer <ID token>'")
    return await verifier.verify(token.strip())
