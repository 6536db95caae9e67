"""Where the waiting set files a ticket: its home shard, a copy per language pair it offers as
a tandem partner, and a copy for its base level, each split `Layout.splits` ways. Pure: the
partition keys `tables/waitlist.py` reads and writes, and the capacity model counts."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from services.matcher.core.waiting import Level, Relax, base_level

MAX_PAIRS = 8  # tandem copies per ticket (8 x 8 languages would be 64): the rest, the sweep
_BASES = (Level.TANDEM, Level.ONE_SIDED, Level.ANYONE)  # what `base_level` gives


def pairs_of(speaks: Sequence[str], learns: Sequence[str]) -> list[tuple[str, str]]:
    """The (speaks, learns) pairs a ticket is filed under as a tandem partner."""
    if not (speaks and learns):
        return []
    return [(s, lang) for s in speaks for lang in learns][:MAX_PAIRS]


def tandem_partition(speaks: str, learns: str) -> str:
    return f"T:{speaks}>{learns}"


MAX_SPLITS = 64


@dataclass(frozen=True)
class Layout:
    """How many ways the waiting set is split: its home shards, and each base level's copies
    (one partition per level would take every join's put and delete, and the claims of a
    widened search). `also_read`: the other count while a resize rolls out, so that every
    running instance reads whatever count any of them writes, and the tickets put under the
    old count are found until they are gone (an hour, their TTL): reads and deletes cover both,
    new tickets go by `splits`."""

    splits: int = 1
    also_read: int = 0

    def __post_init__(self) -> None:
        if not (1 <= self.splits <= MAX_SPLITS and 0 <= self.also_read <= MAX_SPLITS):
            raise ValueError(f"a waiting-set layout of {self.splits} ({self.also_read} also read)")

    @property
    def _read(self) -> range:
        return range(max(self.splits, self.also_read))

    @property
    def homes(self) -> tuple[str, ...]:
        """Every home shard a waiting ticket may be in: together, the whole set."""
        return tuple(str(i) for i in self._read)

    def home_of(self, ticket_id: str) -> str:
        """Where a new ticket's home item goes."""
        return str(zlib.crc32(ticket_id.encode()) % self.splits)

    def copies(self, ticket_id: str, speaks: Sequence[str], learns: Sequence[str]) -> list[str]:
        """Where a new ticket's copies are filed (its home apart)."""
        tandem = [tandem_partition(s, lang) for s, lang in pairs_of(speaks, learns)]
        base = base_level(tuple(speaks), tuple(learns)).looking_for
        return [*tandem, f"B:{base}#{zlib.crc32(ticket_id.encode()) % self.splits}"]

    def filed(self, ticket_id: str, speaks: Sequence[str], learns: Sequence[str]) -> list[str]:
        """Every partition a new ticket is put in, its home first."""
        return [self.home_of(ticket_id), *self.copies(ticket_id, speaks, learns)]

    def anywhere(self, ticket_id: str, speaks: Sequence[str], learns: Sequence[str]) -> list[str]:
        """Every partition a waiting ticket may be in, under this count or the one before."""
        out = self.filed(ticket_id, speaks, learns)
        if self.also_read:
            out += Layout(self.also_read).filed(ticket_id, speaks, learns)
        return list(dict.fromkeys(out))

    def base_partitions(self, level: Level) -> list[str]:
        return [f"B:{level.looking_for}#{i}" for i in self._read]

    def searched(
        self, speaks: Sequence[str], learns: Sequence[str], accepts: Level, now: float, relax: Relax
    ) -> list[tuple[str, int | None]]:
        """The partitions a ticket accepting `accepts` now finds its partners in, each with
        the newest `sinceMs` a partner filed there may have (None: any), since a ticket whose
        base is tandem takes one-sided pairs only once it has waited long enough."""
        out: list[tuple[str, int | None]] = [
            (tandem_partition(lang, s), None) for s, lang in pairs_of(speaks, learns)
        ]
        if accepts >= Level.ONE_SIDED:
            newest = round((now - relax.threshold(Level.ONE_SIDED)) * 1000)
            out += [
                (part, newest if b < Level.ONE_SIDED else None)
                for b in _BASES
                for part in self.base_partitions(b)
            ]
        return out
