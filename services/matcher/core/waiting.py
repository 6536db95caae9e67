"""What a waiting ticket is to the pairing core, and what makes a good pair.

The ladder, best first (`Level`):

1. **TANDEM_FIT** — a tandem (each speaks what the other learns) in which each learner's
   self-rated level is at least the level of learners the other welcomes (`welcomes_from`,
   "A1" unless they said otherwise). An unrated language counts as A1: it fits only someone
   who welcomes every learner, as everyone does until they say otherwise.
2. **PEERS** — two people who learn the same language (the same code, as tandems match) and
   rated themselves in it at most one CEFR step apart. Both must have rated it: "adjacent"
   is a claim about two levels, and people who gave none keep exactly the pairs they had.
3. **TANDEM** — a tandem that does not fit.
4. **ONE_SIDED** — one of them speaks what the other learns.
5. **ANYONE**.

Waiting time decides *when* a ticket may talk, as before levels existed (`Relax`, the way
FlexMatch expansions do by default): the first three are all accepted from the start by anyone
who could hope for a tandem or a one-sided pair; one-sided pairs after `one_sided_s`, anyone
after `anyone_s`. A pair is allowed at a level only when both tickets accept it, i.e. the newer
ticket's age decides. Someone who gave no languages accepts anyone from the start; someone who
gave one list, one-sided pairs (and peers, if they learn). The level someone is told they are
looking for ("tandem", "one_sided", "anyone") is therefore the same as before levels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

LookingFor = Literal["tandem", "one_sided", "anyone"]

CEFR: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2")
_CEFR_INDEX = {c: i for i, c in enumerate(CEFR)}
_NO_LEVELS: Mapping[str, str] = {}  # shared, never written to


class Level(IntEnum):
    TANDEM_FIT = 0
    PEERS = 1
    TANDEM = 2
    ONE_SIDED = 3
    ANYONE = 4

    @property
    def looking_for(self) -> LookingFor:
        return _LOOKING_FOR[self]

    @property
    def label(self) -> str:
        """The level's own name, for metrics and logs ("tandem_fit", "peers", …)."""
        return self.name.lower()


_LOOKING_FOR: tuple[LookingFor, ...] = ("tandem", "tandem", "tandem", "one_sided", "anyone")


@dataclass(frozen=True)
class Relax:
    """Seconds of waiting after which a ticket accepts one-sided pairs, then anyone."""

    one_sided_s: float = 10.0
    anyone_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0 <= self.one_sided_s <= self.anyone_s:
            raise ValueError("relax thresholds must satisfy 0 <= one_sided_s <= anyone_s")

    def threshold(self, level: Level) -> float:
        return (0.0, 0.0, 0.0, self.one_sided_s, self.anyone_s)[level]

    def level(self, waited_s: float) -> Level:
        if waited_s >= self.anyone_s:
            return Level.ANYONE
        if waited_s >= self.one_sided_s:
            return Level.ONE_SIDED
        return Level.TANDEM


def base_level(speaks: tuple[str, ...], learns: tuple[str, ...]) -> Level:
    """The best pair someone can hope for: a tandem needs both lists, one-sided needs one.
    (The levels above TANDEM are accepted whenever TANDEM is.)"""
    if speaks and learns:
        return Level.TANDEM
    return Level.ONE_SIDED if speaks or learns else Level.ANYONE


def fits(a: Waiting, b: Waiting) -> bool:
    """Whether the tandem (a, b) fits: a learns, from b, a language at a level b welcomes,
    and the other way round (an unrated language counts as A1)."""
    a_ok = any(a.level_in(x) >= b.welcomes for x in a.learns if x in b.speaks)
    return a_ok and any(b.level_in(y) >= a.welcomes for y in b.learns if y in a.speaks)


def peers(a: Waiting, b: Waiting) -> bool:
    """Whether a and b learn a language both rated themselves in, at most a step apart."""
    for lang, mine in a.rated:
        theirs = b.rated_in(lang)
        if theirs is not None and abs(mine - theirs) <= 1:
            return True
    return False


def compatibility(a: Waiting, b: Waiting, levels: bool = True) -> Level:
    """The best level the pair (a, b) reaches on languages (and levels, unless `levels` is
    off: then the ladder is the one before levels, TANDEM / ONE_SIDED / ANYONE)."""
    a_teaches_b = not set(a.speaks).isdisjoint(b.learns)
    b_teaches_a = not set(b.speaks).isdisjoint(a.learns)
    tandem = a_teaches_b and b_teaches_a
    if levels:
        if tandem and fits(a, b):
            return Level.TANDEM_FIT
        if peers(a, b):
            return Level.PEERS
    if tandem:
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
    # Self-rated CEFR level per language learnt ("es" → "B1"), and the lowest level of
    # learners this person likes to help in the languages they speak. Never written to.
    levels: Mapping[str, str] = field(default_factory=lambda: _NO_LEVELS)
    welcomes_from: str = "A1"
    base: Level = field(init=False)
    welcomes: int = field(init=False)  # `welcomes_from` as 0 (A1) … 5 (C2)
    rated: tuple[tuple[str, int], ...] = field(init=False)  # (language learnt, level), rated
    # Whether the level preferences can change anything for this ticket (a rated language,
    # or a welcome above A1): without such a ticket in a round, levels change nothing.
    levelled: bool = field(init=False)
    # Its place in the heaps: waiting time in ms, then arrival (-1 while not in a pool).
    key: int = field(default=-1, init=False)
    # The heaps it is filed in, the tandem families it searches (with its own level in the
    # language it would learn there), and per level the other heaps holding its partners.
    # Worked out once, with the ticket: the pools' hot path then allocates nothing that lasts.
    keys: tuple[tuple[object, ...], ...] = field(default=(), init=False, repr=False)
    tandems: tuple[tuple[tuple[object, ...], int], ...] = field(default=(), init=False, repr=False)
    searches: tuple[tuple[tuple[tuple[object, ...], bool], ...], ...] = field(
        default=(), init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.base = base = base_level(self.speaks, self.learns)
        self.welcomes = _CEFR_INDEX.get(self.welcomes_from, 0)
        if self.levels:
            rated = ((lang, _CEFR_INDEX.get(self.levels.get(lang, ""))) for lang in self.learns)
            self.rated = tuple((lang, i) for lang, i in rated if i is not None)
        else:
            self.rated = ()
        self.levelled = bool(self.rated) or self.welcomes > 0
        self.keys = _heap_keys(self)
        if base == Level.TANDEM:
            self.tandems = tuple(
                (("T", x, y), self.level_in(x)) for x in self.learns for y in self.speaks
            )
        self.searches = _searches(self)

    def level_in(self, language: str) -> int:
        """The level in a language learnt, for the tandem fit: unrated counts as A1 (0)."""
        return self.rated_in(language) or 0

    def rated_in(self, language: str) -> int | None:
        for lang, i in self.rated:
            if lang == language:
                return i
        return None

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
                # The tandem family (s, lang), split by what decides a fit with this ticket.
                keys[("T", s, lang, w.welcomes, w.level_in(lang))] = None
    for lang, i in w.rated:
        keys[("P", lang, i)] = None
    for s in w.speaks:
        keys[("S", s, w.base)] = None
    for lang in w.learns:
        keys[("L", lang, w.base)] = None
    keys[("A", w.base == Level.ANYONE)] = None
    return tuple(keys)


def _searches(w: Waiting) -> tuple[tuple[tuple[tuple[object, ...], bool], ...], ...]:
    """Per level, the heaps holding `w`'s partners at that level (tandems excepted: their
    families are `Waiting.tandems`), and whether their tickets must be old enough to accept
    that level (because their own base level is stricter)."""
    peers = tuple(
        (("P", lang, j), False)
        for lang, i in w.rated
        for j in (i - 1, i, i + 1)
        if 0 <= j < len(CEFR)
    )
    one_sided: list[tuple[tuple[object, ...], bool]] = []
    for lang in w.learns:
        one_sided += ((("S", lang, Level.ONE_SIDED), False), (("S", lang, Level.TANDEM), True))
    for s in w.speaks:
        one_sided += ((("L", s, Level.ONE_SIDED), False), (("L", s, Level.TANDEM), True))
    return ((), peers, (), tuple(one_sided), _ANYONE_SEARCH)


_ANYONE_SEARCH: tuple[tuple[tuple[object, ...], bool], ...] = (
    (("A", True), False),
    (("A", False), True),
)
