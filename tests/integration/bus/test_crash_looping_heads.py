"""A head that kills its process again and again is parked; its followers never are.

SQS counts a receive for every message it returns, followers held behind their head
included, and a process that dies gives nothing back. Here a real consumer process is killed
by one message each time it starts it (as an out-of-memory kill or a segfault would), and
restarted, as ECS or the local supervisor would, until the followers are through.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time

from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.runtime.dynamo import from_item
from services.wire.events.gateway import TicketRequested
from services.wire.names import Service
from services.wire.topology import CRASH_STARTS
from tests.conftest import Stack
from tests.integration.bus.helpers import drain, queue_depth

FOLLOWERS = [f"f{i}" for i in range(1, 6)]


async def _handled(aws: Aws, user_id: str) -> dict[str, int]:
    """The tickets the consumer finished for `user_id`, with the receive count of each."""
    resp = await aws.dynamodb.query(
        TableName=aws.table("ledger-summaries"),
        KeyConditionExpression="userId = :u",
        ExpressionAttributeValues={":u": {"S": user_id}},
        ConsistentRead=True,
    )
    return {i["day"]: int(i["receiveCount"]) for i in map(from_item, resp.get("Items", []))}


async def test_followers_of_a_head_that_keeps_killing_its_process_are_never_dead_lettered(
    stack: Stack, aws: Aws
) -> None:
    queue = aws.topology.inbox(Service.LEDGER)
    await publisher(aws, Service.GATEWAY).publish_many(
        [TicketRequested(ticket_id=t, user_id="pool") for t in ("poison", *FOLLOWERS)]
        + [TicketRequested(ticket_id="o1", user_id="other")]
    )
    env = {
        **os.environ,
        "PARLEY_NAME_PREFIX": stack.prefix,
        "PARLEY_AWS_ENDPOINT_URL": stack.endpoint_url,
        "PARLEY_POLL_WAIT_S": "1",
        "PARLEY_SHUTDOWN_TIMEOUT_S": "5",
    }
    crashes = 0
    deadline = time.monotonic() + 50
    while len(await _handled(aws, "pool")) < len(FOLLOWERS):
        assert time.monotonic() < deadline, f"followers stuck after {crashes} crashes"
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.bus.crashing_consumer",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        # Until it dies, or the followers are through (then it is told to stop, once).
        told = False
        while proc.returncode is None:
            try:
                await asyncio.wait_for(proc.wait(), 0.5)
            except TimeoutError:
                if not told and len(await _handled(aws, "pool")) == len(FOLLOWERS):
                    proc.send_signal(signal.SIGTERM)
                    told = True
                if time.monotonic() > deadline:
                    proc.kill()
        out = (await proc.communicate())[0].decode()
        if proc.returncode == 137:
            assert "crashing.poison" in out, out[-2000:]
            crashes += 1
        elif proc.returncode == -signal.SIGKILL:
            dead = [
                json.loads(m["Body"])["payload"]["ticketId"] for m in await drain(aws, queue.dlq)
            ]
            raise AssertionError(f"followers stuck after {crashes} crashes; dead-lettered: {dead}")
        else:
            assert proc.returncode == 0, out[-2000:]

    handled = await _handled(aws, "pool")
    assert sorted(handled) == FOLLOWERS
    # Charged for the head's lives, never up to the queue's maxReceiveCount.
    assert max(handled.values()) < queue.max_receive_count
    assert crashes == CRASH_STARTS + 1  # its first run and every counted start since
    assert list(await _handled(aws, "other")) == ["o1"]
    dead = await drain(aws, queue.dlq, rounds=1)
    assert [json.loads(m["Body"])["payload"]["ticketId"] for m in dead] == ["poison"]
    assert dead[0]["MessageAttributes"]["rejectReason"]["StringValue"] == "crashed_consumer"
    assert await queue_depth(aws, queue.name) == 0
