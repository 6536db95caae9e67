"""A person's side of a LiveKit room, as far as the signalling goes: the WebSocket
`<url>/rtc?access_token=<token>` that `POST /v1/sessions/{id}/join` hands out. The socket being
open is being in the room; no media flows (the run measures the bookkeeping, not video).

Leaving sends LiveKit's `LeaveRequest` and closes; dropping closes without one (a tab that
crashed); the server sending its own `LeaveRequest` (the room was deleted) closes it too.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from livekit.protocol import models, rtc


class RoomRefused(Exception):
    """The media server would not let the person in (`status`: its HTTP answer, 0: none)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"room join refused ({status})")
        self.status = status


class RoomLink:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def enter(cls, http: aiohttp.ClientSession, url: str, token: str) -> RoomLink:
        """In the room once the server's JoinResponse came; RoomRefused otherwise."""
        try:
            ws = await http.ws_connect(f"{url.rstrip('/')}/rtc", params={"access_token": token})
        except aiohttp.WSServerHandshakeError as exc:
            raise RoomRefused(exc.status) from None
        except (aiohttp.ClientError, OSError, TimeoutError):
            raise RoomRefused(0) from None
        try:
            frame = await ws.receive(timeout=5)
        except TimeoutError:
            frame = None
        if frame is None or frame.type != aiohttp.WSMsgType.BINARY:
            await ws.close()
            raise RoomRefused(0)
        if rtc.SignalResponse.FromString(frame.data).WhichOneof("message") != "join":
            await ws.close()
            raise RoomRefused(0)
        return cls(ws)

    async def _read(self) -> None:
        async for frame in self._ws:
            if frame.type == aiohttp.WSMsgType.BINARY:
                signal = rtc.SignalResponse.FromString(frame.data)
                if signal.WhichOneof("message") == "leave":
                    break
        await self._ws.close()

    @property
    def open(self) -> bool:
        return not self._ws.closed and not self._reader.done()

    async def leave(self) -> None:
        if self.open:
            bye = rtc.LeaveRequest(reason=models.DisconnectReason.CLIENT_INITIATED)
            leave = rtc.SignalRequest(leave=bye)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self._ws.send_bytes(leave.SerializeToString())
        await self._close()

    async def drop(self) -> None:
        await self._close()

    async def _close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._ws.close()
