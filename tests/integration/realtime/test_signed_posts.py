"""The notifier's posts are the very requests boto3's `apigatewaymanagementapi` client sends:
same method, path and body, and a SigV4 signature for `execute-api` that verifies.

A small HTTP server records both clients' requests and checks each signature the way AWS
does (canonical request → string to sign → HMAC), using botocore's own SigV4 code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aioboto3
import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials

from services.notifier.delivery import ConnectionsApi, Outcome

KEY, SECRET, TOKEN = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token"
REGION = "eu-west-1"
# API Gateway's ids are base64: "=", "+" and "/" all occur and must be encoded the same way.
IDS = ["L0SM9cOFvHcCIhw=", "a+b/c=", "plain-id_1"]


@dataclass(frozen=True)
class Seen:
    method: str
    raw_path: str
    body: bytes
    signature_ok: bool
    signed_headers: str


def _verify(request: web.Request, body: bytes, host: str) -> tuple[bool, str]:
    auth = request.headers["Authorization"]
    fields = dict(p.strip().split("=", 1) for p in auth.split(" ", 1)[1].split(","))
    signed = fields["SignedHeaders"].split(";")
    headers = {h: request.headers[h] for h in signed if h != "host"}
    rebuilt = AWSRequest(
        method=request.method,
        url=f"http://{host}{request.raw_path}",
        data=body,
        headers=headers,
    )
    rebuilt.context["timestamp"] = request.headers["X-Amz-Date"]
    signer = SigV4Auth(Credentials(KEY, SECRET, TOKEN), "execute-api", REGION)
    expected = signer.signature(
        signer.string_to_sign(rebuilt, signer.canonical_request(rebuilt)), rebuilt
    )
    scope_ok = fields["Credential"].endswith(f"/{REGION}/execute-api/aws4_request")
    return scope_ok and expected == fields["Signature"], fields["SignedHeaders"]


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[str, list[Seen]]]:
    seen: list[Seen] = []
    host = ""

    async def record(request: web.Request) -> web.Response:
        body = await request.read()
        ok, signed = _verify(request, body, host)
        seen.append(Seen(request.method, request.raw_path, body, ok, signed))
        if request.match_info["id"].startswith("gone"):
            return web.json_response({"message": "Gone"}, status=410)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/live/@connections/{id}", record)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    host = f"127.0.0.1:{server.port}"
    try:
        yield f"http://{host}/live", seen
    finally:
        await server.close()


class _Frozen:
    async def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return ReadOnlyCredentials(KEY, SECRET, TOKEN)


async def test_posts_are_the_requests_boto3_sends_and_their_signatures_verify(
    recorder: tuple[str, list[Seen]],
) -> None:
    endpoint, seen = recorder
    session = aioboto3.Session(
        aws_access_key_id=KEY, aws_secret_access_key=SECRET, aws_session_token=TOKEN
    )
    async with session.client(
        "apigatewaymanagementapi", endpoint_url=endpoint, region_name=REGION
    ) as boto:
        for cid in IDS:
            await boto.post_to_connection(ConnectionId=cid, Data=b'{"type":"x"}')
    from_boto = list(seen)
    seen.clear()

    async with aiohttp.ClientSession() as http:
        api = ConnectionsApi(endpoint, REGION, _Frozen(), http)
        for cid in IDS:
            assert await api.post(cid, b'{"type":"x"}') is Outcome.SENT
        ours = list(seen)
        # The verifier does tell a wrong signature: one made for another region.
        await ConnectionsApi(endpoint, "us-east-1", _Frozen(), http).post(IDS[0], b"{}")
        assert not seen[-1].signature_ok

    assert [(s.method, s.raw_path, s.body) for s in ours] == [
        (s.method, s.raw_path, s.body) for s in from_boto
    ]
    assert ours[1].raw_path == "/live/@connections/a%2Bb%2Fc%3D"
    assert all(s.signature_ok for s in from_boto)  # the verifier is right about boto3…
    assert all(s.signature_ok for s in ours)  # …and so accepts ours
    assert all("x-amz-security-token" in s.signed_headers for s in ours)


async def test_a_410_is_gone_and_an_unreachable_endpoint_is_a_failure_after_retries(
    recorder: tuple[str, list[Seen]],
) -> None:
    endpoint, seen = recorder
    async with aiohttp.ClientSession() as http:
        api = ConnectionsApi(endpoint, REGION, _Frozen(), http)
        assert await api.post("gone-1", b"{}") is Outcome.GONE
        assert len(seen) == 1  # a gone connection is not retried

        dead = ConnectionsApi(
            "http://127.0.0.1:9/live", REGION, _Frozen(), http, attempts=3, retry_base_s=0.01
        )
        assert await dead.post("any", b"{}") is Outcome.FAILED
