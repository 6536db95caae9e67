"""The gateway under test: a real app on a real port, against the embedded AWS.

One provisioned stack and one app per test module (moto is slow to provision); every test
uses fresh person ids, so tests never see each other's state or messages. Tokens come from a
stand-in issuer whose JWKS is served over HTTP, so verification runs exactly as in production.
Every answer is checked against the app's own OpenAPI document on the way back.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import pytest
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator
from multidict import CIMultiDict

from services.devstack.embedded_aws import MotoServer
from services.devstack.provision import provision
from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from services.runtime.aws import Aws
from services.runtime.dynamo import to_item
from services.wire.names import Service
from tests.conftest import Stack
from tests.unit.gateway.forge import CLIENT_ID, ISSUER, Issuer, JwksServer

LIVEKIT_KEY, LIVEKIT_SECRET = "APIparleytest", "l" * 40
TURN_SECRET = "turn-shared-secret"


def new_user(label: str = "u") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


@dataclass
class Answer:
    status: int
    headers: CIMultiDict[str]
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


@dataclass
class Gateway:
    client: TestClient  # type: ignore[type-arg]
    aws: Aws
    issuer: Issuer
    jwks: JwksServer
    doc: dict[str, Any]
    settings: GatewaySettings

    def bearer(self, user: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.token(user, **claims)}"}

    async def call(
        self,
        method: str,
        path: str,
        user: str | None = None,
        *,
        body: Any = None,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        h = self.bearer(user) if user else {}
        h.update(headers or {})
        kwargs: dict[str, Any] = {"headers": h}
        if body is not None:
            kwargs["json"] = body
        if data is not None:
            kwargs["data"] = data
        async with self.client.request(method, path, **kwargs) as resp:
            raw = await resp.read()
            answer = Answer(
                resp.status, CIMultiDict(resp.headers), json.loads(raw) if raw else None
            )
            self.conforms(method, path, answer, resp.content_type)
        return answer

    def conforms(self, method: str, path: str, answer: Answer, content_type: str) -> None:
        """The answer is one the OpenAPI document promises for this route."""
        assert answer.status != 500 or answer.code == "internal", answer.body
        template = self._template(path)
        if answer.status >= 400:
            assert content_type == "application/problem+json", (path, answer.status)
        if template is None or method.lower() not in self.doc["paths"][template]:
            assert answer.status in (404, 405), (method, path, answer.status)
            schema: dict[str, Any] = {"$ref": "#/components/schemas/ProblemBody"}
        else:
            responses = self.doc["paths"][template][method.lower()]["responses"]
            assert str(answer.status) in responses, f"{method} {path}: undocumented {answer.status}"
            documented = responses[str(answer.status)]
            if answer.body is None:
                assert "content" not in documented, f"{method} {path}: expected a body"
                return
            assert content_type in documented["content"], (path, content_type)
            schema = documented["content"][content_type]["schema"]
        Draft202012Validator({**schema, "components": self.doc["components"]}).validate(answer.body)

    def _template(self, path: str) -> str | None:
        path = path.split("?")[0]
        for template in self.doc["paths"]:
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
                return template
        return None

    async def put(self, logical: str, item: dict[str, Any]) -> None:
        """Seed another service's table with an item in the read-model contract's shape."""
        await self.aws.dynamodb.put_item(TableName=self.aws.table(logical), Item=to_item(item))

    async def published(
        self, service: Service, match: Callable[[dict[str, Any]], bool], expect: int = 1
    ) -> list[dict[str, Any]]:
        """Messages that reached `service`'s inbox and `match` (others are drained and dropped)."""
        url = await self.aws.queue_url(self.aws.topology.inbox(service).name)
        found: list[dict[str, Any]] = []
        empty_polls = 0
        while empty_polls < (1 if len(found) >= expect else 3):
            resp = await self.aws.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0 if found else 1
            )
            msgs = resp.get("Messages", [])
            if not msgs:
                empty_polls += 1
                continue
            for m in msgs:
                envelope = json.loads(m["Body"])
                if match(envelope):
                    found.append(envelope)
            await self.aws.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)
                ],
            )
        return found


def about(*ids: str) -> Callable[[dict[str, Any]], bool]:
    """A message whose payload mentions any of these ids."""
    return lambda envelope: any(i in json.dumps(envelope["payload"]) for i in ids)


@pytest.fixture(scope="session")
async def jwks_server() -> AsyncIterator[JwksServer]:
    server = await JwksServer(Issuer()).start()
    yield server
    await server.close()


@pytest.fixture(scope="module")
def gw_stack(moto_server: MotoServer) -> Stack:
    prefix = f"gw{os.getpid() % 10000}-{uuid.uuid4().hex[:6]}"
    return Stack(moto_server.url, prefix, provision(moto_server.url, prefix))


def gateway_settings(stack: Stack, jwks: JwksServer, **overrides: Any) -> GatewaySettings:
    base: dict[str, Any] = {
        "cognito_user_pool_id": "us-east-1_TestPool",
        "cognito_client_id": CLIENT_ID,
        "cognito_issuer": ISSUER,
        "cognito_jwks_url": jwks.url,
        "stun_urls": "stun:127.0.0.1:3478",
        "turn_urls": "turn:127.0.0.1:3478?transport=udp",
        "turn_secret": TURN_SECRET,
        "livekit_url": "ws://127.0.0.1:7880",
        "livekit_api_key": LIVEKIT_KEY,
        "livekit_api_secret": LIVEKIT_SECRET,
    }
    return cast(GatewaySettings, stack.settings(GatewaySettings, **(base | overrides)))


@asynccontextmanager
async def running_gateway(
    stack: Stack, jwks: JwksServer, **overrides: Any
) -> AsyncIterator[Gateway]:
    settings = gateway_settings(stack, jwks, **overrides)
    app = create_app(settings)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        # The test's own clients: not the gateway's, so not checked against its task role.
        async with Aws(stack.settings()) as aws:
            doc = await (await client.get("/v1/openapi.json")).json()
            yield Gateway(client, aws, jwks.issuer, jwks, doc, settings)
    finally:
        await client.close()


@pytest.fixture(scope="module")
async def gw(gw_stack: Stack, jwks_server: JwksServer) -> AsyncIterator[Gateway]:
    async with running_gateway(gw_stack, jwks_server) as gateway:
        yield gateway
