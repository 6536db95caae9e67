"""One simulated person: join, talk a moment, stop, join again; sometimes invite someone.

The WebSocket reader notes every `session.started` the moment it arrives (that is what is
measured) and answers invites; everything else goes to the person's loop through a queue.
`state` says what the person is doing; the reader and the loop share one event loop, so a
check-and-set without an await in between is atomic.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from services.loadgen.api import TRANSPORT, Api, Pushed
from services.loadgen.pacer import Pacer
from services.loadgen.room import RoomLink, RoomRefused
from services.loadgen.stats import Recorder

# A session the person was told of ends within this long of its stop (else: resync).
END_WAIT_S = 15.0
# An invite that nobody answers is withdrawn after this long.
INVITE_WAIT_S = 10.0
PING_EVERY_S = 45.0  # as the SPA (PING_INTERVAL_MS, frontend/src/api/ws.ts)
INVITE_ENDS = frozenset(
    {"invite.declined", "invite.expired", "invite.cancelled", "invite.rejected"}
)
ACCEPT_ENDS = frozenset({"invite.accept_failed", "invite.expired", "invite.cancelled"})
LOCAL_ACCEPT_FAILED = "local.accept_failed"
# LiveKit mode: how long a person keeps trying to enter a room not created yet.
ROOM_ENTER_WITHIN_S = 5.0
# What the two people of a LiveKit session do (both draw the same plan from the session id):
# meet and talk, the offerer stops; one leaves and comes back (cleanly or by a dropped
# connection); they never meet (one leaves before the other arrives); both leave without
# stopping (the session ends `left`); one never comes (a no-show).
ROOM_PLANS = ("rejoin", "never_meet", "both_leave", "no_show")


@dataclass
class Knobs:
    talk_s: float
    invite_share: float
    # Everyone's user id, to pick someone to invite among the people of this run.
    crowd: frozenset[str] = field(default_factory=frozenset)
    # Shares of joins where the person closes the tab while waiting (and comes back after
    # `away_s`), of sessions the person never connects to, of invites left unanswered.
    walk_away_share: float = 0.0
    no_show_share: float = 0.0
    ignore_invite_share: float = 0.0
    away_s: float = 5.0
    # "direct": report `connected` as a browser's peer connection would; "livekit": enter the
    # media room with the token `POST /v1/sessions/{id}/join` gives.
    media_mode: str = "direct"
    # LiveKit mode: the share of sessions following each of ROOM_PLANS (the rest just meet).
    room_shares: Mapping[str, float] = field(default_factory=dict)
    plan_seed: str = ""


def room_plan(knobs: Knobs, session_id: str) -> str:
    """The same plan for both people of a session, from the session id alone."""
    draw = random.Random(f"{knobs.plan_seed}:{session_id}").random()
    for plan in ROOM_PLANS:
        share = knobs.room_shares.get(plan, 0.0)
        if draw < share:
            return plan
        draw -= share
    return "meet"


Reopen = Callable[[], Awaitable[aiohttp.ClientWebSocketResponse]]


class SimPerson:
    def __init__(
        self,
        name: str,
        user_id: str,
        api: Api,
        ws: aiohttp.ClientWebSocketResponse,
        recorder: Recorder,
        pacer: Pacer,
        knobs: Knobs,
        rng: random.Random,
        clock: Callable[[], float] = time.monotonic,
        reopen: Reopen | None = None,
    ) -> None:
        self.name, self.user_id = name, user_id
        self.api, self.ws = api, ws
        self.rec, self.pacer, self.knobs = recorder, pacer, knobs
        self.rng, self.clock = rng, clock
        self.state = "idle"  # idle | joining | waiting | inviting | invited | in_session
        self.joined_at: float | None = None
        self.sessions_seen: set[str] = set()
        self.out_of_points = False
        self.used_before = 0
        self._inbox: asyncio.Queue[Pushed] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wound_down: set[str] = set()
        self._talked: set[str] = set()
        # A dropped socket is opened again (a restarted gateway), except while walked away.
        self._reopen = reopen
        self._away = False
        self._closing = False
        self._links: set[RoomLink] = set()

    # -- the WebSocket side ------------------------------------------------------------------

    async def read(self) -> None:
        """Until the person closes; a dropped socket is opened again, as the SPA does."""
        while not self._closing:
            await self._read_socket()
            if self._reopen is None:
                return
            await self._reconnect(self._reopen)

    async def _reconnect(self, reopen: Reopen) -> None:
        while not self._closing:
            if not self._away:
                try:
                    self.ws = await reopen()
                    self.rec.reconnects += 1
                    await self._reread()
                    return
                except (aiohttp.ClientError, RuntimeError, OSError, TimeoutError):
                    pass
            await asyncio.sleep(0.5)

    async def _reread(self) -> None:
        """As the SPA does on every (re)connect: what was pushed while the socket was down is
        lost, and `GET /v1/me` is the truth (the journal keeps the answer). A session it shows
        that no push announced is taken up as if announced. An answer that did not come (the
        gateway restarting again) is asked for again, as the SPA does: a session that started
        while the socket was down must not go unnoticed."""
        me = await self.api.me()
        for pause in (0.5, 1.0, 2.0, 4.0):
            if (me.status != TRANSPORT and me.status < 500) or self._closing:
                break
            await asyncio.sleep(pause)
            me = await self.api.me()
        session = me.body.get("session") if me.ok else None
        if not isinstance(session, dict):
            return
        sid = str(session.get("sessionId", ""))
        if sid and sid not in self.sessions_seen:
            self.sessions_seen.add(sid)
            shown = {"type": "session.started", "sessionId": sid, "role": session.get("role")}
            self._inbox.put_nowait(Pushed(self.clock(), shown))

    async def _read_socket(self) -> None:
        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            pushed = Pushed(self.clock(), frame.json())
            if (journal := self.rec.journal) is not None:
                journal.push(self.user_id, pushed.msg)
            if pushed.type == "session.started":
                sid = str(pushed.msg["sessionId"])
                invite = bool(pushed.msg.get("inviteId"))
                self.sessions_seen.add(sid)
                joined = None if invite else self.joined_at
                self.rec.told(self.user_id, sid, pushed.at, joined, invite)
            elif pushed.type == "invite.received":
                self._spawn(self._answer_invite(str(pushed.msg["inviteId"])))
                continue
            self._inbox.put_nowait(pushed)

    async def ping(self) -> None:
        """Keeps the connection and presence leases fresh on long runs."""
        while not self._closing:
            await asyncio.sleep(PING_EVERY_S)
            if not self.ws.closed:
                with contextlib.suppress(aiohttp.ClientError, RuntimeError, OSError):
                    await self.ws.send_json({"type": "ping"})

    async def _answer_invite(self, invite_id: str) -> None:
        if self.rng.random() < self.knobs.ignore_invite_share:
            self.rec.invites["ignored"] += 1  # it expires on the server
            return
        if self.state != "idle":
            self.rec.invites["declined_busy"] += 1
            await self.api.call("POST", f"/v1/invites/{invite_id}/decline", "POST decline")
            return
        self.state = "invited"
        answer = await self.api.call("POST", f"/v1/invites/{invite_id}/accept", "POST accept")
        if answer.ok:
            self.rec.invites["accepted"] += 1
        else:
            self._inbox.put_nowait(Pushed(self.clock(), {"type": LOCAL_ACCEPT_FAILED}))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _next(self, types: Collection[str], within_s: float) -> Pushed | None:
        """The next pushed message of one of `types` (others are dropped), or None in time."""
        deadline = self.clock() + within_s
        while (left := deadline - self.clock()) > 0:
            try:
                pushed = await asyncio.wait_for(self._inbox.get(), left)
            except TimeoutError:
                return None
            stale = pushed.type == "session.started" and pushed.msg["sessionId"] in self._talked
            if pushed.type in types and not stale:
                return pushed
        return None

    # -- the loop ----------------------------------------------------------------------------

    async def run(self, until: float) -> None:
        while self.clock() < until and not self.out_of_points:
            if self.state == "invited":
                await self._await_accepted(until)
                continue
            if self.rng.random() < self.knobs.invite_share and await self._invite(until):
                continue
            if not await self.pacer.take(until):
                break
            if self.state != "idle":
                continue  # an invite was accepted while waiting for the slot
            await self._join(until)

    async def _join(self, until: float) -> None:
        self.state = "joining"
        self.joined_at = None
        self.rec.join_posts += 1
        answer = await self.api.call("POST", "/v1/queue", "POST /v1/queue", {})
        if not answer.ok:
            self.state = "idle"
            await asyncio.sleep(0.5)
            await self._resync(until)
            return
        self.joined_at = self.clock()
        self.rec.joins += 1
        await self._await_match(until)

    async def _await_match(self, until: float) -> None:
        self.state = "waiting"
        if self.rng.random() < self.knobs.walk_away_share:
            await self._walk_away(until)
            return
        wanted = ("session.started", "ticket.rejected", "ticket.cancelled")
        pushed = await self._next(wanted, max(0.0, until - self.clock()))
        if pushed is None:
            self.state = "idle"  # the run is over; the wind-down cancels what is left
        elif pushed.type == "session.started":
            await self._talk(pushed, until)
        else:
            reason = str(pushed.msg.get("reason", "cancelled"))
            self.rec.rejections[reason] += 1
            self.out_of_points = reason == "no_points"
            self.state = "idle"
            await asyncio.sleep(0.2)

    async def _walk_away(self, until: float) -> None:
        """Close the tab while waiting, come back a little later and see where things are."""
        self.rec.walked_away += 1
        self._away = True
        await self.ws.close()
        await asyncio.sleep(self.knobs.away_s)
        self._away = False
        await asyncio.sleep(1.0)  # the reader opens the socket again
        self.state = "idle"
        await self._resync(until)

    async def _resync(self, until: float) -> None:
        """After a refusal, catch up with what `GET /v1/me` says (a push that came too late
        for a wait that gave up, say): stop a session found, wait on a ticket found."""
        me = await self.api.me()
        if not me.ok:
            return
        self.rec.resyncs += 1
        if session := me.body.get("session"):
            adopted = {"type": "session.started", "sessionId": session["sessionId"]}
            await self._talk(Pushed(self.clock(), {**adopted, "role": "offerer"}), until)
        elif me.body.get("ticket"):
            await self._await_match(until)

    async def _talk(self, started: Pushed, until: float) -> None:
        """A moment of conversation; the offerer stops it, both wait for the end."""
        self.state = "in_session"
        sid = str(started.msg["sessionId"])
        self._talked.add(sid)
        offerer = started.msg.get("role") == "offerer"
        link = None
        if self.knobs.media_mode == "livekit":
            link = await self._in_room(sid, offerer, room_plan(self.knobs, sid))
        else:
            await self._connect_direct(sid, offerer)
        # Past the end of the run the wind-down resyncs instead of waiting long.
        deadline = self.clock() + min(END_WAIT_S, max(1.0, until - self.clock()))
        while (left := deadline - self.clock()) > 0:
            pushed = await self._next(("session.ended",), left)
            if pushed is None or pushed.msg.get("sessionId") == sid:
                break
        if link is not None:
            await self._leave(link)  # mostly gone already: the end deletes the room
        self.state = "idle"

    async def _connect_direct(self, sid: str, offerer: bool) -> None:
        # As a browser does once its peer connection is up (direct mode): minutes are paid
        # from when both have said so, and a session stopped before that is free. One who
        # never connects makes it a no-show, which the server ends, free.
        shows = self.rng.random() >= self.knobs.no_show_share
        if shows:
            await self.api.call("POST", f"/v1/sessions/{sid}/connected", "POST connected")
        else:
            self.rec.no_shows += 1
        await asyncio.sleep(self.knobs.talk_s)
        if shows and offerer:
            await self.api.call("POST", f"/v1/sessions/{sid}/stop", "POST stop")

    async def _in_room(self, sid: str, offerer: bool, plan: str) -> RoomLink | None:
        """LiveKit mode: the session's plan (ROOM_PLANS) as this person's part of it; the
        link still open at the end, if any."""
        self.rec.room_plans[plan] += 1
        if plan == "no_show" and not offerer:
            self.rec.no_shows += 1
            return None
        join = await self.api.call("POST", f"/v1/sessions/{sid}/join", "POST join")
        if not join.ok:
            return None
        url, token = str(join.body.get("url", "")), str(join.body.get("token", ""))
        talk = self.knobs.talk_s
        if plan == "never_meet" and not offerer:
            await asyncio.sleep(3.0)  # the other came and went meanwhile
            return await self._enter(url, token)  # alone until the no-show rule ends it
        link = await self._enter(url, token)
        if link is None or plan == "no_show":
            return link  # alone until the no-show rule ends it
        if plan == "never_meet":
            await asyncio.sleep(0.5)
            await self._leave(link)
            return None
        await asyncio.sleep(talk)
        if plan == "both_leave":
            await asyncio.sleep(0 if offerer else 0.5)
            await self._leave(link)
            return None  # nobody stops: both out past the grace ends it `left`
        if plan == "rejoin":
            if not offerer:
                # Out and back in; a dropped connection half of the time.
                await (self._leave(link) if self.rng.random() < 0.5 else self._drop(link))
                await asyncio.sleep(1.5)
                return await self._enter(url, token)
            await asyncio.sleep(3.0)  # the other is back by now
        if offerer:
            await self.api.call("POST", f"/v1/sessions/{sid}/stop", "POST stop")
        return link

    async def _enter(self, url: str, token: str) -> RoomLink | None:
        """In the room, trying a while if it is not created yet; None if refused."""
        deadline = self.clock() + ROOM_ENTER_WITHIN_S
        while True:
            try:
                link = await RoomLink.enter(self.api.http, url, token)
            except RoomRefused as exc:
                if exc.status == 404 and self.clock() < deadline:
                    await asyncio.sleep(0.3)
                    continue
                self.rec.error(f"room join {exc.status}")
                return None
            self._links.add(link)
            return link

    async def _leave(self, link: RoomLink) -> None:
        self._links.discard(link)
        await link.leave()

    async def _drop(self, link: RoomLink) -> None:
        self._links.discard(link)
        await link.drop()

    async def _invite(self, until: float) -> bool:
        """Invite someone of this run who is online and free; False if nobody could be."""
        if self.state != "idle":
            return False
        self.state = "inviting"
        answer = await self.api.call("GET", "/v1/presence", "GET /v1/presence")
        free = [
            str(p["userId"])
            for p in answer.body.get("people", [])
            if p.get("userId") in self.knobs.crowd
        ]
        if not free:
            self.state = "idle"
            return False
        to = self.rng.choice(free)
        sent = await self.api.call("POST", "/v1/invites", "POST /v1/invites", {"to": to})
        if not sent.ok:
            self.state = "idle"
            return False
        self.rec.invites["sent"] += 1
        invite_id = str(sent.body["inviteId"])
        within = min(INVITE_WAIT_S, max(0.0, until - self.clock()))
        pushed = await self._next(("session.started", *INVITE_ENDS), within)
        if pushed is not None and pushed.type == "session.started":
            await self._talk(pushed, until)
            return True
        if pushed is None:
            self.rec.invites["withdrawn"] += 1
            gone = await self.api.call("DELETE", f"/v1/invites/{invite_id}", "DELETE invite")
            if not gone.ok:
                await self._resync(until)
        else:
            self.rec.invites[_outcome(pushed)] += 1
        self.state = "idle"
        return True

    async def _await_accepted(self, until: float) -> None:
        wanted = ("session.started", LOCAL_ACCEPT_FAILED, *ACCEPT_ENDS)
        pushed = await self._next(wanted, min(INVITE_WAIT_S, max(0.0, until - self.clock())))
        if pushed is not None and pushed.type == "session.started":
            await self._talk(pushed, until)
            return
        self.rec.invites[_outcome(pushed) if pushed else "accept_unanswered"] += 1
        self.state = "idle"

    # -- the end -----------------------------------------------------------------------------

    async def wind_down(self) -> bool:
        """Cancel, stop or withdraw whatever is left; True once `GET /v1/me` shows nothing."""
        me = await self.api.me()
        if not me.ok:
            return False
        ticket, session = me.body.get("ticket"), me.body.get("session")
        invites = me.body.get("invites") or []
        # Each thing is acted on once; later rounds only look whether it has gone.
        if ticket and self._first(ticket["ticketId"]):
            await self.api.call("DELETE", "/v1/queue", "DELETE /v1/queue (wind-down)")
        if session and self._first(sid := session["sessionId"]):
            await self.api.call("POST", f"/v1/sessions/{sid}/stop", "POST stop (wind-down)")
        for inv in invites:
            if not self._first(iid := inv["inviteId"]):
                continue
            if inv.get("direction") == "outgoing":
                await self.api.call("DELETE", f"/v1/invites/{iid}", "DELETE invite (wind-down)")
            else:
                await self.api.call("POST", f"/v1/invites/{iid}/decline", "POST decline")
        return not (ticket or session or invites)

    def _first(self, key: str) -> bool:
        if key in self._wound_down:
            return False
        self._wound_down.add(key)
        return True

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        for link in list(self._links):
            await self._leave(link)
        await self.ws.close()


def _outcome(pushed: Pushed) -> str:
    reason = pushed.msg.get("reason")
    return f"{pushed.type} ({reason})" if reason else pushed.type
