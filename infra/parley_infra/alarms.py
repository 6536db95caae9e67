"""The alarms on the edges and the media tier (the queues' and the API's are in observability).

Each pages on something a person must act on: no healthy LiveKit node, the WebSocket API
failing to reach the gateway or refusing browsers, a spike of forged edge requests, LiveKit's
Redis running out of CPU or memory. Each has its entry in docs/runbook.md.
"""

from __future__ import annotations

from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from parley_infra.media_parts import redis_group_id
from parley_infra.realtime import STAGE

WS_INTEGRATION_ERRORS_PER_5_MIN = 10
WS_CLIENT_ERRORS_PER_5_MIN = 200
EDGE_REFUSALS_PER_5_MIN = 20
REDIS_PERCENT = 80


class AlarmFn(Protocol):
    def __call__(self, key: str, anchor: str, what: str, **kwargs: Any) -> None: ...


def media_alarms(
    alarm: AlarmFn,
    s: Settings,
    lbs: dict[str, pulumi.Output[str]],
    tgs: dict[str, pulumi.Output[str]],
) -> None:
    for key, tg in sorted(tgs.items()):
        alarm(
            f"livekit-no-healthy-{key}",
            "livekit-no-healthy-nodes",
            f"No LiveKit node passes the NLB's {key} health check: no call can start.",
            namespace="AWS/NetworkELB",
            metric_name="HealthyHostCount",
            dimensions={"LoadBalancer": lbs[key], "TargetGroup": tg},
            statistic="Minimum",
            period=60,
            evaluation_periods=2,
            threshold=1,
            comparison_operator="LessThanThreshold",
            treat_missing_data="breaching",
        )
    # Every node of LiveKit's replication group (`<group>-001`, `-002`, ...): after a failover
    # the primary is another node, so the alarm takes the highest of them all.
    nodes = redis_nodes(s)
    for metric, what in (
        ("EngineCPUUtilization", "Redis's engine CPU"),
        ("DatabaseMemoryUsagePercentage", "Redis's memory"),
    ):
        ids = [f"node{i}" for i in range(1, len(nodes) + 1)]
        queries = [
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=qid,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="AWS/ElastiCache",
                    metric_name=metric,
                    dimensions={"CacheClusterId": node},
                    period=60,
                    stat="Average",
                ),
            )
            for qid, node in zip(ids, nodes, strict=True)
        ]
        alarm(
            f"redis-{'cpu' if 'CPU' in metric else 'memory'}",
            "livekit-redis",
            f"{what} is above {REDIS_PERCENT}% on a node: LiveKit's routing between nodes is"
            " at risk.",
            metric_queries=[
                *queries,
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="highest",
                    label=f"{metric} (highest node)",
                    return_data=True,
                    expression=f"MAX([{', '.join(ids)}])",
                ),
            ],
            evaluation_periods=5,
            datapoints_to_alarm=3,
            threshold=REDIS_PERCENT,
        )


def redis_nodes(s: Settings) -> list[str]:
    """The cache clusters ElastiCache makes of a replication group: `<group id>-00N`."""
    group = redis_group_id(s)
    return [f"{group}-{n:03d}" for n in range(1, 2 + s.livekit.redis_replicas)]


def edge_alarms(alarm: AlarmFn, api_id: pulumi.Output[str], alb: pulumi.Output[str]) -> None:
    ws = {"ApiId": api_id, "Stage": STAGE}
    for metric, threshold, what in (
        ("IntegrationError", WS_INTEGRATION_ERRORS_PER_5_MIN, "failed to reach the gateway"),
        ("ExecutionError", WS_INTEGRATION_ERRORS_PER_5_MIN, "failed to run a route"),
        ("ClientError", WS_CLIENT_ERRORS_PER_5_MIN, "refused browsers (4xx)"),
    ):
        alarm(
            f"websocket-{metric.removesuffix('Error').lower()}-errors",
            "websocket-errors",
            f"The WebSocket API {what} more than {threshold} times in 5 minutes.",
            namespace="AWS/ApiGateway",
            metric_name=metric,
            dimensions=ws,
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=threshold,
        )
    # Only CloudFront reaches the internal ALB, and it never forwards /ws-edge/*: ELB-made 4xx
    # (the ALB's own refusal of those paths, malformed requests) mean something else does.
    alarm(
        "edge-auth-failures",
        "edge-auth-failures",
        f"The internal ALB refused more than {EDGE_REFUSALS_PER_5_MIN} requests itself in"
        " 5 minutes (e.g. /ws-edge from a way other than API Gateway's VPC link).",
        namespace="AWS/ApplicationELB",
        metric_name="HTTPCode_ELB_4XX_Count",
        dimensions={"LoadBalancer": alb},
        statistic="Sum",
        period=300,
        evaluation_periods=1,
        threshold=EDGE_REFUSALS_PER_5_MIN,
    )
