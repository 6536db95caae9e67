"""From a simulated day to the figures: the peak of every hot partition as a share of its
limit, tables' partitions, queues, topics, tasks, media nodes, waits, match rate and cost per
conversation-minute. Limits and prices are the ones docs/capacity.md cites [S].
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.capacity.day import DAY_S, Day
from services.matcher.core.pairing import Pools
from services.matcher.tables.waitlist import Entrant
from services.runtime.dynamo import from_item, to_item

RCU_LIMIT, WCU_LIMIT = 3000.0, 1000.0  # per partition per second
SQS_QUEUE_TPS, SQS_GROUP_TPS, APIGW_RPS = 70_000, 300, 10_000
# Parley's SNS FIFO topics are high-throughput (`FifoThroughputScope = MessageGroup`,
# services/wire/topology.py): no per-topic 3,000 msg/s, but the account's publishes to such
# topics in the Region, 9,000 msg/s in eu-west-1 and us-west-2 (30,000 in us-east-1) [S]
# https://docs.aws.amazon.com/sns/latest/dg/fifo-high-throughput.html (the quotas it links).
SNS_FIFO_ACCOUNT_MPS = 9_000
CPU_PER_CALL_S, CPU_TARGET = 0.0015, 0.60  # docs/capacity.md §4
TASK_VCPU = {"gateway": 0.5, "matcher": 0.5, "ledger": 0.25, "notifier": 0.25}
ROOMS_PER_NODE = 330  # docs/capacity.md §4: c6i.4xlarge at 60 % CPU, 22 % through TURN
MEDIA_MB_PER_CONV_MIN = 2 * 1.75 * 60 / 8  # two people, 1.75 Mbps each way
PRICE = {
    "rcu": 0.125e-6,
    "wcu": 0.625e-6,
    "sqs": 0.50e-6,  # per request; a message is received and deleted
    "sns": 0.50e-6,  # per publish and per delivery [A]
    "api_message": 1.00e-6,
    "api_connection_minute": 0.25e-6,
    "egress_gb": 0.05,
    "node_hour": 0.68,
    "vcpu_hour": 0.04048,
    "gb_hour": 0.004445,
}


@dataclass
class Row:
    place: str
    peak: float
    limit: float
    at_s: int

    @property
    def share(self) -> float:
        return self.peak / self.limit if self.limit else 0.0


@dataclass
class Figures:
    title: str
    scale_note: str
    outcomes: dict[str, float]
    waits: list[tuple[str, int, float, float, float]]  # pool, n, p50, p90, p99 (s)
    hot: list[Row]
    tables: list[tuple[str, float, float, int]]  # table, peak RCU/s, peak WCU/s, partitions
    queues: list[Row]
    topics: list[Row]
    tasks: dict[str, tuple[float, int]]  # service: (peak-minute vCPU, tasks)
    nodes: tuple[int, int]  # peak rooms, nodes
    api: dict[str, float]
    cost: dict[str, float]  # per conversation-minute, USD
    extra: dict[str, Any] = field(default_factory=dict)


def entrant_cpu_s(n: int = 3000) -> float:
    """Measured: CPU seconds the matcher spends per waiting-set item per look (decode the
    item, build the ticket, file it in the pools), as `matching.pools_of` does."""
    items = []
    for i in range(n):
        d = {
            "shard": "0",
            "ticketId": f"t{i}",
            "userId": f"u{i}",
            "speaks": ["en"],
            "learns": ["es"],
            "sinceMs": 1_700_000_000_000 + i,
            "minutes": 15,
            "pool": "en-es",
            "lookingFor": "tandem",
            "expiresAt": 1_700_200_000,
        }
        items.append(to_item(d))
    began = time.process_time()
    pools = Pools()
    for raw in items:
        pools.add(Entrant.from_item(from_item(raw)).waiting("2026-01-01"))
    return (time.process_time() - began) / n


def _window(series: Sequence[float], seconds: range) -> tuple[float, int]:
    best, at = 0.0, seconds.start
    for i in seconds:
        v = series[i]
        if v > best:
            best, at = v, i
    return best, at


def _minute_peak(series: Sequence[float], seconds: range) -> float:
    """The busiest minute's average per second (what autoscaled tasks are sized to)."""
    best = 0.0
    for start in range(seconds.start, seconds.stop, 60):
        chunk = series[start : min(start + 60, seconds.stop)]
        if chunk:
            best = max(best, sum(chunk) / len(chunk))
    return best


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures(
    day: Day, title: str, seconds: range, scale: float, scale_note: str, cpu_per_entrant: float
) -> Figures:
    """`seconds`: the range the peaks are read in; `scale`: what a day's totals are
    (a day's worth over what `seconds` holds, 1 for a whole simulated day)."""
    m, out = day.meter, day.out
    series = m.series

    def total(where: str) -> float:
        s = series.get(where)
        return sum(s[i] for i in seconds) if s is not None else 0.0

    # -- partitions -----------------------------------------------------------------------
    hot: list[Row] = []
    tables: dict[str, list[float]] = {}
    for where, s in sorted(series.items()):
        kind, _, place = where.partition(":")
        if kind not in ("rcu", "wcu"):
            continue
        peak, at = _window(s, seconds)
        limit = RCU_LIMIT if kind == "rcu" else WCU_LIMIT
        if "/" in place:
            hot.append(Row(f"{kind.upper()} {place}", peak, limit, at))
        else:
            t = tables.setdefault(place, [0.0, 0.0])
            t[0 if kind == "rcu" else 1] = peak
    hot.sort(key=lambda r: -r.share)
    table_rows = [
        (name, r, w, max(1, math.ceil(max(r / RCU_LIMIT, w / WCU_LIMIT))))
        for name, (r, w) in sorted(tables.items())
    ]

    # -- queues, topics, API Gateway --------------------------------------------------------
    queues = [
        Row(where[4:], *_window(s, seconds)[:1], SQS_QUEUE_TPS, _window(s, seconds)[1])
        for where, s in m.places("sqs:")
    ]
    published = list(m.places("sns:"))
    topics = [
        Row(where[4:], *_window(s, seconds)[:1], SNS_FIFO_ACCOUNT_MPS, _window(s, seconds)[1])
        for where, s in published
    ]
    every = [sum(col) for col in zip(*(s for _, s in published), strict=True)]
    if every:  # one quota for them all
        topics.append(
            Row(
                "all SNS FIFO topics (the account's quota)",
                *_window(every, seconds)[:1],
                SNS_FIFO_ACCOUNT_MPS,
                _window(every, seconds)[1],
            )
        )
    sockets = [
        sum(col) for col in zip(*(day.sockets(i) for i in range(day.presence_shards)), strict=True)
    ]
    api = {
        "peak open sockets": _window(sockets, seconds)[0],
        "peak messages/s (pings, pongs, pushes)": _window(m.of("api:messages"), seconds)[0],
        # The throttle counts what comes in (pings) and `@connections` posts (pushes).
        "share of the 10,000 RPS account throttle": _window(m.of("api:requests"), seconds)[0]
        / APIGW_RPS,
    }

    # -- tasks and nodes ------------------------------------------------------------------
    tasks: dict[str, tuple[float, int]] = {}
    for svc, vcpu in TASK_VCPU.items():
        calls = m.of(f"calls:{svc}")
        cpu = [c * CPU_PER_CALL_S for c in calls]
        if svc == "matcher":
            entrants = m.of("cpu:matcher-entrants")
            cpu = [c + e * cpu_per_entrant for c, e in zip(cpu, entrants, strict=True)]
        need = _minute_peak(cpu, seconds) / CPU_TARGET
        tasks[svc] = (need, max(2, math.ceil(need / vcpu)))
    rooms = day.rooms()
    peak_rooms = int(_window(rooms, seconds)[0])
    nodes = math.ceil(peak_rooms / ROOMS_PER_NODE) + 1

    # -- outcomes and waits -----------------------------------------------------------------
    queue_parts = out.joins - out.no_shows  # a no-show's rejoin is the same participation
    outcomes: dict[str, float] = {
        "people": out.people,
        "joins (queue)": out.joins,
        "sessions": out.sessions,
        "of which invites": out.invites,
        "no-shows": out.no_shows,
        "gave up waiting": out.abandoned,
        "invites nobody accepted": out.invites_expired,
        "match rate (queue joins that talked)": (out.matched_joins - out.no_shows)
        / max(1, queue_parts),
        "searches widened (announced)": out.widenings,
        "most waiting at once": out.max_waiting,
        "conversation-minutes": out.talk_minutes / 2,
        **{f"pairs at level {k}": v for k, v in sorted(out.levels.items())},
    }
    waits = []
    for pool, ws in sorted(out.waits.items(), key=lambda kv: -len(kv[1])):
        waits.append(
            (
                pool,
                len(ws),
                _percentile(ws, 0.5),
                _percentile(ws, 0.9),
                _percentile(ws, 0.99),
            )
        )
    everyone = [w for ws in out.waits.values() for w in ws]
    waits.insert(
        0,
        (
            "all",
            len(everyone),
            _percentile(everyone, 0.5),
            _percentile(everyone, 0.9),
            _percentile(everyone, 0.99),
        ),
    )

    # -- cost per conversation-minute ----------------------------------------------------
    conv_minutes = out.talk_minutes / 2 * scale
    rcu = sum(total(w) for w in series if w.startswith("rcu:")) * scale
    wcu = sum(total(w) for w in series if w.startswith("wcu:")) * scale
    sqs = sum(total(w) for w in series if w.startswith("sqs:")) * scale * 2
    sns_pub = sum(total(w) for w in series if w.startswith("sns:")) * scale
    sns_deliveries = sum(total(w) for w in series if w.startswith("sqs:")) * scale
    messages = total("api:messages") * scale
    conn_minutes = total("api:connection-seconds") / 60 * scale
    hours = range(0, DAY_S, 3600)
    node_hours = sum(
        math.ceil(max(rooms[h : h + 3600], default=0) / ROOMS_PER_NODE) + 1 for h in hours
    )
    task_hours = 0.0
    for svc, vcpu in TASK_VCPU.items():
        calls = m.of(f"calls:{svc}")
        for h in hours:
            need = max(2, math.ceil(sum(calls[h : h + 3600]) / 3600 * CPU_PER_CALL_S / CPU_TARGET))
            task_hours += need * vcpu
    if scale != 1.0:  # a slice: its nodes and tasks ran for the slice only
        node_hours = nodes * 24
        task_hours = sum(n * TASK_VCPU[s] for s, (_, n) in tasks.items()) * 24
    per_min = 1 / max(1.0, conv_minutes)
    cost = {
        "DynamoDB": (rcu * PRICE["rcu"] + wcu * PRICE["wcu"]) * per_min,
        "SQS": sqs * PRICE["sqs"] * per_min,
        "SNS": (sns_pub + sns_deliveries) * PRICE["sns"] * per_min,
        "API Gateway WebSocket": (
            messages * PRICE["api_message"] + conn_minutes * PRICE["api_connection_minute"]
        )
        * per_min,
        "media egress": MEDIA_MB_PER_CONV_MIN / 1024 * PRICE["egress_gb"],
        "LiveKit nodes": node_hours * PRICE["node_hour"] * per_min,
        "Fargate tasks": task_hours * (PRICE["vcpu_hour"] + 2 * PRICE["gb_hour"]) * per_min,
    }
    cost["total"] = sum(cost.values())
    return Figures(
        title=title,
        scale_note=scale_note,
        outcomes=outcomes,
        waits=waits,
        hot=hot,
        tables=table_rows,
        queues=queues,
        topics=topics,
        tasks=tasks,
        nodes=(peak_rooms, nodes),
        api=api,
        cost=cost,
        extra={
            "daily RCU": rcu,
            "daily WCU": wcu,
            "waiting-set read units per join (looks and sweeps)": _per_join(day, seconds),
        },
    )


def _per_join(day: Day, seconds: range) -> float:
    """Read units of the waiting set per join over the range (the matcher's look cost)."""
    m = day.meter
    joins = sum(m.of("count:joins")[i] for i in seconds)
    reads = sum(m.of("count:waiting-rcu")[i] for i in seconds)
    return reads / max(1.0, joins)


def render(f: Figures) -> str:
    lines = [f"## {f.title}", "", f.scale_note, ""]
    lines += ["| outcome | value |", "| --- | --- |"]
    for k, v in f.outcomes.items():
        shown = f"{v:.1%}" if "rate" in k else f"{v:,.0f}"
        lines.append(f"| {k} | {shown} |")
    lines += ["", "Waits of those matched from the queue, seconds (by the ticket's pool):", ""]
    lines += ["| pool | matched | p50 | p90 | p99 |", "| --- | --- | --- | --- | --- |"]
    for pool, n, p50, p90, p99 in f.waits[:14]:
        lines.append(f"| {pool} | {n:,} | {p50:.1f} | {p90:.1f} | {p99:.1f} |")
    lines += ["", "Hot partitions (index or table keys with few values), peak second:", ""]
    lines += [
        "| partition | peak units/s | limit | share | at (UTC) |",
        "| --- | --- | --- | --- | --- |",
    ]
    shown_rows = [r for r in f.hot if r.share >= 0.01][:30]
    for r in shown_rows:
        if r.peak:
            share = f"**{r.share:.0%}**"
            lines.append(
                f"| {r.place} | {r.peak:,.0f} | {r.limit:,.0f} | {share} | {_hms(r.at_s)} |"
            )
    rest = [r for r in f.hot if r not in shown_rows]
    if rest:
        top = max(r.share for r in rest)
        lines.append(f"| {len(rest)} more partitions, each at most | | | {top:.0%} | |")
    lines += ["", "Tables keyed by person, ticket or session (spread), peak second:", ""]
    lines += ["| table | RCU/s | WCU/s | partitions needed |", "| --- | --- | --- | --- |"]
    for name, rcu, wcu, n in f.tables:
        lines.append(f"| {name} | {rcu:,.0f} | {wcu:,.0f} | {n} |")
    lines += ["", "| queue (SQS FIFO) / topic (SNS FIFO) | peak messages/s | share of limit |"]
    lines += ["| --- | --- | --- |"]
    for r in f.queues + f.topics:
        lines.append(f"| {r.place} | {r.peak:,.0f} | {r.share:.2%} |")
    for k, v in f.api.items():
        shown = f"{v:.1%}" if "share" in k else f"{v:,.0f}"
        lines.append(f"| API Gateway: {k} | {shown} | |")
    lines += [
        "",
        "| service | vCPU at the peak minute (60 % target) | tasks |",
        "| --- | --- | --- |",
    ]
    for svc, (need, n) in f.tasks.items():
        lines.append(f"| {svc} | {need:.1f} | {n} x {TASK_VCPU[svc]} vCPU |")
    rooms, nodes = f.nodes
    lines.append(
        f"| LiveKit | {rooms:,} rooms at the peak | {nodes} nodes ({ROOMS_PER_NODE}/node + 1) |"
    )
    lines += ["", "| cost per conversation-minute | USD |", "| --- | --- |"]
    for k, v in f.cost.items():
        lines.append(f"| {k} | {v:.7f} |")
    lines += ["", *(f"- {k}: {v:,.2f}" for k, v in f.extra.items()), ""]
    return "\n".join(lines)


def _hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
