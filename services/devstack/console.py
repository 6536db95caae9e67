"""What `make dev` shows a person: requests, state changes and problems, one short line each.

The services write JSON log lines with CloudWatch embedded metrics inside (what CloudWatch
Logs reads in AWS). On a laptop console a metric line every second buries what happened, so
the console drops lines that are only metrics and renders the rest as
`09:00:01.234 warning session.ended session_id=… reason=time_up`. `PARLEY_CONSOLE=json`
shows the raw lines, metrics included (what CloudWatch would get).
"""

from __future__ import annotations

import json
import threading
from typing import IO, Any

RAW = "json"
# Keys every line carries or that only feed metrics: not worth a person's attention.
_QUIET_KEYS = frozenset({"_aws", "event", "level", "timestamp", "service", "logger"})


def render(line: str) -> str | None:
    """A person's version of one log line; None to leave it out (a metric and nothing else)."""
    text = line.rstrip("\n")
    try:
        entry: Any = json.loads(text)
    except ValueError:
        return line if line.endswith("\n") else line + "\n"  # not structured: as it came
    if not isinstance(entry, dict) or "event" not in entry:
        return line if line.endswith("\n") else line + "\n"
    if entry.get("event") == "metric":
        return None
    metrics = _metric_names(entry)
    stamp = str(entry.get("timestamp", ""))[11:23]
    level = str(entry.get("level", "info"))
    fields = " ".join(
        f"{k}={_short(v)}"
        for k, v in entry.items()
        if k not in _QUIET_KEYS and k not in metrics and v not in (None, "", [], {})
    )
    head = f"{stamp} {level + ' ' if level not in ('info', 'debug') else ''}{entry['event']}"
    return f"{head} {fields}".rstrip() + "\n"


def _metric_names(entry: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for block in entry.get("_aws", {}).get("CloudWatchMetrics", []):
        names.update(m.get("Name", "") for m in block.get("Metrics", []))
    return names


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= 80 else text[:77] + "…"


class Console:
    """A text stream for the children's relays: filters and renders each line it is given."""

    def __init__(self, out: IO[str], mode: str = "") -> None:
        self._out = out
        self._raw = mode == RAW
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        # Relays write one prefixed line at a time: `<tag> │ <line>`.
        tag, sep, line = text.partition(" │ ")
        shown = text if self._raw or not sep else None
        if shown is None:
            rendered = render(line)
            shown = f"{tag}{sep}{rendered}" if rendered is not None else None
        if shown is not None:
            with self._lock:
                self._out.write(shown)
        return len(text)

    def flush(self) -> None:
        self._out.flush()
