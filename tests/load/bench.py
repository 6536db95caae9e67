"""Tiny helpers for benchmarks: percentiles and a uniform printout."""

from __future__ import annotations

import statistics


def pct(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def report(title: str, rows: dict[str, float | str]) -> None:
    print(f"\n== {title}")
    for name, value in rows.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else value
        print(f"   {name:<44} {shown}")


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {"p50 ms": statistics.median(ms), "p99 ms": pct(ms, 99)}
