"""`GET /v1/me` (everything the SPA needs to draw the person's state) and their preferences."""

from __future__ import annotations

import asyncio

from services.gateway.http.problems import Problem
from services.gateway.http.spec import Call, Operation
from services.gateway.models import Me, Preferences, PreferencesIn
from services.gateway.people.profiles import Profiles
from services.gateway.people.views import (
    day_of,
    display_name,
    invite_view,
    iso,
    open_ticket,
    partner_of,
    points,
    preferences,
    session_view,
    state_of,
)


async def get_me(call: Call) -> Me:
    me, reads, s, now = call.me, call.ctx.reads, call.ctx.settings, call.now
    uid = me.user_id
    # Whole seconds: the index compares ISO strings; exact expiry is re-checked in views.
    now_s = iso(now.replace(microsecond=0))
    profile, summary, person, tickets, incoming, outgoing = await asyncio.gather(
        Profiles(call.ctx.aws).ensure(me, iso(now)),
        reads.summary(uid, day_of(now, s.zone)),
        reads.person(uid),
        reads.recent_tickets(uid),
        reads.pending_invites(uid, "incoming", now_s),
        reads.pending_invites(uid, "outgoing", now_s),
    )
    session_id = (person or {}).get("sessionId")
    session = None
    if state_of(person) == "in_session" and isinstance(session_id, str):
        session = await reads.session(session_id)
    partner = partner_of(session, uid) if session else None
    wanted = [partner or ""] + [str(i.get("toUserId", "")) for i in outgoing]
    names = await reads.profiles(wanted)
    my_name = display_name(profile, me.name) or me.name
    invites = [invite_view(i, uid, my_name, names, now) for i in incoming + outgoing]
    return Me(
        user_id=uid,
        email=me.email,
        name=my_name,
        preferences=preferences(profile),
        points=points(summary, s.daily_points, now, s.zone),
        ticket=open_ticket(tickets, profile, now),
        session=session_view(session, uid, names, now),
        invites=sorted((i for i in invites if i), key=lambda i: i.expires_at),
    )


def refuse_levels_not_learnt(body: PreferencesIn) -> None:
    """A level is for a language I learn: one for any other is refused, not silently lost."""
    stray = [code for code in body.levels or {} if code not in body.learns]
    if stray:
        raise Problem(
            400,
            "level-not-learnt",
            "a level can only be given for a language in `learns`",
            errors=[
                {"field": f"levels.{code}", "message": "not a language you learn"} for code in stray
            ],
        )


async def put_preferences(call: Call) -> Preferences:
    body: PreferencesIn = call.body
    refuse_levels_not_learnt(body)
    saved = await Profiles(call.ctx.aws).save_preferences(call.me, body, iso(call.now))
    return preferences(saved).model_copy(update={"name": display_name(saved, call.me.name)})


OPERATIONS = (
    Operation(
        "GET",
        "/v1/me",
        "Who I am, my points, my waiting ticket, my live session, my pending invites",
        "me",
        "getMe",
        handler=get_me,
        reply=Me,
        rule="read",
        description="The truth the SPA re-reads on every (re)connect; pushed messages are hints.",
    ),
    Operation(
        "PUT",
        "/v1/me/preferences",
        "Languages I speak and want to practise (and my display name)",
        "me",
        "putPreferences",
        handler=put_preferences,
        body=PreferencesIn,
        reply=Preferences,
        rule="preferences",
        problems=((400, "level-not-learnt"),),
        description='Levels are per language learnt (docs/api.md, "Levels"); left out, '
        "`levels` and `welcomesFrom` keep what the account has.",
    ),
)
