"""What a run measured, as plain values: latencies, counts, and their summary. No I/O."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.loadgen.journal import Journal


def pct(samples: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def ms_summary(samples_s: list[float]) -> dict[str, float | int | None]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50_ms": statistics.median(ms) if ms else None,
        "p99_ms": pct(ms, 99),
        "max_ms": max(ms) if ms else None,
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


@dataclass
class Told:
    """Who of a session's two people has heard of it, when, and when each had joined."""

    at: dict[str, float] = field(default_factory=dict)
    joined_at: dict[str, float | None] = field(default_factory=dict)
    invite: bool = False


@dataclass
class Recorder:
    """Shared by every simulated person (one event loop, so no locks)."""

    clock: Callable[[], float] = time.monotonic
    started: float = 0.0
    stopped: float = 0.0
    join_posts: int = 0
    # Times a person caught up from `GET /v1/me` after a refusal.
    resyncs: int = 0
    # WebSockets opened again after a drop; tabs closed while waiting; sessions not joined.
    reconnects: int = 0
    walked_away: int = 0
    no_shows: int = 0
    joins: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    rejections: Counter[str] = field(default_factory=Counter)
    invites: Counter[str] = field(default_factory=Counter)
    # LiveKit mode: each person's part in a session's plan (services/loadgen/person.py).
    room_plans: Counter[str] = field(default_factory=Counter)
    sessions: dict[str, Told] = field(default_factory=dict)
    # (seconds into the run when the later join was answered, join → both told in s)
    both_told: list[tuple[float, float]] = field(default_factory=list)
    own_told: list[float] = field(default_factory=list)
    # (seconds into the run when the probe published, publish → received in s)
    hop: list[tuple[float, float]] = field(default_factory=list)
    # Every request and push, for an independent check of the run (chaos runs); None: not kept.
    journal: Journal | None = None

    def start(self) -> None:
        self.started = self.clock()

    def stop(self) -> None:
        self.stopped = self.clock()

    def error(self, label: str) -> None:
        self.errors[label] += 1

    def told(
        self, user_id: str, session_id: str, at: float, joined_at: float | None, invite: bool
    ) -> None:
        """A person's `session.started` arrived; once both have, the match is measured."""
        seen = self.sessions.setdefault(session_id, Told(invite=invite))
        if user_id in seen.at:
            return  # a repeated push
        seen.at[user_id] = at
        seen.joined_at[user_id] = joined_at
        if joined_at is not None and not invite:
            self.own_told.append(at - joined_at)
        joins = list(seen.joined_at.values())
        if len(seen.at) == 2 and not seen.invite and all(j is not None for j in joins):
            later_join = max(j for j in joins if j is not None)
            self.both_told.append((later_join - self.started, max(seen.at.values()) - later_join))

    def probe(self, sent_at: float, latency_s: float) -> None:
        self.hop.append((sent_at - self.started, latency_s))

    def summary(self, offered_per_s: float) -> dict[str, Any]:
        duration = max(1e-9, (self.stopped or self.clock()) - self.started)
        both = ms_summary([x for _, x in self.both_told])
        hop = ms_summary([x for _, x in self.hop])
        three_hops = {k: (3 * v if v is not None else None) for k, v in hop.items() if k != "n"}
        complete = sum(1 for s in self.sessions.values() if len(s.at) == 2)
        return {
            "duration_s": duration,
            "joins_per_s": {
                "offered": offered_per_s,
                "posted": self.join_posts / duration,
                "achieved": self.joins / duration,
            },
            "join_to_both_told": both,
            "join_to_own_started": ms_summary(self.own_told),
            "hop_sns_to_sqs": hop,
            "ratio_to_three_hops": {
                "p50": ratio(both["p50_ms"], three_hops["p50_ms"]),
                "p99": ratio(both["p99_ms"], three_hops["p99_ms"]),
            },
            "counts": {
                "join_posts": self.join_posts,
                "resyncs": self.resyncs,
                "reconnects": self.reconnects,
                "walked_away": self.walked_away,
                "no_shows": self.no_shows,
                "joins_accepted": self.joins,
                "sessions_seen": len(self.sessions),
                "matches_both_told": complete,
                "matches_from_queue": len(self.both_told),
                "invite_sessions": sum(1 for s in self.sessions.values() if s.invite),
                "rejections": dict(self.rejections),
                "invites": dict(self.invites),
                "room_plans": dict(self.room_plans),
                "errors": dict(self.errors),
            },
        }
