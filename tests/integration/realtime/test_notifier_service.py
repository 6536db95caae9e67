"""The notifier service on the embedded AWS, posting to a stand-in for API Gateway's
`@connections` API that the test controls: stuck, failing and healthy connections."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from services.devstack.embedded_aws import DUMMY_CREDENTIALS
from services.notifier.connections import ConnectionStore
from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.wire.events.ledger import PointsChanged
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.realtime.helpers import eventually, notifier_settings, running_notifier

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class FakeApiGateway:
    """Stands in for API Gateway's @connections API: records posts, can hang or fail."""

    url: str = ""
    received: dict[str, list[dict[str, object]]] = field(default_factory=lambda: defaultdict(list))
    stuck: set[str] = field(default_factory=set)
    failures_left: int = 0
    calls: int = 0

    async def post(self, request: web.Request) -> web.Response:
        self.calls += 1
        connection_id = request.match_info["id"]
        body = await request.read()
        if connection_id in self.stuck:
            await asyncio.sleep(30)
        if self.failures_left > 0:
            self.failures_left -= 1
            return web.json_response({"message": "Internal server error"}, status=503)
        self.received[connection_id].append(json.loads(body))
        return web.Response(status=200)


@pytest.fixture
async def api_gateway() -> AsyncIterator[FakeApiGateway]:
    fake = FakeApiGateway()
    app = web.Application()
    app.router.add_post("/live/@connections/{id}", fake.post)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = f"http://127.0.0.1:{server.port}/live"
    try:
        yield fake
    finally:
        await server.close()


def _points(user_id: str, left: int) -> PointsChanged:
    return PointsChanged(
        user_id=user_id, day=T0.date(), left=left, used=15 - left, held=0, resets_at=T0
    )


async def _connect(aws: Aws, **people: str) -> None:
    store = ConnectionStore.for_prefix(aws.dynamodb, aws.settings.name_prefix)
    for user_id, connection_id in people.items():
        await store.add(user_id, connection_id)


async def test_a_stuck_connection_never_holds_up_anyone_elses_messages(
    stack: Stack, aws: Aws, api_gateway: FakeApiGateway
) -> None:
    await _connect(aws, ann="ann-tab", ben="ben-tab")
    api_gateway.stuck.add("ann-tab")
    settings = notifier_settings(
        stack, api_gateway.url, delivery_timeout_s=4.0, delivery_attempts=1
    )
    async with running_notifier(settings) as notifier:
        ledger = publisher(aws, Service.LEDGER)
        await ledger.publish(_points("ann", 5))
        for left in (9, 8, 7):
            await ledger.publish(_points("ben", left))
        await eventually(lambda: len(api_gateway.received["ben-tab"]) == 3)
        # Ben's three messages arrived, in order, while ann's post was still hanging.
        assert [m["left"] for m in api_gateway.received["ben-tab"]] == [9, 8, 7]
        assert notifier.tally.failed == 0
        # Ann's post gives up at its time limit (and her event will come back later).
        await eventually(lambda: notifier.tally.failed >= 1, timeout_s=10)


async def test_when_the_connections_api_fails_for_a_while_the_message_still_arrives(
    stack: Stack, aws: Aws, api_gateway: FakeApiGateway
) -> None:
    await _connect(aws, cat="cat-tab")
    api_gateway.failures_left = 2  # both attempts of the first delivery fail
    settings = notifier_settings(stack, api_gateway.url, delivery_attempts=2)
    async with running_notifier(settings) as notifier:
        await publisher(aws, Service.LEDGER).publish(_points("cat", 4))
        await eventually(lambda: api_gateway.received["cat-tab"], timeout_s=15)
    assert [m["left"] for m in api_gateway.received["cat-tab"]] == [4]
    assert api_gateway.calls == 3  # two failed attempts, then the redelivered event
    assert (notifier.tally.failed, notifier.tally.sent) == (1, 1)


async def test_an_unreadable_message_is_parked_in_the_dlq_and_pushes_go_on(
    stack: Stack, aws: Aws, api_gateway: FakeApiGateway
) -> None:
    await _connect(aws, dan="dan-tab")
    inbox = aws.topology.inbox(Service.NOTIFIER)
    async with running_notifier(notifier_settings(stack, api_gateway.url)):
        await aws.sqs.send_message(
            QueueUrl=await aws.queue_url(inbox.name),
            MessageBody='{"type": "points.changed", "version": 1, "payload": {"left": -1}}',
            MessageGroupId="user#dan",
            MessageDeduplicationId="broken-1",
        )
        await publisher(aws, Service.LEDGER).publish(_points("dan", 2))
        await eventually(lambda: api_gateway.received["dan-tab"])
    dlq = await aws.sqs.get_queue_attributes(
        QueueUrl=await aws.queue_url(inbox.dlq), AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert dlq["Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert [m["left"] for m in api_gateway.received["dan-tab"]] == [2]


async def test_the_notifier_process_pushes_and_stops_cleanly_on_sigterm(
    stack: Stack, aws: Aws, api_gateway: FakeApiGateway, tmp_path: Path
) -> None:
    await _connect(aws, eve="eve-tab")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")},
        **DUMMY_CREDENTIALS,
        "PARLEY_NAME_PREFIX": stack.prefix,
        "PARLEY_AWS_ENDPOINT_URL": stack.endpoint_url,
        "PARLEY_CONNECTIONS_ENDPOINT_URL": api_gateway.url,
        "PARLEY_POLL_WAIT_S": "1",
    }
    log = tmp_path / "notifier.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.notifier", env=env, stdout=out, stderr=out
        )
        try:
            await publisher(aws, Service.LEDGER).publish(_points("eve", 1))
            await eventually(lambda: api_gateway.received["eve-tab"], timeout_s=20)
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 20)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    lines = [json.loads(line) for line in log.read_bytes().splitlines() if line.startswith(b"{")]
    assert code == 0
    assert any(line.get("event") == "notifier.tally" and line["sent"] == 1 for line in lines)
    assert [m["left"] for m in api_gateway.received["eve-tab"]] == [1]
