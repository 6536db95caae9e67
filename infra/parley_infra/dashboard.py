"""The CloudWatch dashboard body: Parley's mission at a glance, then the machinery.

Top row: people waiting, matches per minute, match wait p50/p99, live sessions — from the
services' embedded-metric logs (namespace `Parley`, dimension `Service`; repairs also by
`Repair`; tests/infra/test_metrics_emitted.py checks some code emits each). Then every queue's
age and every DLQ's depth (from the wire module, so a new queue appears by itself), handler
errors, the API's 5xx and latency, LiveKit's nodes, the ECS services and the alarms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.wire import Service, Topology

NAMESPACE = "Parley"
WIDTH = 8  # three widgets per row on CloudWatch's 24-column grid
HEIGHT = 6


@dataclass(frozen=True)
class DashboardInputs:
    region: str
    alb_suffix: str
    gateway_tg_suffix: str
    asg_name: str
    nlb_suffix: str
    livekit_tg_suffixes: dict[str, str]
    livekit_tg_lbs: dict[str, str]
    cluster_name: str
    alarm_arns: list[str]


def _emf(metric: str, svc: Service, stat: str, label: str | None = None) -> list[Any]:
    options: dict[str, Any] = {"stat": stat}
    if label:
        options["label"] = label
    return [NAMESPACE, metric, "Service", svc.value, options]


def _search(metric: str, dimension: str, svc: Service, stat: str) -> list[Any]:
    """Every series of an EMF metric that carries one more dimension (one line per value)."""
    query = f'{{{NAMESPACE},Service,{dimension}}} MetricName="{metric}" Service="{svc}"'
    return [{"expression": f"SEARCH('{query}', '{stat}', 60)", "id": metric.lower()}]


def _graph(title: str, metrics: list[list[Any]], region: str, **extra: Any) -> dict[str, Any]:
    props = {
        "title": title,
        "metrics": metrics,
        "region": region,
        "view": "timeSeries",
        "period": 60,
        "stacked": False,
        **extra,
    }
    return {"type": "metric", "properties": props}


def widgets(topo: Topology, d: DashboardInputs) -> list[dict[str, Any]]:
    r = d.region
    consumers = [q.owner for q in topo.inboxes]
    m = Service.MATCHER
    out = [
        _graph("People waiting", [_emf("PeopleWaiting", m, "Maximum")], r),
        _graph("Matches per minute", [_emf("MatchesMade", m, "Sum")], r),
        _graph(
            "Match wait (s)",
            [_emf("MatchWaitSeconds", m, "p50", "p50"), _emf("MatchWaitSeconds", m, "p99", "p99")],
            r,
        ),
        _graph(
            "Live sessions",
            [
                _emf("LiveSessions", m, "Maximum"),
                _emf("SessionsStarted", m, "Sum", "started / min"),
                _emf("SessionsEnded", m, "Sum", "ended / min"),
            ],
            r,
        ),
        _graph("Points rejections / min", [_emf("PointsRejections", Service.LEDGER, "Sum")], r),
        _graph("Delivery failures / min", [_emf("DeliveryFailures", Service.NOTIFIER, "Sum")], r),
        # What the matcher's reconcilers fixed (a lost message, a crash), by kind of repair.
        _graph("Repairs / min", [_search("Repairs", "Repair", m, "Sum")], r),
        _graph(
            "Queue age, oldest message (s)",
            [
                [
                    "AWS/SQS",
                    "ApproximateAgeOfOldestMessage",
                    "QueueName",
                    q.name,
                    {"stat": "Maximum"},
                ]
                for q in topo.queues
            ],
            r,
        ),
        _graph(
            "DLQ depth",
            [
                [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    q.dlq,
                    {"stat": "Maximum"},
                ]
                for q in topo.queues
            ],
            r,
        ),
        _graph(
            "Inbox age seen by consumers (s)",
            [_emf("InboxAgeSeconds", svc, "p99", f"{svc} p99") for svc in consumers],
            r,
        ),
        _graph(
            "Messages handled / min", [_emf("MessagesHandled", svc, "Sum") for svc in consumers], r
        ),
        _graph("Handler errors / min", [_emf("HandlerErrors", svc, "Sum") for svc in consumers], r),
        _graph(
            "API 5xx / min",
            [
                ["AWS/ApplicationELB", name, "LoadBalancer", d.alb_suffix, {"stat": "Sum"}]
                for name in ("HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count")
            ],
            r,
        ),
        _graph(
            "API latency (s)",
            [
                [
                    "AWS/ApplicationELB",
                    "TargetResponseTime",
                    "LoadBalancer",
                    d.alb_suffix,
                    {"stat": s, "label": s},
                ]
                for s in ("p50", "p99")
            ],
            r,
        ),
        _graph(
            "LiveKit nodes",
            [
                [
                    "AWS/AutoScaling",
                    "GroupInServiceInstances",
                    "AutoScalingGroupName",
                    d.asg_name,
                    {"stat": "Minimum", "label": "in service"},
                ]
            ]
            + [
                [
                    "AWS/NetworkELB",
                    metric,
                    "TargetGroup",
                    tg,
                    "LoadBalancer",
                    d.livekit_tg_lbs[key],
                    {"stat": stat, "label": f"{key} {label}"},
                ]
                for key, tg in sorted(d.livekit_tg_suffixes.items())
                for metric, stat, label in (
                    ("HealthyHostCount", "Minimum", "healthy"),
                    ("UnHealthyHostCount", "Maximum", "unhealthy"),
                )
            ],
            r,
        ),
        _graph(
            "LiveKit node CPU (%)",
            [
                [
                    "AWS/EC2",
                    "CPUUtilization",
                    "AutoScalingGroupName",
                    d.asg_name,
                    {"stat": s, "label": s},
                ]
                for s in ("Average", "Maximum")
            ],
            r,
            yAxis={"left": {"min": 0, "max": 100}},
        ),
        _graph(
            "ECS CPU (%)",
            [
                [
                    "AWS/ECS",
                    "CPUUtilization",
                    "ClusterName",
                    d.cluster_name,
                    "ServiceName",
                    svc.value,
                    {"stat": "Average"},
                ]
                for svc in Service
            ],
            r,
        ),
        {"type": "alarm", "properties": {"title": "Alarms", "alarms": sorted(d.alarm_arns)}},
    ]
    for i, widget in enumerate(out):
        widget |= {"x": (i % 3) * WIDTH, "y": (i // 3) * HEIGHT, "width": WIDTH, "height": HEIGHT}
    return out


def body(topo: Topology, d: DashboardInputs) -> dict[str, Any]:
    return {"widgets": widgets(topo, d)}
