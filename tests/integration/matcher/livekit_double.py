"""A stand-in for a LiveKit server's room service, for tests only.

No LiveKit server can run here, so this small aiohttp app speaks the same wire protocol the
livekit-api SDK uses — Twirp over protobuf, `POST /twirp/livekit.RoomService/<Method>` —
answering with the SDK's own message classes, and records every call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from livekit import api

from services.devstack.embedded_aws import free_port


@dataclass
class LiveKitDouble:
    calls: list[tuple[str, object]] = field(default_factory=list)
    rooms: dict[str, api.Room] = field(default_factory=dict)
    runner: web.AppRunner | None = None
    url: str = ""
    down: bool = False  # answer every call with 503, as an unreachable node would

    async def start(self) -> LiveKitDouble:
        app = web.Application()
        app.router.add_post("/twirp/livekit.RoomService/{method}", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    def called(self, method: str) -> list[object]:
        return [req for m, req in self.calls if m == method]

    async def _handle(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return _error(401, "unauthenticated", "no token")
        method = request.match_info["method"]
        raw = await request.read()
        if self.down:
            self.calls.append((f"{method}:failed", None))
            return _error(503, "unavailable", "node down")
        if method == "CreateRoom":
            create = api.CreateRoomRequest.FromString(raw)
            self.calls.append((method, create))
            room = self.rooms.setdefault(
                create.name,
                api.Room(
                    sid=f"RM_{create.name[:8]}",
                    name=create.name,
                    max_participants=create.max_participants,
                    empty_timeout=create.empty_timeout,
                ),
            )
            return _ok(room.SerializeToString())
        if method == "DeleteRoom":
            delete = api.DeleteRoomRequest.FromString(raw)
            self.calls.append((method, delete))
            if self.rooms.pop(delete.room, None) is None:
                return _error(404, "not_found", "room not found")
            return _ok(api.DeleteRoomResponse().SerializeToString())
        return _error(404, "bad_route", f"no method {method}")


def _ok(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/protobuf")


def _error(status: int, code: str, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)
