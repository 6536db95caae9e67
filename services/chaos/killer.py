"""Killing a random service of the local stack every few seconds (`kill -9`), and seeing each
one come back (the stack's supervisor restarts it, services/devstack/supervisor.py).

The stack's own output names every child's pid: `parley: matcher#2 started (pid 123)` and,
after a restart, `parley: matcher#2 restarted (pid 456)`.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_PID = re.compile(r"parley: (\S+) (?:re)?started \(pid (\d+)\)")
# How long a killed service may take to be running again (the supervisor's backoff doubles
# while a child keeps dying: 1, 2, 4, 8 s …).
BACK_WITHIN_S = 45.0


def pids_from(lines: Sequence[str]) -> dict[str, int]:
    """Each child's latest pid, from the stack's output."""
    pids: dict[str, int] = {}
    for line in lines:
        if m := _PID.search(line):
            pids[m.group(1)] = int(m.group(2))
    return pids


@dataclass
class Kill:
    tag: str
    pid: int
    at: float
    back_after_s: float | None = None  # when a new process of that tag was started


@dataclass
class Killer:
    log: list[str]  # the stack's output, growing while it runs
    every_s: float
    rng: random.Random
    # Children that may be killed (their tags); all of them when empty.
    only: frozenset[str] = frozenset()
    # A process is left alone this long after it started, so it gets some work done.
    min_up_s: float = 8.0
    clock: Callable[[], float] = time.monotonic
    kills: list[Kill] = field(default_factory=list)
    _first_seen: dict[int, float] = field(default_factory=dict)

    @property
    def survived(self) -> int:
        return sum(1 for k in self.kills if k.back_after_s is not None)

    def _current(self) -> dict[str, int]:
        pids = pids_from(list(self.log))
        for pid in pids.values():
            self._first_seen.setdefault(pid, self.clock())
        return {t: p for t, p in pids.items() if not self.only or t.split("#")[0] in self.only}

    def _note_returns(self, pids: dict[str, int]) -> None:
        now = self.clock()
        for k in self.kills:
            if k.back_after_s is None and pids.get(k.tag, k.pid) != k.pid:
                k.back_after_s = now - k.at

    async def __call__(self, until: float) -> None:
        """Kill until `until`, then wait for every victim to be back."""
        await asyncio.sleep(self.every_s)
        while self.clock() < until:
            pids = self._current()
            self._note_returns(pids)
            down = {k.pid for k in self.kills if k.back_after_s is None}
            settled = self.clock() - self.min_up_s
            up = sorted(
                t for t, p in pids.items() if p not in down and self._first_seen[p] <= settled
            )
            if up:
                tag = self.rng.choice(up)
                try:
                    os.kill(pids[tag], signal.SIGKILL)
                    self.kills.append(Kill(tag, pids[tag], self.clock()))
                except ProcessLookupError:
                    pass
            await asyncio.sleep(self.every_s)
        deadline = self.clock() + BACK_WITHIN_S
        while self.clock() < deadline and self.survived < len(self.kills):
            self._note_returns(self._current())
            await asyncio.sleep(0.25)
