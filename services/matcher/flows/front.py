"""After a no-show, the one who came goes back to the front of the queue.

Their partner never connected, so the session ended free (`cancelled`). If they join again
within `front_after_no_show_s`, their new ticket keeps the waiting start of the ticket that
was matched (or the session's start, for an invite): the pairing core serves the longest
waiting first, so they are first in line again. The place is a row of their own in
`matcher-pairs` (other = `#front`), because a join already reads those rows — it costs the
critical path nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.matcher.clock import epoch
from services.matcher.context import Matcher
from services.matcher.tables.items import Entry
from services.matcher.tables.records import Session
from services.runtime.dynamo import to_item

FRONT = "#front"  # never a user id (Cognito subs have no '#')


async def places(m: Matcher, s: Session, now: datetime) -> list[Entry]:
    """Rows giving everyone who did connect their place back (written with the end)."""
    if not s.in_room:
        return []
    tickets = [await m.store.ticket(t) for t in s.ticket_ids]
    until = now + timedelta(seconds=m.settings.front_after_no_show_s)
    rows: list[Entry] = []
    for user in sorted(s.in_room):
        since = next(
            (t.waiting_since for t in tickets if t and t.user_id == user and t.waiting_since),
            s.starts_at,
        )
        rows.append(_row(m.tables.pairs, user, since, until))
    return rows


def _row(table: str, user: str, since: datetime, until: datetime) -> Entry:
    item: dict[str, Any] = {
        "userId": user,
        "otherUserId": FRONT,
        "frontSinceMs": round(since.timestamp() * 1000),
        "frontUntilMs": round(until.timestamp() * 1000),
        "expiresAt": epoch(until + timedelta(days=1)),
    }
    return {"Put": {"TableName": table, "Item": to_item(item)}}
