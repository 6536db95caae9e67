"""A stand-in for a LiveKit server — a test double, not LiveKit — for the chaos run.

No LiveKit server can run here, so this aiohttp app on 127.0.0.1 speaks LiveKit's wire
protocol with livekit-api's own message classes, to the parts of Parley that talk to LiveKit:

- the matcher's room admin: Twirp over protobuf, `POST /twirp/livekit.RoomService/<Method>`
  (CreateRoom, DeleteRoom, ListParticipants, RemoveParticipant), each call signed with a
  token carrying the grant LiveKit asks of it;
- a person's browser: the signalling WebSocket `GET /rtc?access_token=<token the gateway
  minted>`, checked as LiveKit checks it (signature with the API secret, expiry,
  `video.roomJoin`, the room, an identity) and refused for a room that does not exist or was
  deleted (rooms are never created by a join: `auto_create` off). An open socket is a person
  in the room; a `LeaveRequest` then a close is a leave, a close without one an abort, and
  DeleteRoom or RemoveParticipant sends the `LeaveRequest` from the server and disconnects;
- the gateway's `POST /webhooks/livekit`: `participant_joined`, `participant_left`,
  `participant_connection_aborted` and `room_finished`, signed as LiveKit signs them (raw JWT in
  `Authorization`, HS256 with the API secret, `iss` the API key, claim `sha256` of the body,
  `application/webhook+json`), retried with the same `id` until answered 2xx, and — as
  LiveKit's may — some sent twice and some held back so later ones overtake them.

It keeps a room log of its own — room, identity, in/out, LiveKit's stamp (`createdAt`, whole
seconds since the epoch, as LiveKit stamps webhooks), the webhook's id and `deliveredAt`, when
the gateway first answered it 2xx (null while it has not) — which is what an independent
check of a run takes as the truth of who was in which room when, and of when Parley heard.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from google.protobuf import json_format
from google.protobuf.message import Message
from livekit import api
from livekit.api import AccessToken, TokenVerifier
from livekit.protocol import models, rtc, webhook

STANDARD = models.ParticipantInfo.Kind.STANDARD
log = structlog.get_logger(component="livekit_standin")


@dataclass(frozen=True)
class Misdelivery:
    """How the stand-in's webhooks misbehave, as LiveKit's may."""

    retried_share: float = 0.1  # delivered a second time, same id, a moment later
    late_share: float = 0.1  # held back this long, so later events overtake it
    late_s: tuple[float, float] = (0.3, 1.5)
    give_up_after_s: float = 90.0  # a gateway that never answers 2xx loses the event


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class _Conn:
    identity: str
    name: str
    sid: str
    ws: web.WebSocketResponse
    joined_at: int
    gone: bool = False


@dataclass
class _Room:
    proto: models.Room
    people: dict[str, _Conn] = field(default_factory=dict)
    empty_since: float = 0.0
    anyone_came: bool = False
    closed: bool = False

    def idle_limit_s(self) -> int:
        """LiveKit closes an empty room after `empty_timeout` if nobody ever came, else after
        `departure_timeout` (20 s unless set) once the last one left."""
        if self.anyone_came:
            return self.proto.departure_timeout or 20
        return self.proto.empty_timeout or 300


@dataclass
class LiveKitStandIn:
    api_key: str
    api_secret: str
    webhook_url: str  # the gateway's POST /webhooks/livekit
    misdelivery: Misdelivery = Misdelivery()
    seed: int | None = None
    clock: Callable[[], float] = time.time
    room_log: list[dict[str, Any]] = field(default_factory=list)
    figures: Counter[str] = field(default_factory=Counter)
    rooms: dict[str, _Room] = field(default_factory=dict)
    url: str = ""

    def __post_init__(self) -> None:
        self._verifier = TokenVerifier(self.api_key, self.api_secret)
        self._rng = random.Random(self.seed)
        self._deliveries: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._entries: dict[str, dict[str, Any]] = {}  # webhook id → its room log entry

    # -- running ---------------------------------------------------------------------------

    async def start(self, port: int) -> LiveKitStandIn:
        app = web.Application()
        app.router.add_post("/twirp/livekit.RoomService/{method}", self._twirp)
        app.router.add_get("/rtc", self._rtc)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        self._sweeper = asyncio.create_task(self._sweep_empty())
        self.url = f"ws://127.0.0.1:{port}"
        return self

    async def drain(self, within_s: float) -> bool:
        """Wait until every webhook was delivered or given up; False if some are still going."""
        deadline = time.monotonic() + within_s
        while self._deliveries and (left := deadline - time.monotonic()) > 0:
            await asyncio.wait(set(self._deliveries), timeout=left)
        return not self._deliveries

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        if self._runner:
            await self._runner.cleanup()
        if self._http:
            await self._http.close()

    # -- room admin (Twirp) ------------------------------------------------------------------

    def _admin_grant(self, request: web.Request, method: str, room: str) -> str | None:
        """Why the call is refused, or None: the Bearer token must verify and carry the grant
        LiveKit asks of this method."""
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        try:
            video = self._verifier.verify(token).video
        except Exception:  # the SDK raises whatever PyJWT raises
            return "invalid token"
        if video is None:
            return "no video grant"
        if method in ("CreateRoom", "DeleteRoom", "ListRooms"):
            return None if video.room_create or video.room_list else "no roomCreate grant"
        return None if video.room_admin and video.room == room else "no roomAdmin for this room"

    async def _twirp(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        self.figures[f"twirp {method}"] += 1
        req: Message
        if method == "CreateRoom":
            req = api.CreateRoomRequest.FromString(raw)
            if why := self._admin_grant(request, method, req.name):
                return _twirp_error(401, "unauthenticated", why)
            return _proto(self.create_room(req).proto)
        if method == "DeleteRoom":
            req = api.DeleteRoomRequest.FromString(raw)
            if why := self._admin_grant(request, method, req.room):
                return _twirp_error(401, "unauthenticated", why)
            if not await self.delete_room(req.room):
                return _twirp_error(404, "not_found", "room not found")
            return _proto(api.DeleteRoomResponse())
        if method == "ListParticipants":
            req = api.ListParticipantsRequest.FromString(raw)
            if why := self._admin_grant(request, method, req.room):
                return _twirp_error(401, "unauthenticated", why)
            room = self._open_room(req.room)
            if room is None:
                return _twirp_error(404, "not_found", "room not found")
            infos = [self._info(c) for c in room.people.values()]
            return _proto(api.ListParticipantsResponse(participants=infos))
        if method == "RemoveParticipant":
            req = api.RoomParticipantIdentity.FromString(raw)
            if why := self._admin_grant(request, method, req.room):
                return _twirp_error(401, "unauthenticated", why)
            room = self._open_room(req.room)
            conn = room.people.get(req.identity) if room else None
            if room is None or conn is None:
                return _twirp_error(404, "not_found", "participant not found")
            await self._disconnect(room, conn, models.DisconnectReason.PARTICIPANT_REMOVED)
            return _proto(api.RemoveParticipantResponse())
        return _twirp_error(404, "bad_route", f"no method {method}")

    def create_room(self, req: api.CreateRoomRequest) -> _Room:
        """An existing open room is returned as it is; a deleted one is created anew."""
        room = self._open_room(req.name)
        if room is None:
            proto = models.Room(
                sid=f"RM_{secrets.token_hex(6)}",
                name=req.name,
                empty_timeout=req.empty_timeout,
                departure_timeout=req.departure_timeout,
                max_participants=req.max_participants,
                creation_time=int(self.clock()),
            )
            room = self.rooms[req.name] = _Room(proto, empty_since=self.clock())
        return room

    async def delete_room(self, name: str) -> bool:
        room = self._open_room(name)
        if room is None:
            return False
        await self._close_room(room, models.DisconnectReason.ROOM_DELETED)
        return True

    def _open_room(self, name: str) -> _Room | None:
        room = self.rooms.get(name)
        return room if room is not None and not room.closed else None

    async def _close_room(self, room: _Room, reason: models.DisconnectReason) -> None:
        room.closed = True
        for conn in list(room.people.values()):
            await self._disconnect(room, conn, reason)
        self._send("room_finished", room, None, int(self.clock()))

    async def _sweep_empty(self) -> None:
        """LiveKit closes a room that stayed empty for its `empty_timeout`."""
        while True:
            await asyncio.sleep(1.0)
            now = self.clock()
            for room in list(self.rooms.values()):
                idle = now - room.empty_since
                if not room.closed and not room.people and idle > room.idle_limit_s():
                    self.figures["rooms_timed_out"] += 1
                    await self._close_room(room, models.DisconnectReason.ROOM_CLOSED)

    # -- people in rooms (the signalling WebSocket) -----------------------------------------

    async def _rtc(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("access_token", "")
        try:
            claims = self._verifier.verify(token)
        except Exception:
            self.figures["joins_refused_token"] += 1
            return web.json_response({"error": "invalid token"}, status=401)
        video, identity = claims.video, claims.identity or ""
        name = (video.room or "") if video else ""
        if not (video and video.room_join and name and identity):
            self.figures["joins_refused_grant"] += 1
            return web.json_response({"error": "no roomJoin grant for a room"}, status=401)
        room = self._open_room(name)
        if room is None:
            self.figures["joins_refused_no_room"] += 1
            return web.json_response({"error": "requested room does not exist"}, status=404)
        limit = room.proto.max_participants
        if limit and identity not in room.people and len(room.people) >= limit:
            self.figures["joins_refused_full"] += 1
            return web.json_response({"error": "room is full"}, status=403)
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        if (old := room.people.get(identity)) is not None:
            await self._disconnect(room, old, models.DisconnectReason.DUPLICATE_IDENTITY)
        if room.closed:  # deleted while the socket was opening
            await ws.close()
            return ws
        conn = _Conn(identity, claims.name or identity, f"PA_{secrets.token_hex(6)}", ws, 0)
        conn.joined_at = self._enter(room, conn)
        others = [self._info(c) for c in room.people.values() if c is not conn]
        join = rtc.JoinResponse(
            room=room.proto, participant=self._info(conn), other_participants=others
        )
        await ws.send_bytes(rtc.SignalResponse(join=join).SerializeToString())
        clean = False
        try:
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.BINARY:
                    signal = rtc.SignalRequest.FromString(frame.data)
                    if signal.WhichOneof("message") == "leave":
                        clean = True
                        break
        finally:
            if not conn.gone:
                kind = "participant_left" if clean else "participant_connection_aborted"
                self._leave(room, conn, kind)
                await ws.close()
        return ws

    def _enter(self, room: _Room, conn: _Conn) -> int:
        room.people[conn.identity] = conn
        room.anyone_came = True
        stamp = int(self.clock())
        info = self._info(conn, joined_at=stamp)
        event_id = self._send("participant_joined", room, info, stamp)
        self._log(room, conn, "in", stamp, event_id)
        return stamp

    def _leave(self, room: _Room, conn: _Conn, kind: str) -> None:
        conn.gone = True
        if room.people.get(conn.identity) is conn:
            del room.people[conn.identity]
        if not room.people:
            room.empty_since = self.clock()
        info = self._info(conn)
        info.state = models.ParticipantInfo.State.DISCONNECTED
        stamp = int(self.clock())
        event_id = self._send(kind, room, info, stamp)
        self._log(room, conn, "out", stamp, event_id)

    def _log(self, room: _Room, conn: _Conn, kind: str, stamp: int, event_id: str) -> None:
        entry = {"room": room.proto.name, "identity": conn.identity, "kind": kind,
                 "at": iso(stamp), "id": event_id, "deliveredAt": None}  # fmt: skip
        self.room_log.append(entry)
        self._entries[event_id] = entry

    async def _disconnect(self, room: _Room, conn: _Conn, reason: models.DisconnectReason) -> None:
        """The server sends the participant away: LeaveRequest, close, `participant_left`."""
        if conn.gone:
            return
        self._leave(room, conn, "participant_left")
        leave = rtc.LeaveRequest(reason=reason, action=rtc.LeaveRequest.Action.DISCONNECT)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await conn.ws.send_bytes(rtc.SignalResponse(leave=leave).SerializeToString())
        await conn.ws.close()

    def _info(self, conn: _Conn, joined_at: int | None = None) -> models.ParticipantInfo:
        return models.ParticipantInfo(
            sid=conn.sid,
            identity=conn.identity,
            name=conn.name,
            state=models.ParticipantInfo.State.ACTIVE,
            joined_at=joined_at if joined_at is not None else conn.joined_at,
            kind=STANDARD,
        )

    # -- webhooks --------------------------------------------------------------------------

    def _send(self, kind: str, room: _Room, who: models.ParticipantInfo | None, stamp: int) -> str:
        """Deliver the event, stamped `stamp`, in the background; its id."""
        event = webhook.WebhookEvent(
            event=kind, room=room.proto, id=f"EV_{secrets.token_hex(8)}", created_at=stamp
        )
        if who is not None:
            event.participant.CopyFrom(who)
        task = asyncio.create_task(self._deliver(event))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)
        self.figures["webhooks"] += 1
        return event.id

    async def _deliver(self, event: webhook.WebhookEvent) -> None:
        md = self.misdelivery
        if self._rng.random() < md.late_share:
            self.figures["webhooks_late"] += 1
            await asyncio.sleep(self._rng.uniform(*md.late_s))
        body = json_format.MessageToJson(event, indent=None)
        await self._post(body, event)
        if self._rng.random() < md.retried_share:
            self.figures["webhooks_repeated"] += 1
            await asyncio.sleep(self._rng.uniform(0.05, 1.0))
            await self._post(body, event)

    async def _post(self, body: str, event: webhook.WebhookEvent) -> None:
        """Until the gateway answers 2xx (it may be down for a while), then done."""
        assert self._http is not None
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        deadline = time.monotonic() + self.misdelivery.give_up_after_s
        pause = 0.2
        while True:
            jwt = AccessToken(self.api_key, self.api_secret).with_sha256(digest).to_jwt()
            headers = {"Authorization": jwt, "Content-Type": "application/webhook+json"}
            try:
                async with self._http.post(self.webhook_url, data=body, headers=headers) as r:
                    if 200 <= r.status < 300:
                        entry = self._entries.get(event.id)
                        if entry is not None and entry["deliveredAt"] is None:
                            entry["deliveredAt"] = iso(self.clock())
                        return
                    status = str(r.status)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                status = type(exc).__name__
            self.figures["webhook_attempts_failed"] += 1
            if time.monotonic() > deadline:
                self.figures["webhooks_given_up"] += 1
                log.warning("webhook.given_up", id=event.id, webhook=event.event, last=status)
                return
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 2)


def _proto(msg: Message) -> web.Response:
    return web.Response(body=msg.SerializeToString(), content_type="application/protobuf")


def _twirp_error(status: int, code: str, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)


class InThread:
    """The stand-in on an event loop of its own in a background thread, so it runs from
    before the local stack starts until after it stops, whatever the caller's loop does."""

    def __init__(self, standin: LiveKitStandIn, port: int) -> None:
        self.standin, self.port = standin, port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> LiveKitStandIn:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.standin.start(self.port), self._loop).result(10)
        return self.standin

    def drain(self, within_s: float) -> bool:
        done = asyncio.run_coroutine_threadsafe(self.standin.drain(within_s), self._loop)
        return done.result(within_s + 5)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.standin.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
