"""Rate limits hold across gateway processes and restarts (the counters live in DynamoDB).

Two real `python -m services.gateway` processes against the embedded AWS, requests from one
person alternating between them as a load balancer would spread them.
"""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import aiohttp

from services.devstack.embedded_aws import free_port
from services.gateway.http.ratelimit import RULES
from services.gateway.http.shared_limits import Window
from tests.conftest import Stack
from tests.integration.gateway.conftest import new_user
from tests.unit.gateway.forge import CLIENT_ID, ISSUER, JwksServer

PREFERENCES = {"speaks": ["en"], "learns": ["de"]}
WINDOW = Window.of(RULES["preferences"])  # 10 requests per 50 s


@contextmanager
def gateway_process(stack: Stack, jwks: JwksServer, port: int) -> Iterator[str]:
    env = os.environ | {
        "PARLEY_NAME_PREFIX": stack.prefix,
        "PARLEY_AWS_ENDPOINT_URL": stack.endpoint_url,
        "PARLEY_HTTP_PORT": str(port),
        "PARLEY_COGNITO_CLIENT_ID": CLIENT_ID,
        "PARLEY_COGNITO_ISSUER": ISSUER,
        "PARLEY_COGNITO_JWKS_URL": jwks.url,
        "PARLEY_LOG_FORMAT": "console",
        "PARLEY_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.gateway"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@asynccontextmanager
async def two_gateways(stack: Stack, jwks: JwksServer) -> AsyncIterator[list[str]]:
    with (
        gateway_process(stack, jwks, free_port()) as one,
        gateway_process(stack, jwks, free_port()) as two,
    ):
        await asyncio.gather(_healthy(one), _healthy(two))
        yield [one, two]


async def _healthy(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"{url}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not come up")
            await asyncio.sleep(0.1)


async def _fresh_window(needed_s: float) -> None:
    """Start where a whole run fits in one window (a run across its edge may get twice)."""
    left = WINDOW.seconds - time.time() % WINDOW.seconds
    if left < needed_s:
        await asyncio.sleep(left + 0.05)


async def test_a_second_gateway_does_not_double_a_persons_limit_nor_does_a_restart_reset_it(
    gw_stack: Stack, jwks_server: JwksServer
) -> None:
    me = new_user()
    headers = {"Authorization": f"Bearer {jwks_server.issuer.token(me)}"}
    async with aiohttp.ClientSession(headers=headers) as http:

        async def put(url: str) -> tuple[int, str, str | None]:
            async with http.put(f"{url}/v1/me/preferences", json=PREFERENCES) as resp:
                body = await resp.json(content_type=None)
                code = body.get("code", "") if isinstance(body, dict) else ""
                return resp.status, resp.content_type, resp.headers.get("Retry-After") or code

        async with two_gateways(gw_stack, jwks_server) as urls:
            await _fresh_window(needed_s=30)  # both runs and a restart
            answers = [await put(urls[i % 2]) for i in range(3 * WINDOW.limit)]
            ok = [a for a in answers if a[0] == 200]
            limited = [a for a in answers if a[0] == 429]
            assert len(ok) == WINDOW.limit, f"{len(ok)} accepted by two gateways"
            assert len(limited) == 2 * WINDOW.limit
            for _, content_type, retry_after in limited:
                assert content_type == "application/problem+json"
                assert retry_after is not None
                assert 1 <= int(retry_after) <= math.ceil(WINDOW.seconds)
        # Both processes are gone; new ones still know the window is used up.
        async with two_gateways(gw_stack, jwks_server) as urls:
            assert [(await put(url))[0] for url in urls] == [429, 429]
