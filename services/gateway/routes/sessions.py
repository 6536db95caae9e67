"""My sessions: media credentials, stop, direct-mode signalling, and my history.

Only a participant of a live session gets anything; to everyone else the session does not
exist (404), so ids cannot be probed.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from services.gateway.http.bodies import path_id
from services.gateway.http.problems import Problem, field_error
from services.gateway.http.spec import Call, Operation
from services.gateway.live.media import ice_servers, livekit_token
from services.gateway.models import (
    DirectJoin,
    History,
    JoinAnswer,
    LiveKitJoin,
    SessionRef,
    SignalIn,
    omitted,
)
from services.gateway.people.profiles import first_name
from services.gateway.people.views import (
    display_name,
    is_live,
    iso,
    parse_iso,
    participants,
    partner_of,
    past_session,
    person_ref,
    role_of,
)
from services.wire.events import derive_id, new_id
from services.wire.events.gateway import (
    MediaParticipantJoined,
    MediaParticipantLeft,
    SessionStopRequested,
    SignalRelayed,
)

HISTORY_LIMIT = 100
_SORT_KEY = re.compile(r"^[0-9A-Za-z:.+#_-]{1,160}$")
# An SDP offer with audio, video and data is ~5-10 kB; nothing legitimate comes near this.
SIGNAL_MAX_BYTES = 32 * 1024


async def _my_live_session(call: Call, *, overdue_too: bool = False) -> tuple[str, dict[str, Any]]:
    """My session, if live. `overdue_too`: also one past its end that nothing ended yet (a
    lost timer): Stop must always be able to free people."""
    session_id = path_id(call.request, "session")
    session = await call.ctx.reads.session(session_id)
    if session is None or call.me.user_id not in participants(session):
        raise Problem(404, "not-found", "no such session")
    live = session.get("status") == "live" if overdue_too else is_live(session, call.now)
    if not live:
        raise Problem(409, "session-not-live", "this conversation has ended")
    return session_id, session


async def join_session(call: Call) -> JoinAnswer:
    session_id, session = await _my_live_session(call)
    s, uid = call.ctx.settings, call.me.user_id
    ends_at = parse_iso(session.get("endsAt"))
    partner = partner_of(session, uid)
    if ends_at is None or partner is None:
        raise Problem(404, "not-found", "no such session")
    if session.get("mediaMode") == "livekit":
        if not (s.livekit_url and s.livekit_api_key and s.livekit_api_secret):
            raise Problem(503, "media-unavailable", "video rooms are not available right now")
        # The partner sees the token's name in the room: the name I chose, never the one
        # my sign-in carries (in production Google's full name).
        profile = await call.ctx.reads.profile(uid)
        token = livekit_token(
            api_key=s.livekit_api_key,
            api_secret=s.livekit_api_secret,
            room=str(session.get("room") or session_id),
            user_id=uid,
            name=display_name(profile) or first_name(call.me),
            ends_at=ends_at,
            now=call.now,
        )
        return JoinAnswer(
            LiveKitJoin(
                mode="livekit",
                session_id=session_id,
                ends_at=iso(ends_at),
                url=s.livekit_url,
                token=token,
            )
        )
    names = await call.ctx.reads.profiles([partner])
    servers = ice_servers(
        stun_urls=s.stun_urls,
        turn_urls=s.turn_urls,
        turn_secret=s.turn_secret,
        turn_ttl_s=s.turn_ttl_s,
        user_id=uid,
        ends_at=ends_at,
        now=call.now,
    )
    return JoinAnswer(
        DirectJoin(
            mode="direct",
            session_id=session_id,
            ends_at=iso(ends_at),
            role=role_of(session, uid),
            partner=person_ref(partner, names),
            ice_servers=servers,
        )
    )


async def stop_session(call: Call) -> SessionRef:
    session_id, _ = await _my_live_session(call, overdue_too=True)
    uid = call.me.user_id
    await call.ctx.publisher.publish(
        SessionStopRequested(
            id=derive_id("session.stop_requested", session_id, uid),
            session_id=session_id,
            user_id=uid,
        )
    )
    return SessionRef(session_id=session_id)


async def _report_presence(
    call: Call, cls: type[MediaParticipantJoined] | type[MediaParticipantLeft]
) -> SessionRef:
    """Direct mode: my browser's peer connection came up (`connected`) or went away
    (`disconnected`); in livekit mode LiveKit's webhooks say so. Each report is an entry of
    its own in the session's room log, dated when the gateway received it: in, out and in
    again adds only the stretches both people were in (a repeated "in" changes nothing)."""
    session_id, session = await _my_live_session(call)
    if session.get("mediaMode") == "livekit":
        raise Problem(409, "wrong-media-mode", "this conversation's video goes through LiveKit")
    uid = call.me.user_id
    await call.ctx.publisher.publish(
        cls(
            id=derive_id(cls.TYPE, session_id, uid, "direct", new_id()),
            occurred_at=call.now,
            session_id=session_id,
            user_id=uid,
        )
    )
    return SessionRef(session_id=session_id)


async def report_connected(call: Call) -> SessionRef:
    return await _report_presence(call, MediaParticipantJoined)


async def report_disconnected(call: Call) -> SessionRef:
    return await _report_presence(call, MediaParticipantLeft)


async def relay_signal(call: Call) -> None:
    body: SignalIn = call.body
    session_id, session = await _my_live_session(call)
    if session.get("mediaMode") == "livekit":
        raise Problem(409, "wrong-media-mode", "this conversation's video goes through LiveKit")
    partner = partner_of(session, call.me.user_id)
    if partner is None:
        raise Problem(404, "not-found", "no such session")
    await call.ctx.publisher.publish(
        SignalRelayed(
            session_id=session_id,
            from_user_id=call.me.user_id,
            to_user_id=partner,
            kind=body.kind,
            data=body.data,
        )
    )


class HistoryPage(History):
    next_cursor: str | None = omitted()


def _page(call: Call) -> tuple[int, str | None]:
    """`?limit=1..100` (default 100) and `?cursor=` (a previous page's `nextCursor`)."""
    q = call.request.query
    raw_limit = q.get("limit", str(HISTORY_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= HISTORY_LIMIT:
        raise field_error("limit", f"must be a whole number from 1 to {HISTORY_LIMIT}")
    cursor = q.get("cursor")
    if cursor is None:
        return int(raw_limit), None
    try:
        before = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        before = ""
    # It only ever pages through my own rows, so any well-formed sort key is harmless.
    if not _SORT_KEY.match(before):
        raise field_error("cursor", "not a cursor this route gave out")
    return int(raw_limit), before


def _cursor(started_at: str) -> str:
    return base64.urlsafe_b64encode(started_at.encode()).decode().rstrip("=")


async def history(call: Call) -> HistoryPage:
    limit, before = _page(call)
    rows, last = await call.ctx.reads.history(call.me.user_id, limit, before)
    names = await call.ctx.reads.profiles(str(r.get("partnerId", "")) for r in rows)
    past = [past_session(r, names, call.now) for r in rows]
    return HistoryPage(sessions=[p for p in past if p], next_cursor=_cursor(last) if last else None)


_SESSION_PROBLEMS = ((404, "not-found"), (409, "session-not-live"))

OPERATIONS = (
    Operation(
        "POST",
        "/v1/sessions/{id}/join",
        "Media credentials for my live session, valid until `endsAt`",
        "sessions",
        "joinSession",
        handler=join_session,
        reply=JoinAnswer,
        rule="session",
        problems=(*_SESSION_PROBLEMS, (503, "media-unavailable")),
        description="LiveKit mode: a token for room = session id, identity = me. Direct mode: "
        "my role, my partner and ICE servers (TURN REST credentials when TURN is configured).",
    ),
    Operation(
        "POST",
        "/v1/sessions/{id}/stop",
        "End my session early",
        "sessions",
        "stopSession",
        handler=stop_session,
        reply=SessionRef,
        status=202,
        rule="session",
        problems=_SESSION_PROBLEMS,
        description="Publishes `session.stop_requested`; `session.ended` is pushed to both.",
    ),
    Operation(
        "POST",
        "/v1/sessions/{id}/connected",
        "Direct mode: my video connection to the other person is up",
        "sessions",
        "reportConnected",
        handler=report_connected,
        reply=SessionRef,
        status=202,
        rule="signal",  # part of setting up the call, like the signalling around it
        problems=(*_SESSION_PROBLEMS, (409, "wrong-media-mode")),
        description="Puts me in the session's media room from the moment the gateway receives "
        "it. Minutes are charged for the time both people are in; a session the two are not "
        "both in within the no-show window ends free of charge.",
    ),
    Operation(
        "POST",
        "/v1/sessions/{id}/disconnected",
        "Direct mode: my video connection to the other person went away",
        "sessions",
        "reportDisconnected",
        handler=report_disconnected,
        reply=SessionRef,
        status=202,
        rule="signal",
        problems=(*_SESSION_PROBLEMS, (409, "wrong-media-mode")),
        description="Takes me out of the session's media room from the moment the gateway "
        "receives it (a `connected` report later puts me back in). Time alone is never "
        "charged; once both are out for the grace period the session ends `left`, dated when "
        "the room emptied. Closing my last tab counts the same, from when it closed, unless "
        "a tab of mine is open again within seconds.",
    ),
    Operation(
        "POST",
        "/v1/sessions/{id}/signal",
        "Direct mode: relay an SDP offer/answer or ICE candidate to the other person",
        "sessions",
        "relaySignal",
        handler=relay_signal,
        body=SignalIn,
        body_max_bytes=SIGNAL_MAX_BYTES,
        status=202,
        rule="signal",
        problems=(*_SESSION_PROBLEMS, (409, "wrong-media-mode")),
        description="The other participant receives a pushed `signal` message.",
    ),
    Operation(
        "GET",
        "/v1/sessions",
        "My past sessions (kept 90 days), newest first, a page at a time",
        "sessions",
        "listSessions",
        handler=history,
        reply=HistoryPage,
        rule="read",
        description="`?limit=` (1-100, default 100) rows per page; `nextCursor`, present when "
        "there may be older ones, goes back as `?cursor=` for the next page.",
        extra={
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            ]
        },
    ),
)
