"""Something to talk about, and after the call: "Another topic" in a live session, my private
verdict on a finished one, and my minutes per language.

The prompts themselves are the matcher's (it owns sessions): the gateway checks who may ask,
publishes the intent, and reads what the matcher wrote (the session's `topic`, my history
rows) as read models. Someone else's session, or one that does not exist, is 404.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from pydantic import Field

from services.gateway.http.bodies import path_id
from services.gateway.http.problems import Problem, field_error
from services.gateway.http.spec import Call, Operation
from services.gateway.models import Body, Instant, SessionRef, View
from services.gateway.people.views import is_live, iso, parse_iso, participants
from services.runtime.dynamo import from_item, values
from services.wire.events import derive_id
from services.wire.events.gateway import SessionFeedbackGiven, SessionTopicRequested, Verdict

FEEDBACK_WINDOW = timedelta(days=1)
MAX_DAYS = 90  # history is kept 90 days
HISTORY = "matcher-history"


class FeedbackIn(Body):
    verdict: Verdict


class LanguageMinutes(View):
    language: str
    minutes: int = Field(ge=0)
    sessions: int = Field(ge=0)


class Minutes(View):
    days: int
    since: Instant
    total: int = Field(ge=0)
    languages: list[LanguageMinutes]


async def _mine(call: Call) -> tuple[str, dict[str, Any]]:
    session_id = path_id(call.request, "session")
    session = await call.ctx.reads.session(session_id)
    if session is None or call.me.user_id not in participants(session):
        raise Problem(404, "not-found", "no such session")
    return session_id, session


async def next_topic(call: Call) -> SessionRef:
    session_id, session = await _mine(call)
    if not is_live(session, call.now):
        raise Problem(409, "session-not-live", "this conversation has ended")
    seen = session.get("topicN")
    seen_n = seen if isinstance(seen, int) and seen >= 0 else 0
    uid = call.me.user_id
    await call.ctx.publisher.publish(
        # One id per person and topic shown: a double press is one request.
        SessionTopicRequested(
            id=derive_id("session.topic_requested", session_id, uid, str(seen_n)),
            occurred_at=call.now,
            session_id=session_id,
            user_id=uid,
            seen_n=seen_n,
        )
    )
    return SessionRef(session_id=session_id)


async def give_feedback(call: Call) -> SessionRef:
    body: FeedbackIn = call.body
    session_id, session = await _mine(call)
    ended = parse_iso(session.get("endedAt"))
    if session.get("status") != "ended" or ended is None:
        raise Problem(409, "session-not-ended", "this conversation has not ended yet")
    if call.now - ended > FEEDBACK_WINDOW:
        raise Problem(409, "feedback-window-closed", "this conversation ended over a day ago")
    uid = call.me.user_id
    mine = await _my_row(call, uid, session_id, session)
    if mine is not None and mine.get("verdict"):
        raise Problem(409, "feedback-given", "you already said how this conversation went")
    await call.ctx.publisher.publish(
        # One id per person and session: whatever comes second is the same message again.
        SessionFeedbackGiven(
            id=derive_id("session.feedback_given", session_id, uid),
            occurred_at=call.now,
            session_id=session_id,
            user_id=uid,
            verdict=body.verdict,
        )
    )
    return SessionRef(session_id=session_id)


async def _my_row(
    call: Call, uid: str, session_id: str, session: dict[str, Any]
) -> dict[str, Any] | None:
    """My history row of the session (sort key: its start, then its id)."""
    key = {"userId": {"S": uid}, "startedAt": {"S": f"{session.get('startsAt')}#{session_id}"}}
    resp = await call.ctx.aws.dynamodb.get_item(
        TableName=call.ctx.table(HISTORY), Key=key, ConsistentRead=True
    )
    item = resp.get("Item")
    return from_item(item) if item else None


def _days(call: Call) -> int:
    raw = call.request.query.get("days", "7")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        raise field_error("days", f"must be a whole number from 1 to {MAX_DAYS}")
    return int(raw)


def tally(rows: list[dict[str, Any]]) -> tuple[int, list[LanguageMinutes]]:
    """Minutes of finished conversations in all, and per session language (most first);
    a conversation whose language is not known counts in the total only."""
    total = 0
    minutes: dict[str, int] = defaultdict(int)
    sessions: dict[str, int] = defaultdict(int)
    for row in rows:
        spent = row.get("minutes")
        if not row.get("endedAt") or not isinstance(spent, int) or spent < 0:
            continue
        total += spent
        language = row.get("language")
        if isinstance(language, str) and language:
            minutes[language] += spent
            sessions[language] += 1
    ranked = sorted(minutes, key=lambda lang: (-minutes[lang], lang))
    return total, [
        LanguageMinutes(language=lang, minutes=minutes[lang], sessions=sessions[lang])
        for lang in ranked
    ]


async def my_minutes(call: Call) -> Minutes:
    days = _days(call)
    since = call.now - timedelta(days=days)
    rows: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": call.ctx.table(HISTORY),
        "KeyConditionExpression": "userId = :u AND startedAt >= :since",
        "ExpressionAttributeValues": values(u=call.me.user_id, since=iso(since)),
        "ConsistentRead": True,
    }
    while True:
        resp = await call.ctx.aws.dynamodb.query(**kwargs)
        rows.extend(from_item(i) for i in resp.get("Items", []))
        if "LastEvaluatedKey" not in resp:
            break
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    total, languages = tally(rows)
    return Minutes(days=days, since=iso(since), total=total, languages=languages)


_MINE = ((404, "not-found"),)

OPERATIONS = (
    Operation(
        "POST",
        "/v1/sessions/{id}/topic",
        "Another topic: a new conversation prompt for both of us",
        "sessions",
        "nextTopic",
        handler=next_topic,
        reply=SessionRef,
        status=202,
        rule="session",
        problems=(*_MINE, (409, "session-not-live")),
        description="Publishes `session.topic_requested`; both people are pushed the new "
        "`session.topic` (and `GET /v1/me`'s `session.topic` shows it). Presses made before "
        "the topic last changed change nothing, so two at once give one new topic.",
    ),
    Operation(
        "POST",
        "/v1/sessions/{id}/feedback",
        "After the call: how it went for me (kept private)",
        "sessions",
        "giveFeedback",
        handler=give_feedback,
        body=FeedbackIn,
        reply=SessionRef,
        status=202,
        rule="session",
        problems=(
            *_MINE,
            (409, "session-not-ended"),
            (409, "feedback-window-closed"),
            (409, "feedback-given"),
        ),
        description="`good` or `not_for_me`, once per conversation, within a day of its end; "
        "never shown to the other person. `not_for_me`: we are not paired at random again for "
        "30 days (invites still work).",
    ),
    Operation(
        "GET",
        "/v1/me/minutes",
        "Minutes I spoke per language over the last days",
        "me",
        "getMyMinutes",
        handler=my_minutes,
        reply=Minutes,
        rule="read",
        description="`?days=` (1-90, default 7): finished conversations started since then, "
        "their charged minutes in all and per conversation language.",
        extra={
            "parameters": [
                {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            ]
        },
    ),
)
