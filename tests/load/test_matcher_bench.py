"""Benchmark of the pairing core with 100k waiting tickets (one core, no I/O).

A stream of operations against a pool kept at about 100k: joins that find a tandem partner
at once (match), joins that must wait (wait), and leaves, in the ratio 1:2:1 so the pool
keeps its size. Tickets are built beforehand, as the handler builds them from the event; the
cost of building one is printed on its own. Prints ops/s (per wall second and per CPU
second, since other work on the machine steals wall time) and p50/p99 per operation, and the
same choice made by a plain linear scan over the same pool (the baseline, measured in the
same run) as a ratio.
Goal: >= 100k ops/s.

A second run does the same with levels (the ladder of `waiting`): the waiting people rated
the language they learn and welcome learners from a level of their own, the joins that match
rated theirs and welcome from a level too, so a search walks several heaps of a tandem family
and often takes a tandem that does not fit after finding none that does; the joins that wait
gave no level (rated ones would be peers of each other, and a pool of 100k such people could
not exist: they would have talked).

    .venv/bin/pytest tests/load/test_matcher_bench.py -q -s
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.matcher.core.pairing import Pools
from services.matcher.core.waiting import CEFR, Relax, Waiting, compatibility

WAITING = 100_000
OPS = 200_000  # per pass; one pass for throughput, one for latencies
LEARNS = ("es", "fr", "de", "it", "pt", "ja", "ko", "zh")
NOW = 1_000_000.0
KINDS = ("match", "wait", "wait", "leave")

pytestmark = pytest.mark.benchmark


def _ticket(
    n: int, speaks: str, learns: str, since: float, rng: random.Random | None = None
) -> Waiting:
    """A ticket; with `rng`, with a level in what it learns and a level it welcomes from."""
    if rng is None:
        return Waiting(f"t{n}", f"u{n}", (speaks,), (learns,), since=since)
    level, welcomes = rng.choice(CEFR), rng.choice(CEFR[:4])
    return Waiting(
        f"t{n}",
        f"u{n}",
        (speaks,),
        (learns,),
        since=since,
        levels={learns: level},
        welcomes_from=welcomes,
    )


def _unrated(n: int, speaks: str, learns: str, since: float, rng: random.Random) -> Waiting:
    return Waiting(
        f"t{n}", f"u{n}", (speaks,), (learns,), since=since, welcomes_from=rng.choice(CEFR[:4])
    )


def _percentile(samples: list[int], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000  # µs


def _naive_find(pool: list[Waiting], w: Waiting, relax: Relax, now: float) -> Waiting | None:
    """The same choice by looking at everybody: O(n) per join."""
    top = w.accepts(now, relax)
    best, best_key = None, None
    for c in pool:
        level = compatibility(w, c)
        if level <= top and level <= c.accepts(now, relax):
            key = (level, c.since)
            if best_key is None or key < best_key:
                best, best_key = c, key
    return best


class Stream:
    """Pre-built operations, so only the pool's work is inside the timed loop."""

    def __init__(self, rng: random.Random, start: int, count: int, levels: bool) -> None:
        self.ops: list[tuple[str, Waiting | None]] = []
        rated = rng if levels else None
        for i in range(count):
            kind, n = KINDS[i % len(KINDS)], start + i
            if kind == "match":  # speaks X, learns English: a tandem partner is waiting
                self.ops.append((kind, _ticket(n, rng.choice(LEARNS), "en", NOW, rated)))
            elif kind == "wait" and levels:
                self.ops.append((kind, _unrated(n, "en", rng.choice(LEARNS), NOW, rng)))
            elif kind == "wait":
                self.ops.append((kind, _ticket(n, "en", rng.choice(LEARNS), NOW)))
            else:
                self.ops.append((kind, None))


@contextmanager
def _settled() -> Iterator[None]:
    """Set-up objects (the pool, the prepared stream) collected and frozen, so the timed work
    starts from a clean heap; the collector stays on, as in the service."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def test_pairing_core_with_100k_waiting(capsys: pytest.CaptureFixture[str]) -> None:
    _bench(capsys, levels=False)


def test_pairing_core_with_100k_waiting_with_levels(capsys: pytest.CaptureFixture[str]) -> None:
    _bench(capsys, levels=True)


def _bench(capsys: pytest.CaptureFixture[str], levels: bool) -> None:
    rng = random.Random(7)
    relax = Relax(10, 30)
    pools = Pools(relax)
    # 100k people who speak English and learn something else: none of them suits another
    # (and nobody has waited long enough to accept "anyone").
    rated = rng if levels else None
    gc.disable()  # building 100k objects is set-up, not the measured work
    for n in range(WAITING):
        pools.add(_ticket(n, "en", rng.choice(LEARNS), NOW - rng.random(), rated))
    gc.enable()
    ids = [w.ticket_id for w in pools]
    matched = 0

    def leave() -> str:
        """A random ticket still waiting (ids of matched tickets are dropped on the way)."""
        while True:
            j = rng.randrange(len(ids))
            ids[j], ids[-1] = ids[-1], ids[j]
            ticket_id = ids.pop()
            if ticket_id in pools:
                return ticket_id

    # Pass 1: throughput.
    gc.disable()
    stream = Stream(rng, WAITING, OPS, levels)
    gc.enable()
    with _settled():
        wall, cpu = time.perf_counter(), time.process_time()
        for kind, w in stream.ops:
            if kind == "leave":
                pools.discard(leave())
            elif pools.find(w, NOW) is not None:  # type: ignore[arg-type]
                matched += 1
            else:
                pools.add(w)  # type: ignore[arg-type]
                ids.append(w.ticket_id)  # type: ignore[union-attr]
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    # Pass 2: latency of each operation.
    gc.disable()
    stream = Stream(rng, WAITING + OPS, OPS, levels)
    gc.enable()
    samples: dict[str, list[int]] = {"match": [], "wait": [], "leave": []}
    found: dict[str, int] = {}  # matches at each level
    clock = time.perf_counter_ns
    with _settled():
        for kind, w in stream.ops:
            if kind == "leave":
                ticket_id = leave()
                t0 = clock()
                pools.discard(ticket_id)
                samples[kind].append(clock() - t0)
                continue
            t0 = clock()
            pairing = pools.find(w, NOW)  # type: ignore[arg-type]
            if pairing is None:
                pools.add(w)  # type: ignore[arg-type]
            samples[kind].append(clock() - t0)
            if pairing is not None:
                found[pairing.level.label] = found.get(pairing.level.label, 0) + 1
            if kind == "wait":
                ids.append(w.ticket_id)  # type: ignore[union-attr]
    everything = [s for k in samples for s in samples[k]]

    # Baseline: the plain scan over a pool of the same size, for a few joins.
    flat = list(pools)
    base_ops = 10
    t0f = time.process_time()
    for i in range(base_ops):
        _naive_find(flat, _ticket(10**9 + i, rng.choice(LEARNS), "en", NOW, rated), relax, NOW)
    naive_cpu = (time.process_time() - t0f) / base_ops

    # What the handler adds before a join: building the ticket (heap keys included).
    build_n = 20_000
    t0f = time.process_time()
    for i in range(build_n):
        _ticket(2 * 10**9 + i, "en", LEARNS[i % len(LEARNS)], NOW, rated)
    build_us = (time.process_time() - t0f) / build_n * 1e6

    ops_wall, ops_cpu = OPS / wall, OPS / cpu
    with capsys.disabled():
        print(
            f"\npairing core{' with levels' if levels else ''}: {len(pools):,} waiting"
            f" after {2 * OPS:,} ops, one core"
        )
        if levels:
            print(f"  matches at each level: {dict(sorted(found.items()))}")
        print(f"  throughput   {ops_wall:10,.0f} ops/s wall   {ops_cpu:10,.0f} ops/s CPU")
        print(
            f"  all ops      p50 {_percentile(everything, 0.5):6.2f} µs"
            f"   p99 {_percentile(everything, 0.99):6.2f} µs"
        )
        for kind, got in samples.items():
            print(
                f"    {kind:<6}     p50 {_percentile(got, 0.5):6.2f} µs"
                f"   p99 {_percentile(got, 0.99):6.2f} µs"
            )
        print(f"  building a ticket before a join: {build_us:.2f} µs (not in the figures above)")
        print(f"  baseline     {1 / naive_cpu:10,.1f} joins/s CPU (linear scan, same pool)")
        print(f"  ratio        {naive_cpu * ops_cpu:10,.0f} x the baseline")

    assert matched == OPS // 4  # every "match" join found its tandem partner
    assert abs(len(pools) - WAITING) < 100  # the mix keeps the pool at its size
    assert ops_cpu > 20_000  # a generous floor: a slow machine still passes
