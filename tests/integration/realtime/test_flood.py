"""One socket flooding the local WebSocket edge is closed, and nobody else notices.

The flooder is a process of its own (`flood_client.py`): what the other person's pongs show is
the gateway's work under the flood, not the test's own sending.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from services.runtime.aws import Aws
from tests.integration.realtime.helpers import Gateway, People, eventually

FLOOD_FRAMES = 3000
PING = json.dumps({"type": "ping"})
CLOSE_POLICY = 1008  # RFC 6455: policy violation
ROOT = Path(__file__).resolve().parents[3]


async def test_a_socket_flooding_3000_frames_is_closed_and_another_persons_pongs_stay_fast(
    gateway: Gateway, people: People, aws: Aws
) -> None:
    alice = people.id("alice")
    bob = await gateway.http.ws_connect(
        f"{gateway.url}/v1/ws", params={"token": people.token("bob")}
    )
    await eventually(lambda: any(s.recorded for s in gateway.realtime.sockets.values()))
    flooder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.realtime.flood_client",
        gateway.url,
        people.token("alice"),
        str(FLOOD_FRAMES),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert flooder.stdout is not None
    assert await asyncio.wait_for(flooder.stdout.readline(), 20) == b"flooding\n"
    # One after another from the flood's first frame on, fewer than the burst: bob stays within
    # his own limit however fast he asks.
    bob_pongs: list[float] = []
    for _ in range(18):
        t0 = time.perf_counter()
        await bob.send_str(PING)
        msg = await bob.receive(timeout=5)
        assert json.loads(msg.data) == {"type": "pong"}
        bob_pongs.append(time.perf_counter() - t0)
        await asyncio.sleep(0.005)
    flood = json.loads(await asyncio.wait_for(flooder.stdout.readline(), 20))
    assert await flooder.wait() == 0

    p50, worst = statistics.median(bob_pongs), max(bob_pongs)
    print(
        f"\nflood: {flood['sent']} frames sent, {flood['pongs']} answered, closed with "
        f"{flood['closeCode']} after {flood.get('secondsToClose') or 0:.3f} s; the other "
        f"person's pong p50 {p50 * 1000:.1f} ms, max {worst * 1000:.1f} ms over "
        f"{len(bob_pongs)} pings"
    )
    assert flood["closeCode"] == CLOSE_POLICY
    assert flood["others"] == [{"type": "socket.limited", "reason": "too_fast"}]
    assert flood["pongs"] == 20  # the burst, and not one frame more
    assert worst < 1.0
    # Bob's socket is open and answered; alice's connection is gone from the records.
    assert not bob.closed
    await bob.send_str(PING)
    assert json.loads((await bob.receive(timeout=5)).data) == {"type": "pong"}

    async def alice_gone() -> bool:
        rows = await aws.dynamodb.scan(TableName=aws.table("gateway-connections"))
        return all(r["userId"]["S"] != alice for r in rows["Items"])

    await eventually(alice_gone)
    await bob.close()
