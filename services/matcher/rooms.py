"""Media rooms. In LiveKit mode the matcher creates each session's room and deletes it at the
end: token expiry alone disconnects no one. In direct mode browsers connect peer-to-peer and
there is no room to manage."""

from __future__ import annotations

from typing import Protocol

from livekit import api

from services.runtime.logs import get_logger


class Rooms(Protocol):
    async def create(self, room: str) -> None: ...

    async def delete(self, room: str) -> None: ...

    async def close(self) -> None: ...


class NoRooms:
    """Direct mode: nothing to create or tear down."""

    async def create(self, room: str) -> None:
        return None

    async def delete(self, room: str) -> None:
        return None

    async def close(self) -> None:
        return None


class LiveKitRooms:
    """Room admin over LiveKit's Twirp API. Both calls are safe to repeat: creating an existing
    room returns it, deleting a room that is gone is done."""

    def __init__(self, url: str, key: str, secret: str, empty_timeout_s: int) -> None:
        self._lk = api.LiveKitAPI(url, key, secret)
        self._empty_timeout_s = empty_timeout_s
        self._log = get_logger(component="rooms")

    async def create(self, room: str) -> None:
        await self._lk.room.create_room(
            api.CreateRoomRequest(
                name=room, max_participants=2, empty_timeout=self._empty_timeout_s
            )
        )
        self._log.info("room.created", room=room)

    async def delete(self, room: str) -> None:
        try:
            await self._lk.room.delete_room(api.DeleteRoomRequest(room=room))
        except api.ServerError as exc:
            if exc.code != api.ServerErrorCode.NOT_FOUND:
                raise
        self._log.info("room.deleted", room=room)

    async def close(self) -> None:
        await self._lk.aclose()
