"""AWS clients for one service: one aioboto3 session, endpoints from settings.

Locally every client points at the embedded AWS (moto server on 127.0.0.1); in AWS the
endpoint is left to botocore.

Retries are botocore's *standard* mode, as the AWS SDKs advise: exponential backoff with full
jitter and a retry quota per client. Not *adaptive*: its client-side rate limiter slows every
call of a client once one of them is throttled, so one hot table would slow all the others.
DynamoDB clients back off from 50 ms inside the call budget (runtime/throttling.py, the
numbers in runtime/retry.py); every throttled attempt is counted (`Throttled`).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import aioboto3
from aiobotocore.config import AioConfig

from services.runtime import aws_calls, throttling
from services.runtime.settings import BaseServiceSettings
from services.wire.names import Service
from services.wire.topology import Topology, topology

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sqs import SQSClient

_CONFIG = AioConfig(
    # Four attempts: botocore's standard backoff (random up to 1, 2, 4 s) ends within 7 s, inside
    # retry.CALL_BUDGET_S. What still fails is transient for the consumer (retry.is_transient).
    retries={"total_max_attempts": 4, "mode": "standard"},
    max_pool_connections=64,
    connect_timeout=5,
    read_timeout=30,
)


class Aws:
    """Opened clients plus the names of this deployment's resources."""

    def __init__(self, settings: BaseServiceSettings) -> None:
        self.settings = settings
        self.topology: Topology = topology(settings.name_prefix)
        self._session = aioboto3.Session(region_name=settings.aws_region)
        self._stack = AsyncExitStack()
        self._queue_urls: dict[str, str] = {}
        self.sqs: SQSClient
        self.sns: SNSClient
        self.dynamodb: DynamoDBClient

    def client_kwargs(self, name: str = "") -> dict[str, Any]:
        kwargs: dict[str, Any] = {"config": _CONFIG, "region_name": self.settings.aws_region}
        endpoint = self.settings.aws_endpoint_url
        if name == "dynamodb" and self.settings.aws_dynamodb_endpoint_url:
            endpoint = self.settings.aws_dynamodb_endpoint_url
        if endpoint:
            kwargs["endpoint_url"] = endpoint
        return kwargs

    async def client(self, name: str) -> Any:
        """Open another client (closed with the others)."""
        client = await self._stack.enter_async_context(
            self._session.client(name, **self.client_kwargs(name))  # type: ignore[call-overload]
        )
        throttling.register(client)
        record_to, service = aws_calls.recording(), self.service
        if record_to and service:
            aws_calls.register(client, service, self.settings.name_prefix, record_to)
        return client

    @property
    def service(self) -> str | None:
        """Which service these clients act for (from its settings class), None for tools."""
        name = type(self.settings).__name__.removesuffix("Settings").lower()
        return name if name in {s.value for s in Service} else None

    async def __aenter__(self) -> Aws:
        self.sqs = await self.client("sqs")
        self.sns = await self.client("sns")
        self.dynamodb = await self.client("dynamodb")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    def topic_arn(self, publisher: Service) -> str:
        s = self.settings
        name = self.topology.topic(publisher).name
        return f"arn:aws:sns:{s.aws_region}:{s.aws_account_id}:{name}"

    def table(self, logical: str) -> str:
        return f"{self.settings.name_prefix}-{logical}"

    async def queue_url(self, name: str) -> str:
        if name not in self._queue_urls:
            resp = await self.sqs.get_queue_url(QueueName=name)
            self._queue_urls[name] = resp["QueueUrl"]
        return self._queue_urls[name]
