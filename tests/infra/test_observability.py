"""Dashboard and alarms: every queue on screen, every DLQ alarmed, every alarm has a runbook."""

from __future__ import annotations

import json
import re
from typing import Any

from services.wire import Topology
from tests.infra.infra_harness import ROOT, Built

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EMF_METRICS = {
    "PeopleWaiting",
    "MatchesMade",
    "MatchWaitSeconds",
    "SessionsStarted",
    "SessionsEnded",
    "LiveSessions",
    "PointsRejections",
    "DeliveryFailures",
    "HandlerErrors",
    "MessagesHandled",
    "InboxAgeSeconds",
    "Repairs",
}


def _dashboard(built: Built) -> dict[str, Any]:
    (dashboard,) = built.of_type("aws:cloudwatch/dashboard:Dashboard")
    body: dict[str, Any] = json.loads(dashboard.inputs["dashboardBody"])
    return body


def _metrics(body: dict[str, Any]) -> list[list[Any]]:
    """Every metric a widget names ([namespace, name, dims..., options]), SEARCHes included."""
    out = []
    for w in body["widgets"]:
        for m in w["properties"].get("metrics", []):
            if isinstance(m[0], dict):  # [{"expression": "SEARCH('{ns,dims} MetricName=...')"}]
                found = re.search(r"\{([^,}]+)[^}]*\} MetricName=\"(\w+)\"", m[0]["expression"])
                assert found, m
                out.append([found[1], found[2], m[0]])
            else:
                out.append(m)
    return out


def _alarms(built: Built) -> list[dict[str, Any]]:
    return [r.inputs for r in built.of_type(ALARM)]


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_dashboard_names_every_queue_and_dlq(infra_stack: Built, topo: Topology) -> None:
    queues = {m[3] for m in _metrics(_dashboard(infra_stack)) if m[0] == "AWS/SQS"}
    assert {q.name for q in topo.queues} | {q.dlq for q in topo.queues} <= queues


def test_dashboard_shows_the_mission_from_the_services_metrics(infra_stack: Built) -> None:
    body = _dashboard(infra_stack)
    emf = {m[1] for m in _metrics(body) if m[0] == "Parley"}
    assert emf == EMF_METRICS
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles[:4] == ["People waiting", "Matches per minute", "Match wait (s)", "Live sessions"]
    stats = {m[-1]["stat"] for m in _metrics(body) if m[1] == "MatchWaitSeconds"}
    assert stats == {"p50", "p99"}
    namespaces = {m[0] for m in _metrics(body)}
    assert {"AWS/ApplicationELB", "AWS/NetworkELB", "AWS/AutoScaling", "AWS/EC2"} <= namespaces
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert len(alarm_widget["properties"]["alarms"]) == len(
        [a for a in _alarms(infra_stack) if a["alarmActions"][0].endswith("-alarms")]
    )


def test_every_dlq_has_an_alarm(infra_stack: Built, topo: Topology) -> None:
    watched = {
        a["dimensions"]["QueueName"]
        for a in _alarms(infra_stack)
        if a.get("metricName") == "ApproximateNumberOfMessagesVisible"
    }
    assert watched == {q.dlq for q in topo.queues}
    for a in _alarms(infra_stack):
        if a.get("metricName") == "ApproximateNumberOfMessagesVisible":
            assert a["threshold"] == 0
            assert a["comparisonOperator"] == "GreaterThanThreshold"


def test_every_queue_has_an_age_alarm(infra_stack: Built, topo: Topology) -> None:
    paged = [a for a in _alarms(infra_stack) if a["alarmActions"][0].endswith("-alarms")]
    watched = {
        a["dimensions"]["QueueName"]
        for a in paged
        if a.get("metricName") == "ApproximateAgeOfOldestMessage"
    }
    assert watched == {q.name for q in topo.queues}


def test_api_5xx_rate_latency_and_node_cpu_are_alarmed(infra_stack: Built) -> None:
    alarms = {a["name"].removeprefix(f"{infra_stack.prefix}-"): a for a in _alarms(infra_stack)}
    rate = alarms["api-5xx-rate"]
    expression = next(q["expression"] for q in rate["metricQueries"] if q.get("returnData"))
    assert "target5xx" in expression
    assert "requests" in expression
    cpu = alarms["livekit-node-cpu"]
    assert (cpu["metricName"], cpu["threshold"]) == ("CPUUtilization", 80)
    assert cpu["dimensions"] == {"AutoScalingGroupName": f"{infra_stack.prefix}-livekit"}
    assert "api-latency" in alarms
    assert "gateway-no-healthy-targets" in alarms


def test_every_alarm_goes_to_the_alarm_topic_and_links_its_runbook_entry(
    infra_stack: Built,
) -> None:
    runbook = (ROOT / "docs" / "runbook.md").read_text()
    anchors = {_slug(h) for h in re.findall(r"^#{2,3} (.+)$", runbook, re.M)}
    base = infra_stack.config["parley:runbookUrl"]
    topic = f"arn:aws:sns:{infra_stack.region}:123456789012:{infra_stack.prefix}-alarms"
    for a in _alarms(infra_stack):
        link = re.search(r"Runbook: (\S+)$", a["alarmDescription"])
        assert link, a["name"]
        url, _, anchor = link.group(1).partition("#")
        assert url == base
        assert anchor in anchors, f"{a['name']}: docs/runbook.md has no '{anchor}' entry"
        if not a["name"].endswith("-scale-out"):  # scaling triggers act, they do not page
            assert a["alarmActions"] == [topic]
            assert a["okActions"] == [topic]
