"""Notifier benchmark: events from the inbox to messages on open WebSockets.

Three processes besides moto: an edge host (the gateway's local edge holding 120 browser
sockets, with their tabs), the notifier, and this driver. Sign-in is stood in for (the token is
the user id); everything else is the real code.

1. moto's own SQS FIFO send → receive round trip: the baseline of this run.
2. End to end: `python -m services.notifier` on the embedded AWS, a steady trickle of events
   into its inbox; inbox → socket latency per message, as a ratio of moto's round trip.
3. One core: the notifier's push path in this process at saturation — parse the inbox
   message, decide the messages, per-person lanes, sign and post each one to the edge, which
   writes it on the socket — with the connections table and the idempotency table held in
   memory (their DynamoDB calls are batched, see `batching.py`, and moto cannot keep up with
   a saturated notifier). Deliveries per CPU-second of this process; goal ≥ 2,000.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import pytest
from botocore.credentials import ReadOnlyCredentials

from services.devstack.embedded_aws import DUMMY_CREDENTIALS
from services.gateway.http.auth import Identity, Jwks, TokenVerifier
from services.gateway.settings import GatewaySettings
from services.notifier.connections import ConnectionStore
from services.notifier.delivery import ConnectionsApi
from services.notifier.handlers import Notifier
from services.runtime.aws import Aws
from services.runtime.logs import configure
from services.wire.events import REGISTRY
from services.wire.events.base import Event
from services.wire.events.common import Participant
from services.wire.events.gateway import SignalRelayed
from services.wire.events.ledger import PointsChanged
from services.wire.events.matcher import SessionStarted
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.realtime.helpers import running_gateway
from tests.load.bench import report, summary_ms
from tests.unit.notifier.fakes import FakeConnections, FakeHandled

PAIRS = 40  # 80 people; every other person has two tabs open: 120 sockets
ROUNDS = 10  # per pair and round: a match, 5 signals, 2 point changes
CONCURRENCY = 64  # events in hand at once, as the notifier's consumer allows
LATENCY_EVENTS = 120
LATENCY_RATE = 40.0  # events per second offered in the end-to-end phase
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class StandInVerifier(TokenVerifier):
    """Stands in for Cognito: the token is the user id (sign-in is not what is measured)."""

    def __init__(self) -> None:
        super().__init__(issuer="bench", client_id="bench", jwks=Jwks("http://127.0.0.1:9/"))

    async def verify(self, token: str) -> Identity:
        return Identity(user_id=token, email=f"{token}@example.com", name=token, expires_at=2**31)


def _tabs_of(user_id: str) -> int:
    return 2 if int(user_id[1:]) % 2 == 0 else 1


def _pair(k: int) -> tuple[str, str]:
    return f"p{2 * k:03d}", f"p{2 * k + 1:03d}"


def _backlog(round_: int) -> Iterator[Event]:
    for k in range(PAIRS):
        a, b = _pair(k)
        sid = f"r{round_}-s{k}"
        yield SessionStarted(
            session_id=sid,
            participants=(
                Participant(user_id=a, hold_id=f"{sid}a", minutes=15),
                Participant(user_id=b, hold_id=f"{sid}b", minutes=15),
            ),
            starts_at=T0,
            ends_at=T0 + timedelta(minutes=15),
            media_mode="direct",
            room=sid,
            origin="match",
        )
        for n in range(5):
            to, frm = (b, a) if n % 2 else (a, b)
            yield SignalRelayed(
                session_id=sid,
                from_user_id=frm,
                to_user_id=to,
                kind="candidate",
                data={"candidate": f"candidate:{n} 1 udp 2122260223 10.0.{k}.1 5{n}000 typ host"},
            )
        for who in (a, b):
            yield PointsChanged(user_id=who, day=T0.date(), left=3, used=12, held=0, resets_at=T0)


def _deliveries(events: list[Event]) -> int:
    users: list[str] = []
    for e in events:
        if isinstance(e, SessionStarted):
            users += [p.user_id for p in e.participants]
        elif isinstance(e, SignalRelayed):
            users.append(e.to_user_id)
        elif isinstance(e, PointsChanged):
            users.append(e.user_id)
    return sum(_tabs_of(u) for u in users)


# ---- the edge host: a gateway's local edge and the browsers' sockets, in their own process ----


def edge_host(pipe: Connection, endpoint: str, prefix: str) -> None:
    asyncio.run(_edge_host(pipe, endpoint, prefix))


async def _edge_host(pipe: Connection, endpoint: str, prefix: str) -> None:
    configure("edge", "WARNING", "json")
    settings = GatewaySettings(
        name_prefix=prefix,
        aws_endpoint_url=endpoint,
        cognito_user_pool_id="bench",
        cognito_client_id="bench",
    )
    received: list[tuple[float, str]] = []
    loop = asyncio.get_running_loop()
    async with (
        running_gateway(settings, StandInVerifier()) as gw,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http,
    ):

        async def tab(user_id: str) -> None:
            ws = await http.ws_connect(f"{gw.url}/v1/ws", params={"token": user_id})
            async for msg in ws:
                received.append((time.monotonic(), msg.data))

        people = [f"p{i:03d}" for i in range(2 * PAIRS)]
        tabs = [asyncio.create_task(tab(u)) for u in people for _ in range(_tabs_of(u))]
        while len(gw.realtime.sockets) < len(tabs):  # noqa: ASYNC110 - another process asks
            await asyncio.sleep(0.05)
        by_user: dict[str, list[str]] = {}
        for cid, sock in gw.realtime.sockets.items():
            by_user.setdefault(sock.user_id, []).append(cid)
        pipe.send({"url": gw.url, "connections": by_user})
        while (command := await loop.run_in_executor(None, pipe.recv)) != "stop":
            _, expected, timeout_s = command
            deadline = time.monotonic() + timeout_s
            while len(received) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.3)  # anything extra (a duplicate) would show up now
            pipe.send(list(received))
            received.clear()
        for t in tabs:
            t.cancel()


# ---- the driver ------------------------------------------------------------------------------


async def _send(aws: Aws, url: str, event: Event) -> None:
    """Straight into the notifier's inbox, as SNS would put it there."""
    await aws.sqs.send_message(
        QueueUrl=url,
        MessageBody=event.to_wire(),
        MessageGroupId=event.group(),
        MessageDeduplicationId=event.id,
        MessageAttributes={"type": {"DataType": "String", "StringValue": event.TYPE}},
    )


async def _moto_round_trips(aws: Aws, n: int) -> list[float]:
    """Baseline: moto's own SQS FIFO send → long-poll receive, plain aioboto3 calls."""
    url = (
        await aws.sqs.create_queue(
            QueueName=f"{aws.settings.name_prefix}-baseline.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        )
    )["QueueUrl"]
    out = []
    for i in range(n):
        t0 = time.monotonic()
        await aws.sqs.send_message(
            QueueUrl=url, MessageBody="{}", MessageGroupId=f"g{i}", MessageDeduplicationId=str(i)
        )
        resp: Any = {}
        while not resp.get("Messages"):
            resp = await aws.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        out.append(time.monotonic() - t0)
        await aws.sqs.delete_message(
            QueueUrl=url, ReceiptHandle=resp["Messages"][0]["ReceiptHandle"]
        )
    return out


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _ask(pipe: Connection, expected: int, timeout_s: float) -> list[tuple[float, str]]:
    pipe.send(("wait", expected, timeout_s))
    got: list[tuple[float, str]] = await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    return got


class _Credentials:
    async def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return ReadOnlyCredentials("bench", "bench-secret", "bench-token")


async def _end_to_end(stack: Stack, aws: Aws, pipe: Connection, url: str) -> dict[str, Any]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")},
        **DUMMY_CREDENTIALS,
        "PARLEY_NAME_PREFIX": stack.prefix,
        "PARLEY_AWS_ENDPOINT_URL": stack.endpoint_url,
        "PARLEY_CONNECTIONS_ENDPOINT_URL": url,
        "PARLEY_POLL_WAIT_S": "1",
        "PARLEY_LOG_LEVEL": "WARNING",
    }
    notifier = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.notifier", env=env, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        store = ConnectionStore.for_prefix(aws.dynamodb, stack.prefix)
        people = [f"p{i:03d}" for i in range(2 * PAIRS)]
        deadline = time.monotonic() + 30
        while sum(len(c) for c in await asyncio.gather(*map(store.of, people))) < 3 * PAIRS:
            assert time.monotonic() < deadline, "the notifier did not learn of every tab"
            await asyncio.sleep(0.2)
        inbox = await aws.queue_url(aws.topology.inbox(Service.NOTIFIER).name)
        trickle = [
            SignalRelayed(
                session_id=f"lat-{n}",
                from_user_id=_pair(n % PAIRS)[0],
                to_user_id=_pair(n % PAIRS)[1],
                kind="bye",
            )
            for n in range(LATENCY_EVENTS)
        ]
        sent_at: dict[str, float] = {}
        cpu0 = _cpu_s(notifier.pid)
        for event in trickle:
            sent_at[event.session_id] = time.monotonic()
            await _send(aws, inbox, event)
            await asyncio.sleep(1 / LATENCY_RATE)
        expected = _deliveries(list(trickle))
        got = await _ask(pipe, expected, 30)
        cpu = _cpu_s(notifier.pid) - cpu0
    finally:
        notifier.send_signal(signal.SIGTERM)
        await asyncio.wait_for(notifier.wait(), 20)
    assert len(got) == expected  # every message once
    latency = [at - sent_at[json.loads(frame)["sessionId"]] for at, frame in got]
    return {"latency": latency, "cpu": cpu, "deliveries": expected}


async def _one_core(
    pipe: Connection, url: str, connections: dict[str, list[str]]
) -> dict[str, Any]:
    store = FakeConnections(**{u: tuple(ids) for u, ids in connections.items()})
    wires = [e.to_wire() for r in range(ROUNDS) for e in _backlog(r)]
    expected = _deliveries([e for r in range(ROUNDS) for e in _backlog(r)])
    room = asyncio.Semaphore(CONCURRENCY)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=128)) as http:
        notifier = Notifier(
            store, ConnectionsApi(url, "us-east-1", _Credentials(), http), FakeHandled()
        )

        async def handle(wire: str) -> None:
            async with room:
                await notifier.notify(REGISTRY.parse(wire))

        cpu0, t0 = time.process_time(), time.monotonic()
        await asyncio.gather(*(handle(w) for w in wires))
        cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
        got = await _ask(pipe, expected, 30)
    assert len(got) == expected  # every message once
    return {"events": len(wires), "deliveries": expected, "cpu": cpu, "wall": wall}


@pytest.mark.benchmark
async def test_notifier_deliveries_per_core_and_inbox_to_socket_latency(
    stack: Stack, aws: Aws
) -> None:
    baseline = await _moto_round_trips(aws, 40)
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    host = ctx.Process(target=edge_host, args=(theirs, stack.endpoint_url, stack.prefix))
    host.start()
    try:
        ready = await asyncio.get_running_loop().run_in_executor(None, ours.recv)
        e2e = await _end_to_end(stack, aws, ours, ready["url"])
        core = await _one_core(ours, ready["url"], ready["connections"])
        ours.send("stop")
    finally:
        await asyncio.to_thread(host.join, 20)
        if host.is_alive():
            host.terminate()

    moto = summary_ms(baseline)
    lat = summary_ms(e2e["latency"])
    report(
        "notifier: inbox → open WebSockets (120 sockets, 80 people)",
        {
            "1 core: events handled": str(core["events"]),
            "1 core: deliveries (messages on sockets)": str(core["deliveries"]),
            "1 core: deliveries / CPU-second (goal ≥ 2,000)": core["deliveries"] / core["cpu"],
            "1 core: CPU per delivery µs": core["cpu"] / core["deliveries"] * 1e6,
            "1 core: deliveries / s wall clock": core["deliveries"] / core["wall"],
            "moto SQS round trip p50 ms (baseline)": moto["p50 ms"],
            "moto SQS round trip p99 ms (baseline)": moto["p99 ms"],
            "end to end: inbox → socket p50 ms": lat["p50 ms"],
            "end to end: inbox → socket p99 ms": lat["p99 ms"],
            "end to end: p50 / moto round-trip p50": lat["p50 ms"] / moto["p50 ms"],
            "end to end: p99 / moto round-trip p99": lat["p99 ms"] / moto["p99 ms"],
            "end to end: notifier CPU per delivery µs (moto-bound)": e2e["cpu"]
            / e2e["deliveries"]
            * 1e6,
        },
    )
    assert core["deliveries"] / core["cpu"] > 0
