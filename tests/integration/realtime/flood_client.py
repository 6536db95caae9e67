"""A socket that floods the edge, in a process of its own: `python -m
tests.integration.realtime.flood_client URL TOKEN FRAMES`.

Its own process, so its sending never competes for the interpreter with the gateway it floods
(in one process, a thread writing thousands of frames starves the gateway's event loop and
the figures would measure the test, not the gateway). It prints `flooding` as it starts, then
one JSON line: frames sent and answered, other messages, close code, seconds to the close.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp

PING = json.dumps({"type": "ping"})


async def flood(url: str, token: str, frames: int) -> dict[str, Any]:
    out: dict[str, Any] = {"sent": 0, "pongs": 0, "others": [], "closeCode": None}
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{url}/v1/ws", params={"token": token})
        print("flooding", flush=True)
        started = time.perf_counter()

        async def read() -> None:
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    message = json.loads(msg.data)
                    if message == {"type": "pong"}:
                        out["pongs"] += 1
                    else:
                        out["others"].append(message)
            out["secondsToClose"] = time.perf_counter() - started

        reader = asyncio.create_task(read())
        for _ in range(frames):
            if ws.closed:
                break
            try:
                await ws.send_str(PING)
            except ConnectionError:
                break
            out["sent"] += 1
        done, _ = await asyncio.wait([reader], timeout=5)
        if not done:
            await ws.close()  # never closed by the server: the flood was not stopped
            await reader
        out["closeCode"] = ws.close_code
    return out


if __name__ == "__main__":
    url, token, frames = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(json.dumps(asyncio.run(flood(url, token, frames))), flush=True)
