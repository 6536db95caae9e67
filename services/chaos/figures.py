"""Counting from the stack's output what the services did: duplicate deliveries, repairs
(`Repairs` metric lines, services/runtime/logs.py `repair`) and restarts. Pure."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_SEP = " │ "  # between a child's tag and its line (services/devstack/processes.py)


@dataclass
class LogFigures:
    duplicates: int = 0
    repairs: Counter[str] = field(default_factory=Counter)
    restarts: int = 0
    parked: Counter[str] = field(default_factory=Counter)


def _json(line: str) -> dict[str, Any] | None:
    _, sep, rest = line.partition(_SEP)
    if not sep or not rest.startswith("{"):
        return None
    try:
        parsed = json.loads(rest)
    except ValueError:
        return None  # a line cut short by a kill
    return parsed if isinstance(parsed, dict) else None


def count(lines: Iterable[str]) -> LogFigures:
    out = LogFigures()
    for line in lines:
        if line.startswith("parley: ") and " restarted (pid " in line:
            out.restarts += 1
            continue
        rec = _json(line)
        if rec is None:
            continue
        if rec.get("event") == "consumer.duplicate_delivered":
            out.duplicates += 1
        elif rec.get("event") == "consumer.parked":
            out.parked[str(rec.get("reason"))] += 1
        elif "Repairs" in rec and "Repair" in rec:
            out.repairs[str(rec["Repair"])] += int(rec["Repairs"])
    return out
