"""The gateway's entry point serves until told to stop, and says clearly when it cannot."""

from __future__ import annotations

import asyncio
import socket
from typing import cast

import aiohttp
import pytest

from services.devstack.embedded_aws import free_port
from services.gateway.service import PortBusy, run
from services.gateway.settings import GatewaySettings
from tests.conftest import Stack


async def test_run_serves_until_the_stop_event_then_returns(gw_stack: Stack) -> None:
    port = free_port()
    settings = cast(GatewaySettings, gw_stack.settings(GatewaySettings, http_port=port))
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run(settings, stop, ready=ready))
    await asyncio.wait_for(ready.wait(), 10)
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as r:
        assert r.status == 200
        assert await r.json() == {"status": "ok"}
    stop.set()
    await asyncio.wait_for(task, 15)
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # the port is free again


async def test_a_busy_port_is_a_clear_exit_not_a_traceback(gw_stack: Stack) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = cast(GatewaySettings, gw_stack.settings(GatewaySettings, http_port=port))
        with pytest.raises(PortBusy, match=f"cannot listen on port {port}"):
            await run(settings, asyncio.Event())
