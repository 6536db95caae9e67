"""What the tables must show once everything is quiet after a chaos run. Pure: logical table
name → plain items in, problems out.

- nobody was ever in two sessions at once;
- each session is over, and charged its connected minutes (none if the two never were both
  connected), to each of its two people, once;
- no day book is negative or holds points, and each day's entries add up to its book;
- no hold, ticket, invite or session left open, nobody waiting or busy, the outbox empty
  (services/loadgen/books.py `open_things`).
"""

from __future__ import annotations

import math
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


def expected_minutes(session: Mapping[str, Any]) -> int:
    """Started minutes from when both were connected to the end; 0 if never both were."""
    connected, ended = session.get("connectedAt"), session.get("endedAt")
    if not connected or not ended:
        return 0
    seconds = max(0.0, (_at(ended) - _at(connected)).total_seconds())
    return max(1, min(int(session["minutes"]), math.ceil(seconds / 60)))


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
    """Each session charged to each of its people exactly its connected minutes, once."""
    by_session: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e in tables["ledger-entries"]:
        if e.get("sessionId") and int(e.get("charged", 0)):
            by_session[(str(e["sessionId"]), str(e["userId"]))].append(int(e["charged"]))
    out: list[str] = []
    known: set[tuple[str, str]] = set()
    for s in tables["matcher-sessions"]:
        sid, want = str(s["sessionId"]), expected_minutes(s)
        if s.get("endedAt") and int(s.get("minutesUsed", -1)) != want:
            out.append(f"session {sid}: minutesUsed {s.get('minutesUsed')}, connected {want}")
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
