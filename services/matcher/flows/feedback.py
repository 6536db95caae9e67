"""After the call (`session.feedback_given`): one person's private verdict, once per session.

The verdict is kept on the giver's own history row of the session (never on the other's: they
never see it). `not_for_me` is a soft block: the pair is not matched again for 30 days. It is
one row on the giver's side of `matcher-pairs` (other = `#soft#<id>`, `softUntilMs`), read
with the rest of their pair rows when they join, so it reaches the pairing core the way a
block does (`Pairs.avoiding` → `Waiting.avoid`; the core checks both tickets' lists, so one
side's row keeps the pair apart). If the giver is waiting right now, their waiting item learns
it too. The row expires by TTL a day after the block lapses, and the date is checked anyway
(TTL deletes late). It does not stop invites: asking someone directly is a choice of one's own.
"""

from __future__ import annotations

from datetime import timedelta

from services.matcher.clock import epoch
from services.matcher.context import Matcher, component_log
from services.matcher.tables.items import Entry, update_entry
from services.matcher.tables.records import SOFT, Session
from services.matcher.tables.session_items import history_key
from services.runtime.dynamo import TransactionConflict, to_item, values
from services.runtime.logs import metric
from services.wire.events.gateway import SessionFeedbackGiven

SOFT_BLOCK = timedelta(days=30)
WINDOW = timedelta(days=1)  # after the end, as the gateway also checks

log = component_log("feedback")


def soft_row(user_id: str, other: str) -> dict[str, str]:
    return {"userId": user_id, "otherUserId": SOFT + other}


async def on_feedback(m: Matcher, event: SessionFeedbackGiven) -> None:
    s = await m.store.session(event.session_id)
    giver = event.user_id
    if s is None or giver not in s.user_ids or s.status != "ended" or s.ended_at is None:
        log.warning("feedback.not_applicable", session_id=event.session_id)
        return
    if event.occurred_at > s.ended_at + WINDOW:
        log.info("feedback.too_late", session_id=event.session_id)
        return
    other = next(u for u in s.user_ids if u != giver)
    try:
        await m.commit(event.id, _entries(m, s, event, other))
    except TransactionConflict:
        # One verdict per person and session: the first one stands.
        log.info("feedback.already_given", session_id=event.session_id)
        return
    metric("FeedbackGiven", 1, verdict=event.verdict)
    log.info("feedback.given", session_id=event.session_id, verdict=event.verdict)
    if event.verdict == "not_for_me":
        person = await m.store.person(giver)
        if person.state == "waiting" and person.ticket_id:
            await m.waitlist.learn(person.ticket_id, avoid=other, met=None, day=m.today(m.now()))


def _entries(m: Matcher, s: Session, event: SessionFeedbackGiven, other: str) -> list[Entry]:
    at = event.occurred_at
    entries: list[Entry] = [
        update_entry(
            m.tables.history,
            history_key(event.user_id, s.starts_at, s.session_id),
            "SET verdict = :v, verdictAt = :at",
            "attribute_exists(userId) AND attribute_not_exists(verdict)",
            values(v=event.verdict, at=at.isoformat().replace("+00:00", "Z")),
        )
    ]
    if event.verdict == "not_for_me":
        until = at + SOFT_BLOCK
        row = soft_row(event.user_id, other) | {
            "softUntilMs": round(until.timestamp() * 1000),
            "sessionId": s.session_id,
            "expiresAt": epoch(until + timedelta(days=1)),
        }
        entries.append({"Put": {"TableName": m.tables.pairs, "Item": to_item(row)}})
    return entries
