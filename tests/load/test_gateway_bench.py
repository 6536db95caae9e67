"""Gateway benchmark: authenticated requests/s against a bare aiohttp handler, same run.

Each server runs in its own process (one core each on this 2-core box) and is driven by a
minimal keep-alive HTTP/1.1 client in the test process. Three servers, all started first,
then loaded in interleaved short rounds (so whatever else the machine is doing hits each
alike); the figure per variant is the median round:

- bare: an aiohttp app with one handler returning a small JSON body, nothing else;
- gateway: the real app (`create_app`: request ids, access log line, problem middleware,
  security headers) with a probe route declared like every person route (bearer ID token
  verified, per-person rate limit, JSON body check, pydantic reply), the browser's usual case
  of a token it sends again and again (verification cached until expiry);
- gateway, cold tokens: the same with the verification cache off, i.e. a full RS256 check
  on every request (the worst case: every request from a different, new token).

No AWS call is made on this path, so moto does not enter the figures. Two figures per
variant: requests per wall-clock second (bounded by the one client process as much as by the
server), and requests per second of the server's own CPU time (its capacity per core, read
from /proc, steadier on a shared machine). The ratio to bare is the figure to watch.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import sys
import time
from dataclasses import dataclass
from typing import Any

import pytest

from tests.load.bench import pct, report

ROUNDS = 5
ROUND_S = 0.8
WARMUP_S = 0.5
CONNECTIONS = 32
GOAL = 0.6
KINDS = ("bare", "gateway", "cold")


def _serve(kind: str, port: int, jwks_port: int, jwks: dict[str, Any]) -> None:
    """Child process: serve one variant until killed."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - logs cost what they cost, unseen
    from aiohttp import web

    from services.gateway.app import create_app
    from services.gateway.context import CTX
    from services.gateway.http.auth import Jwks, TokenVerifier
    from services.gateway.http.spec import Call, Operation
    from services.gateway.models import Health
    from services.gateway.safety.core import Standing
    from services.gateway.settings import GatewaySettings
    from services.runtime.logs import configure
    from tests.unit.gateway.forge import CLIENT_ID, ISSUER

    configure("gateway", "INFO", "json")

    async def main() -> None:
        if kind == "bare":

            async def hello(_: web.Request) -> web.Response:
                return web.json_response({"status": "ok"})

            app = web.Application()
            app.router.add_get("/v1/bench", hello)
        else:
            keys = web.Application()

            async def serve_jwks(_: web.Request) -> web.Response:
                return web.json_response(jwks)

            keys.router.add_get("/jwks.json", serve_jwks)
            keys_runner = web.AppRunner(keys)
            await keys_runner.setup()
            await web.TCPSite(keys_runner, "127.0.0.1", jwks_port).start()
            settings = GatewaySettings(
                aws_endpoint_url="http://127.0.0.1:9",
                cognito_issuer=ISSUER,
                cognito_client_id=CLIENT_ID,
                cognito_jwks_url=f"http://127.0.0.1:{jwks_port}/jwks.json",
                rate_limit_scale=1000,
            )
            verifier = TokenVerifier(
                issuer=ISSUER,
                client_id=CLIENT_ID,
                jwks=Jwks(settings.jwks_url),
                cache_size=0 if kind == "cold" else 4096,
            )
            app = create_app(settings, verifier)

            async def known_person(app: web.Application) -> None:
                # The erased-account check reads one marker per person per
                # `erased_recheck_s` (30 s); the bench person counts as read just now, as a
                # person active in the last 30 s is (there is no AWS behind this bench).
                app[CTX].erased._checked["bench-person"] = float("inf")
                # Likewise the safety standing (read at most every `standing_recheck_s`): in
                # good standing, read just now.
                app[CTX].safety._seen["bench-person"] = (float("inf"), Standing())

            app.on_startup.append(known_person)

            async def probe(_: Call) -> Health:
                return Health(status="ok")

            # Declared like every person route, so it runs the same pipeline they do.
            op = Operation(
                "GET",
                "/v1/bench",
                "probe",
                "system",
                "probe",
                handler=probe,
                reply=Health,
                rule="read",
            )
            handler = op.bind()
            assert handler is not None
            app.router.add_get(op.path, handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


async def _wait_listening(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


_LENGTH = re.compile(rb"(?i)\r\ncontent-length: *(\d+)")


async def _connection(port: int, request: bytes, until: float, lat: list[float]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    failures = 0
    try:
        while (start := time.perf_counter()) < until:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            match = _LENGTH.search(head)
            await reader.readexactly(int(match.group(1)) if match else 0)
            if head[9:12] != b"200":
                failures += 1
            lat.append(time.perf_counter() - start)
    finally:
        writer.close()
    return failures


def _cpu_seconds(pid: int) -> float:
    """user + system CPU time the process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Figures:
    rps: float  # requests per wall-clock second
    rps_per_cpu: float  # requests per second of the server's own CPU time
    latencies: list[float]
    failed: int


async def _round(port: int, request: bytes, pid: int, seconds: float) -> Figures:
    lat: list[float] = []
    cpu, started = _cpu_seconds(pid), time.perf_counter()
    until = started + seconds
    failed = await asyncio.gather(
        *(_connection(port, request, until, lat) for _ in range(CONNECTIONS))
    )
    wall, used = time.perf_counter() - started, _cpu_seconds(pid) - cpu
    return Figures(len(lat) / wall, len(lat) / max(used, 1e-3), lat, sum(failed))


def _median(rounds: list[Figures]) -> Figures:
    """The round with the median throughput per CPU second, latencies of all rounds."""
    ordered = sorted(rounds, key=lambda f: f.rps_per_cpu)
    mid = ordered[len(ordered) // 2]
    wall = sorted(f.rps for f in rounds)[len(rounds) // 2]
    lat = [x for f in rounds for x in f.latencies]
    return Figures(wall, mid.rps_per_cpu, lat, sum(f.failed for f in rounds))


async def _first_body(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        match = _LENGTH.search(head)
        return await reader.readexactly(int(match.group(1)) if match else 0)
    finally:
        writer.close()


@pytest.mark.benchmark
async def test_authenticated_requests_per_second_against_a_bare_aiohttp_handler() -> None:
    from services.devstack.embedded_aws import free_port
    from tests.unit.gateway.forge import Issuer

    issuer = Issuer()
    token, jwks = issuer.token("bench-person"), issuer.jwks()
    request = (
        f"GET /v1/bench HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    spawn = multiprocessing.get_context("spawn")
    servers: dict[str, tuple[int, multiprocessing.process.BaseProcess]] = {}
    try:
        for kind in KINDS:
            port = free_port()
            proc = spawn.Process(target=_serve, args=(kind, port, free_port(), jwks), daemon=True)
            proc.start()
            servers[kind] = (port, proc)
        for port, _ in servers.values():
            await _wait_listening(port)
            assert json.loads(await _first_body(port, request)) == {"status": "ok"}
        rounds: dict[str, list[Figures]] = {kind: [] for kind in KINDS}
        for port, proc in servers.values():  # warm up: first requests, the JWKS fetch
            assert proc.pid is not None
            await _round(port, request, proc.pid, WARMUP_S)
        # Interleaved short rounds: whatever else the machine does hits every variant alike.
        for _ in range(ROUNDS):
            for kind, (port, proc) in servers.items():
                assert proc.pid is not None
                rounds[kind].append(await _round(port, request, proc.pid, ROUND_S))
    finally:
        for _, proc in servers.values():
            proc.terminate()
            proc.join(5)

    results = {kind: _median(r) for kind, r in rounds.items()}
    bare = results["bare"]
    rows: dict[str, float | str] = {}
    for kind, f in results.items():
        assert f.failed == 0, f"{kind}: {f.failed} requests were not 200"
        rows[f"{kind}: requests/s (wall clock)"] = f.rps
        rows[f"{kind}: requests/s per server CPU second"] = f.rps_per_cpu
        rows[f"{kind}: p50 / p99 ms"] = (
            f"{pct(f.latencies, 50) * 1000:.2f} / {pct(f.latencies, 99) * 1000:.2f}"
        )
        rows[f"{kind}: ratio to bare (wall / per CPU)"] = (
            f"{f.rps / bare.rps:.2f} / {f.rps_per_cpu / bare.rps_per_cpu:.2f}"
        )
    rows["goal (gateway, cached token)"] = f">= {GOAL} of bare"
    title = f"gateway vs bare aiohttp ({CONNECTIONS} connections, median of {ROUNDS} x {ROUND_S} s)"
    report(title, rows)
    # Per CPU second is the steadier figure when other work shares the machine. The floor is
    # well under the goal: it catches a regression without flaking on a busy machine.
    assert results["gateway"].rps_per_cpu / bare.rps_per_cpu >= GOAL / 2
