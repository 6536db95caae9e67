"""What the tables must show once everything is quiet after a chaos run. Pure: logical table
name → plain items in, problems out.

- nobody was ever in two sessions at once;
- each session is over, and charged to each of its two people once, exactly the
  `minutesUsed` it ended with (none if the two were never both in; at most its length). How
  many minutes that should be is the referee's business (tests/referee/, from the raw facts):
  these checks only hold the services to their own records;
- no day book is negative or holds points, and each day's entries add up to its book;
- no hold, ticket, invite or session left open, nobody waiting or busy, the outbox empty
  (services/loadgen/books.py `open_things`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from itertools import pairwise
from typing import Any

from services.loadgen.books import open_things

Tables = Mapping[str, list[dict[str, Any]]]

TABLES = (
    "ledger-holds", "ledger-accounts", "ledger-entries", "ledger-summaries",
    "matcher-tickets", "matcher-sessions", "matcher-invites", "matcher-people",
    "matcher-waiting", "matcher-outbox",
)  # fmt: skip


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def overlaps(sessions: list[dict[str, Any]]) -> list[str]:
    """Anyone in two sessions at once (a session lasts from its start to its end)."""
    spans: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for s in sessions:
        if s.get("endedAt"):
            for user in s.get("userIds", []):
                spans[user].append((_at(s["startsAt"]), _at(s["endedAt"]), s["sessionId"]))
    out: list[str] = []
    for user, mine in spans.items():
        mine.sort()
        for (_, end_a, a), (start_b, _, b) in pairwise(mine):
            if start_b < end_a:
                out.append(f"{user} in sessions {a} and {b} at once")
    return out


def charges(tables: Tables) -> list[str]:
    """Each ended session charged to each of its people exactly its `minutesUsed`, once."""
    by_session: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e in tables["ledger-entries"]:
        if e.get("sessionId") and int(e.get("charged", 0)):
            by_session[(str(e["sessionId"]), str(e["userId"]))].append(int(e["charged"]))
    out: list[str] = []
    known: set[tuple[str, str]] = set()
    for s in tables["matcher-sessions"]:
        sid, want = str(s["sessionId"]), int(s.get("minutesUsed", 0))
        if not 0 <= want <= int(s["minutes"]):
            out.append(f"session {sid}: minutesUsed {want} of {s['minutes']} minutes")
        if want and not s.get("connectedAt"):
            out.append(f"session {sid}: minutesUsed {want}, but the two were never both in")
        for user in s.get("userIds", []):
            known.add((sid, user))
            got = by_session.get((sid, user), [])
            if len(got) > 1 or sum(got) != want:
                out.append(f"session {sid}: {user} charged {got}, expected {want} once")
    out += [f"charge for unknown session {k}" for k in by_session if k not in known]
    return out


def balances(tables: Tables) -> list[str]:
    """No negative balance, nothing held, and each day's entries sum to its book."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for e in tables["ledger-entries"]:
        sums[str(e["userDay"])][0] += int(e["held"])
        sums[str(e["userDay"])][1] += int(e["charged"])
    out: list[str] = []
    for book in tables["ledger-summaries"]:
        key = f"{book['userId']}#{book['day']}"
        allowance, charged, held = (int(book[k]) for k in ("allowance", "charged", "held"))
        if allowance - charged - held < 0 or charged < 0 or held < 0:
            out.append(f"{key}: negative balance {allowance} - {charged} - {held}")
        if held:
            out.append(f"{key}: {held} points still held")
        if sums.pop(key, [0, 0]) != [held, charged]:
            out.append(f"{key}: entries do not sum to the book (held {held}, charged {charged})")
    out += [f"{k}: entries without a day book" for k, v in sums.items() if v != [0, 0]]
    return out


def problems(tables: Tables) -> list[str]:
    sessions = tables["matcher-sessions"]
    return open_things(tables) + overlaps(sessions) + charges(tables) + balances(tables)


def conversations(tables: Tables) -> int:
    """Sessions in which both people were connected, i.e. a conversation took place."""
    return sum(1 for s in tables["matcher-sessions"] if s.get("connectedAt"))
