"""Parley's rules for one session, from `docs/api.md` ("Points and time: the rules"): who was
in the room when, how long the two were together, how the session must end and what each of
the two pays. Pure.

Seen from outside, a moment is often known only as an interval (a request reached the gateway
somewhere between when it was sent and when it was answered), so everything here comes out
as a range. Being in the room earlier only ever adds together time, and a later end only
ever adds together time, so the range's ends come from two scenarios: everyone as late as
the facts allow with the earliest end, and everyone as early as they allow with the latest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.referee.facts import SECOND, Micros, Span, ceil_minutes

Stretch = tuple[Micros, Micros | None]  # in the room from .. to (None: until the end)


@dataclass(frozen=True)
class Presence:
    """Each person's stretches in the room in one scenario, clipped to [startsAt, endsAt]."""

    stretches: dict[str, list[Stretch]]


@dataclass(frozen=True)
class Setting:
    """The numbers the rules need."""

    no_show: Micros
    grace: Micros


@dataclass
class Session:
    """A session as announced: its people, its start and end, and how they were in the room."""

    session_id: str
    people: tuple[str, str]
    starts_at: Micros
    ends_at: Micros
    invite_id: str | None = None
    # The most and the least presence the facts allow (in livekit mode the same, unless a room
    # log entry reached Parley while the session was ending: it may or may not count).
    early: Presence = field(default_factory=lambda: Presence({}))
    late: Presence = field(default_factory=lambda: Presence({}))
    stop: Span | None = None  # the first Stop either of them got through, if any

    @property
    def length_minutes(self) -> int:
        return (self.ends_at - self.starts_at) // (60 * SECOND)


@dataclass(frozen=True)
class Outcome:
    """One way the session may have ended by the rules, and what follows from it."""

    reason: str
    ended: Span
    together: tuple[Micros, Micros]
    charge: tuple[int, int]


@dataclass(frozen=True)
class Verdict:
    """Every ending the facts allow (one, unless a moment is known too loosely to tell)."""

    outcomes: dict[str, Outcome]
    first_together: Span | None  # None: never together (in any scenario)
    surely_together: bool  # together in every scenario before the end (cancelled excluded)


# -- presence -----------------------------------------------------------------------------------


def from_room_log(
    entries: Sequence[tuple[Micros, str, str]], people: Sequence[str], start: Micros, end: Micros
) -> Presence:
    """livekit mode: (stamp, identity, "in"|"out") entries, already one per id, applied in the
    order of their stamps; stamps clamped to [start, end]."""
    stretches: dict[str, list[Stretch]] = {p: [] for p in people}
    since: dict[str, Micros | None] = dict.fromkeys(people)
    for at, who, kind in sorted(entries, key=lambda e: e[0]):
        if who not in stretches:
            continue
        at = min(max(at, start), end)
        if kind == "in" and since[who] is None:
            since[who] = at
        elif kind == "out" and since[who] is not None:
            began = since[who]
            assert began is not None
            if at > began:
                stretches[who].append((began, at))
            since[who] = None
    for who, began in since.items():
        if began is not None:
            stretches[who].append((began, None))
    return Presence(stretches)


def from_connected(
    first: dict[str, Micros | None], people: Sequence[str], start: Micros, end: Micros
) -> Presence:
    """direct mode: in from the moment the gateway received `connected`, until the end."""
    out: dict[str, list[Stretch]] = {p: [] for p in people}
    for p in people:
        at = first.get(p)
        if at is not None:
            out[p].append((min(max(at, start), end), None))
    return Presence(out)


def _both(presence: Presence, people: tuple[str, str], until: Micros) -> list[tuple[int, int]]:
    """The stretches during which both were in, cut at `until`."""
    a, b = (presence.stretches.get(p, []) for p in people)
    out: list[tuple[int, int]] = []
    for a_in, a_out in a:
        for b_in, b_out in b:
            lo = max(a_in, b_in)
            hi = min(x for x in (a_out, b_out, until) if x is not None)
            if hi > lo:
                out.append((lo, hi))
    return sorted(out)


def together(s: Session, presence: Presence, end: Micros) -> Micros:
    """Time both were in the room within [startsAt, end]."""
    return sum(hi - lo for lo, hi in _both(presence, s.people, min(end, s.ends_at)))


def first_together(s: Session, presence: Presence) -> Micros | None:
    both = _both(presence, s.people, s.ends_at)
    return both[0][0] if both else None


def room_emptied(s: Session, presence: Presence, after: Micros, grace: Micros) -> Micros | None:
    """The first moment after `after` at which the room emptied and stayed empty for longer
    than the grace (before endsAt), or None."""
    spans = sorted(
        (lo, s.ends_at if hi is None else hi)
        for p in s.people
        for lo, hi in presence.stretches.get(p, [])
    )
    merged: list[list[Micros]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    for i, (_, emptied) in enumerate(merged):
        if emptied <= after or emptied >= s.ends_at:
            continue
        back = merged[i + 1][0] if i + 1 < len(merged) else None
        if back is None or back > emptied + grace:
            return emptied
    return None


# -- the ending and the charge ------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    reason: str
    fire: Span  # when the rule comes into force
    ended: Span  # the endedAt it gives
    certain: bool  # surely in force (else the facts allow it but do not prove it)


def _candidates(s: Session, setting: Setting) -> list[_Candidate]:
    first_early = first_together(s, s.early)
    first_late = first_together(s, s.late)
    candidates = [_Candidate("time_up", Span.at(s.ends_at), Span.at(s.ends_at), True)]
    if s.stop is not None:
        stop = s.stop.clamp(s.starts_at, s.ends_at)
        candidates.append(_Candidate("stopped", stop, stop, True))
    no_show = s.starts_at + setting.no_show
    # Together before the no-show moment in the latest scenario: surely no cancellation.
    if first_late is None or first_late >= no_show:
        surely = first_early is None or first_early >= no_show
        moment = Span.at(no_show)
        candidates.append(_Candidate("cancelled", moment, moment, surely))
    if first_late is not None and s.early == s.late:
        # Exact presence (livekit): the room emptying is known to the microsecond.
        emptied = room_emptied(s, s.early, first_late, setting.grace)
        if emptied is not None:
            fire = Span.at(emptied + setting.grace)
            candidates.append(_Candidate("left", fire, Span.at(emptied), True))
    elif first_late is not None and first_early is not None:
        # Room log entries that may or may not have counted (heard as the session ended):
        # the room empties by the one presence or the other; with the most, maybe never.
        soon = room_emptied(s, s.late, first_late, setting.grace)
        late = room_emptied(s, s.early, first_early, setting.grace)
        if soon is not None:
            ended = Span(min(soon, late or soon), max(soon, late or soon))
            fire = Span(ended.lo + setting.grace, ended.hi + setting.grace)
            candidates.append(_Candidate("left", fire, ended, late is not None))
    return candidates


def in_force_from(s: Session, setting: Setting) -> Micros:
    """The earliest moment any rule may have come into force (how early the session could
    have ended, as the matcher decides it)."""
    return min(c.fire.lo for c in _candidates(s, setting))


def judge_session(s: Session, setting: Setting) -> Verdict:
    length = s.length_minutes
    first_early = first_together(s, s.early)
    first_late = first_together(s, s.late)
    no_show = s.starts_at + setting.no_show
    candidates = _candidates(s, setting)
    deadline = min(c.fire.hi for c in candidates if c.certain)
    outcomes: dict[str, Outcome] = {}
    for c in candidates:
        if c.fire.lo > deadline:
            continue  # something else surely came first
        ended = c.ended
        if c.reason != "left":
            ended = Span(ended.lo, min(ended.hi, deadline))
        if c.reason == "cancelled":
            outcomes[c.reason] = Outcome(c.reason, ended, (0, 0), (0, 0))
            continue
        lo_t = together(s, s.late, ended.lo)
        hi_t = together(s, s.early, ended.hi)
        charge = (min(length, ceil_minutes(lo_t)), min(length, ceil_minutes(hi_t)))
        outcomes[c.reason] = Outcome(c.reason, ended, (lo_t, hi_t), charge)
    first = None
    if first_early is not None:
        first = Span(first_early, first_late if first_late is not None else s.ends_at)
    return Verdict(outcomes, first, first_late is not None and first_late < no_show)
