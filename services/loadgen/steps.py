"""Where a run's time went, from the services' own `consumer.handled` log lines: for each
service and message type, how long a message waited in its inbox before its handler began,
and how long the handler took. No I/O: the lines come from the local stack's output.

The three steps between "Join" and "you are matched" come first in the report: the ledger
funding the ticket, the matcher pairing it, the notifier telling both people.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from services.loadgen.stats import pct

JOIN_PATH = (
    ("ledger", "ticket.requested"),
    ("matcher", "ticket.funded"),
    ("notifier", "session.started"),
)


def handled(lines: Iterable[str]) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(service, message type) → [(seconds waiting in the inbox, seconds handling)]."""
    out: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for line in lines:
        start = line.find("{")
        if start < 0 or "consumer.handled" not in line:
            continue
        try:
            rec: dict[str, Any] = json.loads(line[start:])
        except ValueError:
            continue
        if rec.get("event") != "consumer.handled":
            continue
        try:
            age, took = float(rec["InboxAgeSeconds"]), float(rec["HandlerSeconds"])
        except (KeyError, TypeError, ValueError):
            continue
        key = (str(rec.get("service", "?")), str(rec.get("event_type", "?")))
        # The inbox age runs from the send to the handler's end.
        out.setdefault(key, []).append((max(0.0, age - took), took))
    return out


def summary(lines: Iterable[str]) -> dict[str, dict[str, float | int | None]]:
    """`"service type"` → n, wait and handler p50/p99 in ms; the join path first, then the
    busiest."""
    rows = handled(lines)
    order = [k for k in JOIN_PATH if k in rows]
    order += sorted((k for k in rows if k not in JOIN_PATH), key=lambda k: -len(rows[k]))
    result: dict[str, dict[str, float | int | None]] = {}
    for key in order:
        waits = [w * 1000 for w, _ in rows[key]]
        took = [t * 1000 for _, t in rows[key]]
        result[" ".join(key)] = {
            "n": len(took),
            "wait_p50_ms": pct(waits, 50),
            "wait_p99_ms": pct(waits, 99),
            "handler_p50_ms": pct(took, 50),
            "handler_p99_ms": pct(took, 99),
        }
    return result
