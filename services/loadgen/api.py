"""The public API as one simulated person uses it: REST calls and the WebSocket."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from services.loadgen.journal import now_iso
from services.loadgen.stats import Recorder

TRANSPORT = 0  # the status recorded when no answer came


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        return str(self.body.get("code", ""))


@dataclass(frozen=True)
class Pushed:
    """A message from the WebSocket with the moment it arrived."""

    at: float
    msg: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.msg.get("type", ""))


class Api:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        token: str,
        recorder: Recorder,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._base = base_url
        self._headers = {"Authorization": f"Bearer {token}"}
        self._recorder = recorder
        self._clock = clock
        # Whose requests these are in the run's journal: the user id, learnt from /v1/me.
        self.person = ""

    async def call(
        self, method: str, path: str, label: str, body: dict[str, Any] | None = None
    ) -> Answer:
        """One request; anything but a 2xx is counted as an error under `label`."""
        sent_at = now_iso()
        try:
            async with self._http.request(
                method, self._base + path, json=body, headers=self._headers
            ) as resp:
                text = await resp.text()
                parsed = json.loads(text) if text else {}
                answer = Answer(resp.status, parsed if isinstance(parsed, dict) else {})
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            answer = Answer(TRANSPORT, {"code": type(exc).__name__})
        if path == "/v1/me" and answer.ok and not self.person:
            self.person = str(answer.body.get("userId", ""))
        if (journal := self._recorder.journal) is not None:
            journal.request(self.person, method, path, body, sent_at, answer.status, answer.body)
        if not answer.ok:
            self._recorder.error(f"{label} {answer.status} {answer.code}".rstrip())
        return answer

    @property
    def http(self) -> aiohttp.ClientSession:
        return self._http

    async def me(self) -> Answer:
        return await self.call("GET", "/v1/me", "GET /v1/me")


async def open_socket(
    http: aiohttp.ClientSession, ws_base: str, token: str
) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(f"{ws_base}?token={token}", heartbeat=None, autoping=True)
    # An invalid token is closed at once (4401); give it a moment to say so.
    await asyncio.sleep(0)
    if ws.closed:
        raise RuntimeError(f"the WebSocket closed at once ({ws.close_code})")
    return ws
