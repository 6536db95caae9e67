"""What a waiting ticket is to the pairing core, and what makes a good pair.

The best pair is a *tandem* (each speaks what the other learns), then *one-sided* (one of them
speaks what the other learns), then *anyone*. A ticket accepts worse pairs the longer it
waits (`Relax`), the way FlexMatch expansions do by default: a pair is allowed at a level only
when both tickets accept it, i.e. the newer ticket's age decides. Someone who gave no
languages accepts anyone from the start; someone who gave one list, one-sided pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

LookingFor = Literal["tandem", "one_sided", "anyone"]


class Level(IntEnum):
    TANDEM = 0
    ONE_SIDED = 1
    ANYONE = 2

    @property
    def looking_for(self) -> LookingFor:
        return _LOOKING_FOR[self]


_LOOKING_FOR: tuple[LookingFor, ...] = ("tandem", "one_sided", "anyone")


@dataclass(frozen=True)
class Relax:
    """Seconds of waiting after which a ticket accepts one-sided pairs, then anyone."""

    one_sided_s: float = 10.0
    anyone_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0 <= self.one_sided_s <= self.anyone_s:
            raise ValueError("relax thresholds must satisfy 0 <= one_sided_s <= anyone_s")

    def threshold(self, level: Level) -> float:
        return (0.0, self.one_sided_s, self.anyone_s)[level]

    def level(self, waited_s: float) -> Level:
        if waited_s >= self.anyone_s:
            return Level.ANYONE
        if waited_s >= self.one_sided_s:
            return Level.ONE_SIDED
        return Level.TANDEM


def base_level(speaks: tuple[str, ...], learns: tuple[str, ...]) -> Level:
    """The best pair someone can hope for: a tandem needs both lists, one-sided needs one."""
    if speaks and learns:
        return Level.TANDEM
    return Level.ONE_SIDED if speaks or learns else Level.ANYONE


def compatibility(a: Waiting, b: Waiting) -> Level:
    """The best level the pair (a, b) reaches on languages alone."""
    a_teaches_b = not set(a.speaks).isdisjoint(b.learns)
    b_teaches_a = not set(b.speaks).isdisjoint(a.learns)
    if a_teaches_b and b_teaches_a:
        return Level.TANDEM
    return Level.ONE_SIDED if a_teaches_b or b_teaches_a else Level.ANYONE


@dataclass(eq=False, slots=True)
class Waiting:
    """A funded ticket in a pool, with what the matcher knows about its person's pairs."""

    ticket_id: str
    user_id: str
    speaks: tuple[str, ...]
    learns: tuple[str, ...]
    since: float
    minutes: int = 15
    pool: str = "any"
    # Frozen and usually empty: 100k waiting tickets should not mean 200k sets to collect.
    avoid: frozenset[str] = frozenset()  # blocked, either way: never
    met: frozenset[str] = frozenset()  # talked today: only if nobody else waits
    partners: frozenset[str] = frozenset()  # both said "talk again": preferred, never forced
    base: Level = field(init=False)
    # Its place in the heaps: waiting time in ms, then arrival (-1 while not in a pool).
    key: int = field(default=-1, init=False)
    # The heaps it is filed in, and per level the heaps holding its partners. Worked out
    # once, with the ticket: the pools' hot path then allocates nothing that lasts.
    keys: tuple[tuple[object, ...], ...] = field(default=(), init=False, repr=False)
    searches: tuple[tuple[tuple[tuple[object, ...], bool], ...], ...] = field(
        default=(), init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.base = base_level(self.speaks, self.learns)
        self.keys = _heap_keys(self)
        self.searches = tuple(tuple(_partner_heaps(self, level)) for level in Level)

    def avoid_user(self, user_id: str) -> None:
        self.avoid = self.avoid | {user_id}

    def met_user(self, user_id: str) -> None:
        self.met = self.met | {user_id}

    def accepts(self, now: float, relax: Relax) -> Level:
        return max(self.base, relax.level(now - self.since))

    def relax_steps(self, relax: Relax) -> list[tuple[float, Level]]:
        """(time, level) at which this ticket's search widens, in order."""
        return [
            (self.since + relax.threshold(lv), lv)
            for lv in (Level.ONE_SIDED, Level.ANYONE)
            if lv > self.base
        ]


def _heap_keys(w: Waiting) -> tuple[tuple[object, ...], ...]:
    """The heaps a waiting ticket is filed in (see `pairing`)."""
    keys: dict[tuple[object, ...], None] = {}
    if w.base == Level.TANDEM:
        for s in w.speaks:
            for lang in w.learns:
                keys[("T", s, lang)] = None
    for s in w.speaks:
        keys[("S", s, w.base)] = None
    for lang in w.learns:
        keys[("L", lang, w.base)] = None
    keys[("A", w.base == Level.ANYONE)] = None
    return tuple(keys)


def _partner_heaps(w: Waiting, level: Level) -> Iterator[tuple[tuple[object, ...], bool]]:
    """The heaps holding `w`'s partners at `level`, and whether their tickets must be old
    enough to accept that level (because their own base level is stricter)."""
    if level == Level.TANDEM:
        for lang in w.learns:
            for s in w.speaks:
                yield ("T", lang, s), False
    elif level == Level.ONE_SIDED:
        for lang in w.learns:
            yield ("S", lang, Level.ONE_SIDED), False
            yield ("S", lang, Level.TANDEM), True
        for s in w.speaks:
            yield ("L", s, Level.ONE_SIDED), False
            yield ("L", s, Level.TANDEM), True
    else:
        yield ("A", True), False
        yield ("A", False), True
