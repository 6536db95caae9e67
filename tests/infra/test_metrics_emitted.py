"""Every metric the dashboard graphs or an alarm watches is emitted by some code in services/.

A widget over a metric nobody writes shows an empty graph exactly where on-call looks first
(the dashboard once graphed `MatchesMade` and `LiveSessions`, which no code emitted). Metrics
in the `Parley` namespace come from the services' embedded-metric logs: `metric("Name", ...)`,
`emf({"Name": ...})` and `log_with_metrics(log, msg, {"Name": ...})` (services/runtime/logs.py).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from tests.infra.infra_harness import ROOT, Built

NAMESPACE = "Parley"
SEARCH = re.compile(r"\{([^,}]+)[^}]*\} MetricName=\"(\w+)\"")


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and type(n.value) is str}


def _keys(node: ast.AST | None) -> set[str]:
    if not isinstance(node, ast.Dict):
        return set()
    return {k.value for k in node.keys if isinstance(k, ast.Constant) and type(k.value) is str}


def emitted(root: Path) -> dict[str, set[str]]:
    """Metric name → the files that emit it."""
    out: dict[str, set[str]] = {}
    for path in sorted((root / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            names: set[str] = set()
            match _name(node.func):
                case "metric":
                    names = _strings(node.args[0])
                case "emf":
                    names = _keys(node.args[0])
                case "log_with_metrics":
                    names = _keys(node.args[2] if len(node.args) > 2 else None)
            for name in names:
                out.setdefault(name, set()).add(str(path.relative_to(root)))
    return out


def watched(built: Built) -> dict[str, set[str]]:
    """Metric name in the Parley namespace → the widgets and alarms that show it."""
    out: dict[str, set[str]] = {}
    (dashboard,) = built.of_type("aws:cloudwatch/dashboard:Dashboard")
    for widget in json.loads(dashboard.inputs["dashboardBody"])["widgets"]:
        title = f"widget {widget['properties'].get('title')!r}"
        for m in widget["properties"].get("metrics", []):
            if isinstance(m[0], dict):
                found = SEARCH.search(m[0].get("expression", ""))
                if found and found[1] == NAMESPACE:
                    out.setdefault(found[2], set()).add(title)
            elif m[0] == NAMESPACE:
                out.setdefault(m[1], set()).add(title)
    for alarm in built.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        title = f"alarm {alarm.inputs.get('name')!r}"
        metrics: list[dict[str, Any]] = [alarm.inputs]
        metrics += [q["metric"] for q in alarm.inputs.get("metricQueries", []) if q.get("metric")]
        for m in metrics:
            if m.get("namespace") == NAMESPACE:
                out.setdefault(m["metricName"], set()).add(title)
    return out


def test_the_scan_finds_the_services_metrics() -> None:
    found = emitted(ROOT)
    assert "MessagesHandled" in found  # log_with_metrics, in the consumer loop
    assert "HandlerErrors" in found  # emf(...)
    assert "PointsRejections" in found  # metric(...)


def test_every_metric_on_screen_or_alarmed_is_emitted(infra_stack: Built) -> None:
    shown, found = watched(infra_stack), emitted(ROOT)
    assert {"MatchesMade", "LiveSessions", "MatchWaitSeconds", "PeopleWaiting"} <= set(shown)
    missing = {name: sorted(where) for name, where in shown.items() if name not in found}
    assert not missing, f"shown or alarmed but emitted by no code in services/: {missing}"
