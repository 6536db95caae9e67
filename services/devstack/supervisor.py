"""Keeping the local stack's services running, the way ECS keeps its tasks running.

A service that exits on its own is started again after a backoff that doubles while it keeps
failing (1, 2, 4 … 30 s) and starts over once it has run for a while; each exit and restart
is one line on stderr. `PARLEY_INSTANCES` asks for several instances of a service.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

from services.devstack.processes import Child

MAX_INSTANCES = 8
# The gateway owns the HTTP port, and the local WebSocket edge lives in its process.
SINGLE_INSTANCE = frozenset({"gateway"})


class BadInstances(ValueError):
    """PARLEY_INSTANCES names an unknown service or an impossible count."""


def parse_instances(raw: str, services: Sequence[str]) -> dict[str, int]:
    """`"matcher=3,notifier=2"` → instances per service (1 for those not named)."""
    counts = dict.fromkeys(services, 1)
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep or name not in counts:
            known = ", ".join(services)
            raise BadInstances(f"{part!r}: expected <service>=<count> with a service of {known}")
        if not value.isdigit() or not 1 <= int(value) <= MAX_INSTANCES:
            raise BadInstances(f"{part!r}: the count must be 1 to {MAX_INSTANCES}")
        if name in SINGLE_INSTANCE and int(value) != 1:
            raise BadInstances(
                f"{part!r}: the {name} runs once locally (it owns the HTTP port and the "
                "WebSocket edge)"
            )
        counts[name] = int(value)
    return counts


def instance_tags(name: str, count: int) -> list[str]:
    """Log tags: `matcher` alone, or `matcher#1`, `matcher#2`, … when there are several."""
    return [name] if count == 1 else [f"{name}#{i}" for i in range(1, count + 1)]


@dataclass(frozen=True)
class Backoff:
    first_s: float = 1.0
    cap_s: float = 30.0
    stable_s: float = 30.0  # a child that ran this long starts again from `first_s`

    def delay(self, failures: int) -> float:
        return min(self.cap_s, self.first_s * 2.0 ** max(0, failures - 1))


class Supervisor:
    def __init__(
        self,
        children: Sequence[Child],
        backoff: Backoff | None = None,
        *,
        out: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = list(children)
        self._backoff = backoff or Backoff()
        self._out = out or sys.stderr
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._due: dict[str, float] = {}
        self._started: dict[str, float] = {c.name: clock() for c in children}
        self.restarts = 0

    def tick(self) -> None:
        """Notice children that exited; start again those whose backoff is over."""
        now = self._clock()
        for child in self.children:
            if child.alive():
                continue
            due = self._due.get(child.name)
            if due is None:
                self._exited(child, now)
            elif now >= due:
                del self._due[child.name]
                child.start()
                self._started[child.name] = now
                self.restarts += 1
                self._say(f"{child.name} restarted (pid {child.pid})")

    def _exited(self, child: Child, now: float) -> None:
        ran_s = now - self._started.get(child.name, now)
        failures = 1 if ran_s >= self._backoff.stable_s else self._failures.get(child.name, 0) + 1
        self._failures[child.name] = failures
        delay = self._backoff.delay(failures)
        self._due[child.name] = now + delay
        self._say(
            f"{child.name} exited (code {child.exit_code}) after {ran_s:.1f} s; "
            f"restarting in {delay:.0f} s"
        )

    def _say(self, line: str) -> None:
        self._out.write(f"parley: {line}\n")
        self._out.flush()
