"""Per-second tallies of everything the simulated day costs, one series per place (`Op.where`).

A step's operations are compiled once into (series, units) pairs, so booking a step at a
second is a short loop of additions: the simulation books tens of millions of them.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator

from services.capacity.costs import Op

Compiled = tuple[tuple["array[float]", float], ...]


class Meter:
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.series: dict[str, array[float]] = {}
        self._compiled: dict[Hashable, Compiled] = {}
        self._counts: dict[Hashable, array[float]] = {}

    def of(self, where: str) -> array[float]:
        s = self.series.get(where)
        if s is None:
            s = self.series[where] = array("d", bytes(8 * self.seconds))
        return s

    def step(self, key: Hashable, build: Callable[[], Iterable[Op]] | None = None) -> Compiled:
        """The compiled operations of a step, built (`build()`) once per key."""
        c = self._compiled.get(key)
        if c is None:
            if build is None:
                raise KeyError(key)
            merged: dict[str, float] = {}
            for op in build():
                merged[op.where] = merged.get(op.where, 0.0) + op.units
            c = self._compiled[key] = tuple((self.of(w), u) for w, u in merged.items() if u)
        return c

    def count(self, key: Hashable, second: int, build: Callable[[], Iterable[Op]]) -> None:
        """One more of a step in a second; its units are booked by `expand` (a step happens
        many times a second, so this is far cheaper than booking each)."""
        counts = self._counts.get(key)
        if counts is None:
            self.step(key, build)
            counts = self._counts[key] = array("d", bytes(8 * self.seconds))
        if 0 <= second < self.seconds:
            counts[second] += 1

    def expand(self) -> None:
        """Book every counted step's units."""
        for key, counts in self._counts.items():
            compiled = self._compiled[key]
            for second, n in enumerate(counts):
                if n:
                    for series, units in compiled:
                        series[second] += units * n
        self._counts.clear()

    def book(self, compiled: Compiled, second: int, times: float = 1.0) -> None:
        if 0 <= second < self.seconds:
            for series, units in compiled:
                series[second] += units * times

    def add(self, where: str, second: int, units: float) -> None:
        if 0 <= second < self.seconds:
            self.of(where)[second] += units

    def places(self, prefix: str) -> Iterator[tuple[str, array[float]]]:
        for where, s in sorted(self.series.items()):
            if where.startswith(prefix):
                yield where, s


def peak(series: Iterable[float]) -> tuple[float, int]:
    """The highest second and when it was."""
    best, at = 0.0, 0
    for i, v in enumerate(series):
        if v > best:
            best, at = v, i
    return best, at
