"""A stand-in Cognito for tests: our own RSA keys, a JWKS server, and tokens good or forged.

Every claim can be overridden, so each rejection case is one keyword away from a valid token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"
CLIENT_ID = "parley-test-client"


@cache
def rsa_key(name: str = "main") -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Issuer:
    """Mints Cognito-shaped ID tokens signed with `kid`'s key (override anything)."""

    issuer: str = ISSUER
    client_id: str = CLIENT_ID
    kid: str = "test-key-1"
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=lambda: {"test-key-1": rsa_key()})

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(k, kid) for kid, k in self.keys.items()]}

    def claims(self, sub: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        name = sub.split("-")[0].capitalize() or "Someone"
        base: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub,
            "aud": self.client_id,
            "token_use": "id",
            "iat": now,
            "auth_time": now,
            "exp": now + 3600,
            "jti": uuid.uuid4().hex,
            "cognito:username": sub,
            "email": f"{sub}@example.com",
            "email_verified": "true",
            "name": name,
            "given_name": name,
        }
        base.update(overrides)
        return {k: v for k, v in base.items() if v is not None}  # None = leave the claim out

    def token(
        self, sub: str, *, kid: str | None = None, key: str | None = None, **claims: Any
    ) -> str:
        signing = self.keys[key or kid or self.kid]
        return jwt.encode(
            self.claims(sub, **claims), signing, algorithm="RS256", headers={"kid": kid or self.kid}
        )

    def alg_none(self, sub: str) -> str:
        header = {"alg": "none", "typ": "JWT", "kid": self.kid}
        body = self.claims(sub)
        return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(body).encode())}."

    def hs256_with_public_key(self, sub: str) -> str:
        """The classic confusion attack: HMAC 'signed' with the RSA public key as the secret."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.kid}
        signing_input = (
            f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(self.claims(sub)).encode())}"
        )
        mac = hmac.new(public_pem(self.keys[self.kid]), signing_input.encode(), hashlib.sha256)
        return f"{signing_input}.{_b64(mac.digest())}"


@dataclass
class JwksServer:
    """Serves an Issuer's JWKS over HTTP and counts how often it was fetched."""

    issuer: Issuer
    hits: int = 0
    down: bool = False
    server: TestServer | None = None

    async def start(self) -> JwksServer:
        async def jwks(_: web.Request) -> web.Response:
            self.hits += 1
            if self.down:
                return web.Response(status=503)
            return web.json_response(self.issuer.jwks())

        app = web.Application()
        app.router.add_get("/jwks.json", jwks)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/jwks.json"))

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
