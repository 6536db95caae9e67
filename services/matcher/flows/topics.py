"""Conversation prompts on the session: the first one when the session starts, the next one
when either person presses "Another topic" (`session.topic_requested`).

The first comes from a timer the start schedules due at once (`timer.session_topic`), so the
start's own transaction stays as it is; it fixes the session's language and band (written on
the session item and on both people's history rows, where the weekly minutes per language
are counted) and the first prompt. Each prompt is one transaction: the session's topic (under
a condition on the topic counter it was decided on), the prompt added to both people's record
of what they saw today (a `matcher-pairs` row each, other = `#topics#<day>`, so their export
and erasure take it along), and `session.topic_changed` through the outbox, which the notifier
pushes to both as `session.topic`.

Which prompt: `topic_core` (pure). A press made before the topic last changed (`seen_n` below
the counter) is about a prompt already gone and changes nothing, so two presses at once give
one change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.matcher.clock import epoch, iso, parse_iso
from services.matcher.context import MAX_ATTEMPTS, Matcher, component_log
from services.matcher.core.topic_core import Band, Prompt, Setting, Speaker, library, pick
from services.matcher.tables import outbox
from services.matcher.tables.items import Entry, update_entry
from services.matcher.tables.records import TOPICS
from services.matcher.tables.session_items import history_key
from services.runtime.dynamo import TransactionConflict, from_item, to_item, values
from services.runtime.logs import metric
from services.runtime.retry import Contended
from services.wire.events.base import derive_id
from services.wire.events.gateway import SessionTopicRequested
from services.wire.events.matcher import SessionTopicChanged
from services.wire.events.timers import SessionTopicDue

log = component_log("topics")

SEEN_KEPT = timedelta(days=2)  # a day's record outlives the day (TTL deletes late, not early)


def first_topic_timer(session_id: str, starts_at: datetime) -> SessionTopicDue:
    """What the start schedules: the first prompt, due at once."""
    return SessionTopicDue(
        id=derive_id("timer.session_topic", session_id), session_id=session_id, due_at=starts_at
    )


async def on_topic_due(m: Matcher, timer: SessionTopicDue) -> None:
    await _change(m, timer.session_id, timer.id, first=True)


async def on_topic_requested(m: Matcher, event: SessionTopicRequested) -> None:
    await _change(m, event.session_id, event.id, first=False, by=event.user_id, seen=event.seen_n)


def seen_row(user_id: str, day: str) -> dict[str, str]:
    """A person's record of the prompts they were shown on `day`: one of their `matcher-pairs`
    rows (so their export and their erasure take it along with the rest)."""
    return {"userId": user_id, "otherUserId": TOPICS + day}


async def _get(m: Matcher, table: str, key: dict[str, str]) -> dict[str, Any] | None:
    resp = await m.store.db.get_item(TableName=table, Key=to_item(key), ConsistentRead=True)
    item = resp.get("Item")
    return from_item(item) if item else None


async def _change(
    m: Matcher, session_id: str, marker: str, *, first: bool, by: str = "", seen: int = 0
) -> None:
    for _ in range(MAX_ATTEMPTS):
        session = await _get(m, m.tables.sessions, {"sessionId": session_id})
        if session is None:
            log.warning("topic.no_session", session_id=session_id)
            return
        n = int(session.get("topicN", 0))
        users = [str(u) for u in session.get("userIds", [])]
        if first and n > 0:
            await m.flush_for(marker)  # a repeat: finish what its first run left undone
            return
        if not first and (session.get("status") != "live" or by not in users or n > seen):
            log.info("topic.request_ignored", session_id=session_id, n=n, seen_n=seen)
            return
        setting = await _setting(m, session) if first else _stored(session)
        if setting is None:
            return
        now = m.now()
        day = m.today(now)
        seen_today = await _seen(m, users, day)
        prompts = library().band(setting.prompt_language, setting.band)
        current = str((session.get("topic") or {}).get("topicId", ""))
        shown = seen_today | {str(t) for t in session.get("topicIds", ())}
        prompt = pick(prompts, session_id, n + 1, shown, current)
        items = _entries(m, session, setting, prompt, n, day, now, first=first)
        event = _changed(session_id, users, prompt, n + 1, now)
        # A session already over (the first prompt's timer came late) keeps its language for
        # the minutes, and tells nobody.
        live = session.get("status") == "live"
        try:
            await m.commit(marker, items, [outbox.publish(event)] if live else [])
        except TransactionConflict:
            continue  # another change, or the end, came first: decide again
        metric("TopicsShown", 1, band=setting.band, language=setting.prompt_language)
        log.info("topic.changed", session_id=session_id, n=n + 1, topic_id=prompt.id)
        return
    raise Contended(f"topic of {session_id} kept conflicting")


def _stored(session: dict[str, Any]) -> Setting | None:
    """The setting the first prompt fixed."""
    language, band = session.get("topicLanguage"), session.get("topicBand")
    if not isinstance(language, str) or band not in ("A", "B", "C"):
        return None
    lang = session.get("language")
    return Setting(lang if isinstance(lang, str) else None, language, band)


async def _setting(m: Matcher, session: dict[str, Any]) -> Setting:
    a, b = await _speakers(m, session)
    return library().setting(str(session["sessionId"]), a, b)


async def _speakers(m: Matcher, session: dict[str, Any]) -> tuple[Speaker, Speaker]:
    """Both people's languages and levels: from the tickets that matched them, or for an
    invite, the inviter's profile on it and the invitee's latest ticket (if any). A profile
    carries no levels: the inviter's come from their latest ticket, if they have one (levels
    change seldom; none is the same as unrated)."""
    users = [str(u) for u in session.get("userIds", [])]
    found: dict[str, Speaker] = {}
    for ticket_id in session.get("ticketIds") or ():
        ticket = await _get(m, m.tables.tickets, {"ticketId": str(ticket_id)})
        if ticket:
            found[str(ticket.get("userId"))] = _speaker(str(ticket.get("userId")), ticket)
    invite_id = session.get("inviteId")
    if invite_id:
        invite = await _get(m, m.tables.invites, {"inviteId": str(invite_id)})
        profile = (invite or {}).get("fromProfile")
        if invite and isinstance(profile, dict):
            inviter = str(invite.get("fromUserId"))
            if not profile.get("levels"):
                latest = await _latest_ticket(m, inviter)
                profile = profile | {"levels": (latest or {}).get("levels")}
            found[inviter] = _speaker(inviter, profile)
    for user in users:
        if user not in found:
            latest = await _latest_ticket(m, user)
            found[user] = _speaker(user, latest or {})
    return found[users[0]], found[users[1]]


def _speaker(user_id: str, d: dict[str, Any]) -> Speaker:
    levels = d.get("levels")
    return Speaker(
        user_id,
        tuple(str(x) for x in d.get("speaks") or ()),
        tuple(str(x) for x in d.get("learns") or ()),
        {str(k): str(v) for k, v in levels.items()} if isinstance(levels, dict) else {},
    )


async def _latest_ticket(m: Matcher, user_id: str) -> dict[str, Any] | None:
    resp = await m.store.db.query(
        TableName=m.tables.tickets,
        IndexName="byUser",
        KeyConditionExpression="userId = :u",
        ExpressionAttributeValues=values(u=user_id),
        ScanIndexForward=False,
        Limit=1,
    )
    items = resp.get("Items", [])
    return from_item(items[0]) if items else None


async def _seen(m: Matcher, users: list[str], day: str) -> set[str]:
    seen: set[str] = set()
    for user in users:
        row = await _get(m, m.tables.pairs, seen_row(user, day))
        seen |= {str(x) for x in (row or {}).get("seen", ())}
    return seen


def _entries(
    m: Matcher,
    session: dict[str, Any],
    setting: Setting,
    prompt: Prompt,
    n: int,
    day: str,
    now: datetime,
    *,
    first: bool,
) -> list[Entry]:
    session_id = str(session["sessionId"])
    topic = {
        "topicId": prompt.id,
        "language": prompt.language,
        "band": prompt.band,
        "text": prompt.text,
        "n": n + 1,
        "at": iso(now),
    }
    fields: dict[str, Any] = {"topic": topic, "topicN": n + 1}
    if first:
        fields |= {"topicLanguage": setting.prompt_language, "topicBand": setting.band}
        if setting.language:
            fields["language"] = setting.language
    sets = ", ".join(f"#{k} = :{k}" for k in fields)
    sets += ", topicIds = list_append(if_not_exists(topicIds, :none), :shown)"
    vals = values(**fields, none=[], shown=[prompt.id])
    if first:
        condition = "attribute_not_exists(topicN)"
    else:
        condition = "topicN = :n AND #status = :live"
        vals |= values(n=n, live="live")
    names = {f"#{k}": k for k in fields} | ({} if first else {"#status": "status"})
    key = {"sessionId": session_id}
    entries = [update_entry(m.tables.sessions, key, f"SET {sets}", condition, vals, names)]
    users = [str(u) for u in session.get("userIds", [])]
    for user in users:
        entries.append(
            update_entry(
                m.tables.pairs,
                seen_row(user, day),
                "ADD #seen :id SET expiresAt = :exp",
                None,
                values(id={prompt.id}, exp=epoch(now + SEEN_KEPT)),
                {"#seen": "seen"},
            )
        )
    starts_at = parse_iso(str(session["startsAt"]))
    if first and setting.language:
        for user in users:
            entries.append(
                update_entry(
                    m.tables.history,
                    history_key(user, starts_at, session_id),
                    "SET #language = :language",
                    "attribute_exists(userId)",
                    values(language=setting.language),
                    {"#language": "language"},
                )
            )
    return entries


def _changed(
    session_id: str, users: list[str], prompt: Prompt, n: int, now: datetime
) -> SessionTopicChanged:
    band: Band = prompt.band
    return SessionTopicChanged(
        id=derive_id("session.topic_changed", session_id, str(n)),
        occurred_at=now,
        session_id=session_id,
        user_ids=(users[0], users[1]),
        topic_id=prompt.id,
        language=prompt.language,
        band=band,
        text=prompt.text,
        n=n,
    )
