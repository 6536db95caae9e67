"""A service process told to stop (SIGTERM) finishes the work it has started, then exits."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.wire.events.gateway import TicketRequested
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.bus.helpers import queue_depth


async def test_sigterm_drains_in_flight_work_and_exits_cleanly(stack: Stack, aws: Aws) -> None:
    env = {
        **os.environ,
        "PARLEY_NAME_PREFIX": stack.prefix,
        "PARLEY_AWS_ENDPOINT_URL": stack.endpoint_url,
        "PARLEY_POLL_WAIT_S": "1",
        "PARLEY_SHUTDOWN_TIMEOUT_S": "10",
        "SLOW_HANDLER_S": "2",
    }
    await publisher(aws, Service.GATEWAY).publish(TicketRequested(ticket_id="t1", user_id="u1"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.bus.slow_consumer",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    # Wait until the handler has started, then ask the process to stop.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        if b"slow.started" in line:
            break
    proc.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(proc.communicate(), 20)

    assert proc.returncode == 0, out.decode()
    assert b"slow.finished" in out
    item = await aws.dynamodb.get_item(
        TableName=aws.table("ledger-summaries"), Key={"userId": {"S": "u1"}, "day": {"S": "t1"}}
    )
    assert "Item" in item  # the effect happened
    # …and the message was deleted, not left to be handled again.
    assert await queue_depth(aws, aws.topology.inbox(Service.LEDGER).name) == 0
