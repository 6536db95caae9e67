"""Partners first, never forced: the pure rules the pairing core applies to partners (both
said "talk again" after a conversation), and what a round found must not make worse.

A searcher's waiting partner comes before every stranger, even one at a better level (a
fitting tandem, peers: they chose each other), as long as it is a pair both accept now, not
blocked, and not one that talked today (today's rule holds for partners too; partners who
want another call invite each other). Several waiting partners: the best level, the closest
minutes, the oldest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.matcher.core.waiting import Level, Waiting, compatibility


@dataclass(frozen=True)
class Pairing:
    """Two tickets to put in one session; `first` waited longer (the direct-mode offerer)."""

    first: Waiting
    second: Waiting
    level: Level


def waiting_partner(
    w: Waiting,
    top: int,
    now: float,
    by_user: Mapping[str, Waiting],
    thresholds: Sequence[float],
    by_minutes: bool,
    by_levels: bool = True,
) -> Waiting | None:
    """The partner of `w` it may take now from those waiting (`by_user`), or None. `top`: the
    worst level `w` accepts; `thresholds`: seconds of waiting after which a ticket accepts
    each level (as the pools' heaps check them); `by_levels`: whether the ladder has its
    level rungs (`waiting.compatibility`)."""
    best: Waiting | None = None
    best_rank: tuple[int, ...] = ()
    for user in w.partners:
        c = by_user.get(user)
        if c is None or c is w or user in w.avoid or w.user_id in c.avoid:
            continue
        if user in w.met or w.user_id in c.met:
            continue
        level = compatibility(w, c, by_levels)
        if level > top or (c.base < level and c.since > now - thresholds[level]):
            continue
        if by_minutes:
            rank: tuple[int, ...] = (level, abs(c.minutes - w.minutes), -c.minutes, c.key)
        else:
            rank = (level, c.key)
        if best is None or rank < best_rank:
            best, best_rank = c, rank
    return best


def paired(pairings: Sequence[Pairing]) -> set[str]:
    return {w.ticket_id for p in pairings for w in (p.first, p.second)}


def no_one_passed_over(everyone: Sequence[Waiting], preferred: set[str], base: set[str]) -> bool:
    """Whether the round pairing the tickets `preferred` leaves no more people waiting than
    the round pairing `base`, and nobody waiting in place of someone who came after them:
    the k-th longest-waiting person it leaves came no earlier than the k-th the other leaves
    (`everyone` is oldest first)."""
    left = [i for i, w in enumerate(everyone) if w.ticket_id not in preferred]
    left_base = [i for i, w in enumerate(everyone) if w.ticket_id not in base]
    return len(left) <= len(left_base) and all(
        a >= b for a, b in zip(left, left_base, strict=False)
    )
