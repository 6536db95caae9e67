"""Posting a message to one connection: API Gateway's `@connections` API, or the local edge.

The request is the one boto3's `apigatewaymanagementapi.post_to_connection` sends —
`POST {endpoint}/@connections/{id}`, the message as the raw body, SigV4-signed for
`execute-api` — sent on a shared aiohttp session. The botocore client spends ~0.9 ms of CPU
per call (endpoint rules, hooks, user agent) and botocore's signer ~70 µs more, the larger
part of a push; `Signer` signs this one request shape with the host and path prefix worked
out once. A test checks the requests against boto3's and the signatures against botocore's.
Only the endpoint differs between AWS and this machine.

A `410` means the connection is gone (the browser left without a `$disconnect` we saw);
throttling, server errors and network failures are retried a few times, then given up.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol
from urllib.parse import quote, urlsplit

import aiohttp
from aiobotocore.session import get_session
from botocore.credentials import ReadOnlyCredentials
from botocore.utils import normalize_url_path, percent_encode
from yarl import URL

from services.notifier.settings import NotifierSettings
from services.runtime.logs import get_logger

SIGNING_NAME = "execute-api"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Outcome(StrEnum):
    SENT = "sent"
    GONE = "gone"
    FAILED = "failed"  # unreachable or 5xx / 429 each time: a later try may get through
    REFUSED = "refused"  # forbidden, too large, …: trying again changes nothing


class CredentialSource(Protocol):
    async def get_frozen_credentials(self) -> ReadOnlyCredentials: ...


class Signer:
    """AWS Signature Version 4 for `POST {endpoint}/@connections/{id}` (no query string).

    The steps of botocore's `SigV4Auth` (canonical request → string to sign → HMAC chain),
    with the host, the path prefix and the day's signing key computed once, not per request.
    """

    def __init__(self, endpoint_url: str, region: str, service: str = SIGNING_NAME) -> None:
        parts = urlsplit(endpoint_url)
        default_port = {"http": 80, "https": 443}.get(parts.scheme)
        host = parts.hostname or ""
        self.host = host if parts.port in (None, default_port) else f"{host}:{parts.port}"
        self.base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self._prefix = parts.path.rstrip("/")
        self._region = region
        self._service = service
        self._keys: dict[tuple[str, str], bytes] = {}

    def url(self, connection_id: str) -> str:
        # As botocore renders `/@connections/{ConnectionId}`: the id percent-encoded.
        return f"{self.base}/@connections/{percent_encode(connection_id)}"

    def headers(
        self,
        connection_id: str,
        body: bytes,
        credentials: ReadOnlyCredentials,
        now: datetime | None = None,
    ) -> dict[str, str]:
        moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        day = moment[:8]
        path = f"{self._prefix}/@connections/{percent_encode(connection_id)}"
        signed = {"host": self.host, "x-amz-date": moment}
        if credentials.token:
            signed["x-amz-security-token"] = credentials.token
        names = ";".join(sorted(signed))
        canonical = "\n".join(
            [
                "POST",
                quote(normalize_url_path(path), safe="/~"),  # encoded again, as SigV4 wants
                "",
                "".join(f"{k}:{signed[k]}\n" for k in sorted(signed)),
                names,
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{day}/{self._region}/{self._service}/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", moment, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = self._key(credentials.secret_key or "", day)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        out = {
            "X-Amz-Date": moment,
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
                f"SignedHeaders={names}, Signature={signature}"
            ),
        }
        if credentials.token:
            out["X-Amz-Security-Token"] = credentials.token
        return out

    def _key(self, secret: str, day: str) -> bytes:
        cached = self._keys.get((secret, day))
        if cached is None:
            key = f"AWS4{secret}".encode()
            for part in (day, self._region, self._service, "aws4_request"):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            self._keys = {(secret, day): key}  # one day, one secret at a time
            cached = key
        return cached


class ConnectionsApi:
    def __init__(
        self,
        endpoint_url: str,
        region: str,
        credentials: CredentialSource,
        http: aiohttp.ClientSession,
        *,
        timeout_s: float = 3.0,
        attempts: int = 3,
        retry_base_s: float = 0.05,
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self._signer = Signer(self.endpoint_url, region)
        self._credentials = credentials
        self._http = http
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._attempts = attempts
        self._retry_base_s = retry_base_s
        self._log = get_logger(component="delivery")

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: NotifierSettings) -> AsyncIterator[ConnectionsApi]:
        """With credentials from the usual chain (environment, ECS task role, …)."""
        credentials = await get_session().get_credentials()
        if credentials is None:
            raise RuntimeError("no AWS credentials found to sign posts to the connections API")
        connector = aiohttp.TCPConnector(limit=128, ttl_dns_cache=300)
        async with aiohttp.ClientSession(connector=connector) as http:
            yield cls(
                settings.connections_endpoint_url,
                settings.aws_region,
                credentials,
                http,
                timeout_s=settings.delivery_timeout_s,
                attempts=settings.delivery_attempts,
            )

    async def signed(self, connection_id: str, data: bytes) -> tuple[str, dict[str, str]]:
        """The URL and headers of a PostToConnection request."""
        credentials = await self._credentials.get_frozen_credentials()
        headers = self._signer.headers(connection_id, data, credentials)
        return self._signer.url(connection_id), headers

    async def post(self, connection_id: str, data: bytes) -> Outcome:
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._retry_base_s * 3 ** (attempt - 1))
            try:
                status = await self._post_once(connection_id, data)
            except (aiohttp.ClientError, TimeoutError) as exc:
                reason = type(exc).__name__
            else:
                if status < 300:
                    return Outcome.SENT
                if status == 410:
                    return Outcome.GONE
                reason = f"http_{status}"
                if status not in _RETRY_STATUSES:
                    self._log.warning(
                        "delivery.refused", connection_id=connection_id, reason=reason
                    )
                    return Outcome.REFUSED
            self._log.warning(
                "delivery.attempt_failed",
                connection_id=connection_id,
                attempt=attempt + 1,
                reason=reason,
            )
        return Outcome.FAILED

    async def _post_once(self, connection_id: str, data: bytes) -> int:
        url, headers = await self.signed(connection_id, data)
        async with self._http.post(
            URL(url, encoded=True),
            data=data,
            headers=headers,
            timeout=self._timeout,
            skip_auto_headers=("Content-Type",),
        ) as resp:
            await resp.read()
            return resp.status
