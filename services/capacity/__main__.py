"""`python -m services.capacity [--people 1000000:day 10000000:peak ...] [--out FILE]`

Each run is `PEOPLE:day` (the whole day, every event) or `PEOPLE:peak` (the busiest UTC hour
after half an hour of warm-up, totals scaled to the day by the hour's share; what pure
Python can do in a minute at ten million people a day), the waiting set as the code has it;
`PEOPLE:MODE:offers` models the waiting set filed by what tickets offer instead (a design,
docs/capacity.md). Prints markdown.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from services.capacity.assumptions import Assumptions
from services.capacity.costs import OFFER_SUBSHARDS
from services.capacity.day import DAY_S, Day, Window
from services.capacity.report import (
    CPU_PER_CALL_S,
    CPU_TARGET,
    TASK_VCPU,
    WCU_LIMIT,
    entrant_cpu_s,
    figures,
    render,
)
from services.gateway.live.connections import LEASE_SHARDS
from services.gateway.live.presence_sizing import (
    LISTING_FRESH_PER_S,
    RENEW_AFTER_S,
    SHARDS,
)

WARM_UP_S = 1800


def simulate(people: int, mode: str, design: str, cpu_per_entrant: float, seed: int) -> str:
    a = Assumptions(people=people)
    hours = a.utc_hours()
    peak_hour = max(range(24), key=lambda h: hours[h])
    if mode == "day":
        window, seconds, scale = Window(), range(DAY_S), 1.0
        note = f"The whole day simulated, every event ({people:,} people)."
    else:
        begin = peak_hour * 3600
        window = Window(max(0, begin - WARM_UP_S), begin + 3600)
        seconds, scale = range(begin, begin + 3600), 1 / hours[peak_hour]
        note = (
            f"A slice: the busiest UTC hour ({peak_hour:02d}:00, {hours[peak_hour]:.2%} of the "
            f"day's first joins) after {WARM_UP_S // 60} minutes of warm-up; peaks are that "
            f"hour's, and a day's totals are the hour's x 1 / {hours[peak_hour]:.4f} = "
            f"x {scale:.1f} (the peak hour's mix stands for the day's: conservative for the "
            "waiting set, whose cost per join grows with the crowd)."
        )
    if design == "offers":
        note += (
            " Waiting set: the design filed by what tickets offer (not in the code yet): a look "
            "reads the oldest page of each partner heap it may take now."
        )
    began = time.process_time()
    guess = max(2, math.ceil(people / 250_000))
    day = Day(a, window=window, matcher_instances=guess, design=design, seed=seed).run()
    day.instances = _matcher_tasks(day, seconds, cpu_per_entrant)
    day.book_background()
    day.book_listing_index(_gateway_tasks(day, seconds))
    took = time.process_time() - began
    title = f"{people:,} people a day" + (
        " — waiting set filed by offers" if design == "offers" else ""
    )
    f = figures(day, title, seconds, scale, note, cpu_per_entrant)
    text = render(f)
    text += _presence(f.api["peak open sockets"], a.ping_s, day.presence_period_s)
    text += (
        f"\nSimulated in {took:.0f} s of CPU; matcher sweeps sized on {day.instances} tasks "
        f"(each sweeps every second). Measured: {cpu_per_entrant * 1e6:.1f} µs of matcher "
        "CPU per waiting-set item per look (decode, build, file in the pools).\n"
    )
    return text


def _matcher_tasks(day: Day, seconds: range, cpu_per_entrant: float) -> int:
    """Matcher tasks for the busiest minute, their own sweeps included: each task reads the
    waiting set every second, so more tasks mean more sweeping (a fixed point, found by
    counting up)."""
    calls, entrants = day.meter.of("calls:matcher"), day.meter.of("cpu:matcher-entrants")
    waiting = [sum(col) for col in zip(*day.waiting_series.values(), strict=True)]
    per_task = TASK_VCPU["matcher"] * CPU_TARGET
    tasks = 2
    # Per task and second, a sweep: today a read of the whole set (one call per shard, every
    # item decoded); filed by offers, one range query per `A` partition.
    offers = day.design == "offers"
    sweep_calls = 2 * OFFER_SUBSHARDS if offers else len(day.waiting_series)
    for _ in range(50):
        busiest = max(
            (
                sum(calls[s : s + 60]) * CPU_PER_CALL_S
                + sum(entrants[s : s + 60]) * cpu_per_entrant
                + tasks * (0 if offers else sum(waiting[s : s + 60])) * cpu_per_entrant
                + tasks * 60 * sweep_calls * CPU_PER_CALL_S
            )
            / 60
            for s in range(seconds.start, seconds.stop, 60)
        )
        need = max(2, math.ceil(busiest / per_task))
        if need <= tasks:
            return tasks
        tasks = need
    return tasks


def _gateway_tasks(day: Day, seconds: range) -> int:
    """Gateway tasks for the busiest minute, the listings' fresh index reads included (each
    task makes at most `LISTING_FRESH_PER_S` a second, one Query per shard): a fixed point."""
    calls = day.meter.of("calls:gateway")
    listings = day.listings()
    per_task = TASK_VCPU["gateway"] * CPU_TARGET
    tasks = 2
    for _ in range(50):
        busiest = max(
            sum(
                calls[i] + min(listings[i], tasks * LISTING_FRESH_PER_S) * day.presence_shards
                for i in range(s, min(s + 60, seconds.stop))
            )
            * CPU_PER_CALL_S
            / 60
            for s in range(seconds.start, seconds.stop, 60)
        )
        need = max(2, math.ceil(busiest / per_task))
        if need <= tasks:
            return tasks
        tasks = need
    return tasks


def _presence(sockets: float, ping_s: float, period_s: float) -> str:
    """The presence and lease indexes under other renewal periods and shard counts: their
    writes are sockets / renewal period x 2 index writes, over the shards (connects and
    closes not included: the simulated peaks above have them)."""
    lines = [
        "",
        f"Presence and connection-lease index partitions at the peak ({sockets:,.0f} sockets, "
        f"a ping every {ping_s:.0f} s), renewals alone:",
        "",
        "| index | renewed every | shards | WCU/s per partition | share of 1,000 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for index, period, shards in (
        ("gateway-presence.online (before: every ping)", ping_s, 4),
        (f"gateway-presence.online (after {RENEW_AFTER_S} s)", period_s, 4),
        (f"gateway-presence.online (the code: after {RENEW_AFTER_S} s)", period_s, SHARDS),
        ("gateway-connections.byLease (before: every ping)", ping_s, 1),
        (
            f"gateway-connections.byLease (the code: after {RENEW_AFTER_S} s)",
            period_s,
            LEASE_SHARDS,
        ),
    ):
        per = sockets / period * 2 / shards
        lines.append(
            f"| {index} | {period:.0f} s | {shards} | {per:,.0f} | {per / WCU_LIMIT:.0%} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.capacity")
    parser.add_argument("--people", nargs="+", default=["1000000:day", "10000000:peak"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    cpu = entrant_cpu_s()
    parts = ["# Parley: a simulated day\n"]
    for spec in args.people:
        people, mode, design = [*spec.split(":"), "today", "today"][:3]
        if mode not in ("day", "peak") or design not in ("today", "offers"):
            parser.error(f"{spec}: say PEOPLE:day or PEOPLE:peak, then :offers or nothing")
        parts.append(simulate(int(people), mode, design, cpu, args.seed))
        print(parts[-1], flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
