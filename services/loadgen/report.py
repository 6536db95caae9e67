"""The run's figures as text (and the JSON file for docs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f} ms"


def _x(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def text(s: dict[str, Any]) -> str:
    j, both, own, hop = (
        s["joins_per_s"],
        s["join_to_both_told"],
        s["join_to_own_started"],
        s["hop_sns_to_sqs"],
    )
    c, books, la = s["counts"], s["books"], s["load_average"]
    lines = [
        "",
        f"== Parley load: {s['config']['people']} people, {s['duration_s']:.1f} s",
        f"   joins/s             offered {j['offered']:.2f}  posted {j['posted']:.2f}  "
        f"accepted {j['achieved']:.2f}",
        f"   join → both told    p50 {_ms(both['p50_ms'])}  p99 {_ms(both['p99_ms'])}  "
        f"max {_ms(both['max_ms'])}  (n={both['n']})",
        f"   join → own started  p50 {_ms(own['p50_ms'])}  p99 {_ms(own['p99_ms'])}  "
        f"(n={own['n']})",
        f"   SNS→SQS FIFO hop    p50 {_ms(hop['p50_ms'])}  p99 {_ms(hop['p99_ms'])}  "
        f"max {_ms(hop['max_ms'])}  (n={hop['n']})",
        f"   both told / 3 hops  p50 {_x(s['ratio_to_three_hops']['p50'])}  "
        f"p99 {_x(s['ratio_to_three_hops']['p99'])}",
        f"   matches             {c['matches_both_told']} both told "
        f"({c['matches_from_queue']} from the queue, {c['invite_sessions']} by invite)",
        f"   rejections          {c['rejections'] or 'none'}",
        f"   invites             {c['invites'] or 'none'}",
        f"   errors              {c['errors'] or 'none'}",
        f"   resyncs from /v1/me {c['resyncs']}",
        f"   load average        {' '.join(f'{x:.2f}' for x in la['before'])} before, "
        f"{' '.join(f'{x:.2f}' for x in la['after'])} after ({la['cpus']} CPUs); "
        f"the generator used {s['generator_cpu_s']:.1f} CPU s",
        f"   books               {'right' if books['ok'] else 'WRONG'}"
        f" (holds {books.get('holds', '-')}, tickets {books.get('tickets', '-')}, "
        f"sessions {books.get('sessions', '-')}, points charged "
        f"{books.get('points_charged', '-')}, DLQs {books.get('dlqs_checked', '-')}; "
        f"settled in {books['settled_in_s']:.1f} s)",
    ]
    lines += [f"     ! {p}" for p in books["problems"]]
    calls = s.get("aws_calls") or {}
    if calls.get("total"):
        by = ", ".join(f"{k} {v:g}" for k, v in calls["by_service"].items())
        top = ", ".join(f"{k} {v:g}" for k, v in list(calls["by_operation"].items())[:8])
        lines += [
            f"   AWS calls / conv.   {calls['total']:g} ({by}; {calls['conversations']} "
            f"conversations, from the embedded AWS's own count)",
            f"     most              {top}",
        ]
        shares = calls.get("cpu_share") or {}
        if shares:
            ms = calls.get("server_ms_per_call") or {}
            heavy = ", ".join(
                f"{k} {100 * v:.0f} %" + (f" ({ms[k]:g} ms/call)" if k in ms else "")
                for k, v in list(shares.items())[:6]
            )
            lines.append(f"     embedded AWS CPU  {heavy}")
    steps = s.get("steps") or {}
    if steps:
        lines.append(
            "   where the time went (the services' own lines; inbox wait / handler, p50 ms)"
        )
        for key, row in list(steps.items())[:8]:
            lines.append(
                f"     {key:36} n={row['n']:<5} "
                f"{_n(row['wait_p50_ms'])} / {_n(row['handler_p50_ms'])}"
                f"  (p99 {_n(row['wait_p99_ms'])} / {_n(row['handler_p99_ms'])})"
            )
    return "\n".join(lines)


def _n(v: Any) -> str:
    return "-" if v is None else f"{v:.0f}"


def write_json(s: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(s, indent=2, ensure_ascii=False) + "\n")
