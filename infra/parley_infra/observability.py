"""Alarms (each linked to its runbook entry), the alarm topic and the dashboard.

Every alarm's description ends with `Runbook: <runbookUrl>#<anchor>`; docs/runbook.md has a
heading for each anchor (tests check both). Alarms and recoveries go to one SNS topic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from parley_infra.alarms import edge_alarms, media_alarms
from parley_infra.config import Settings
from parley_infra.dashboard import DashboardInputs, body
from parley_infra.messaging import short_name
from services.wire import Topology
from services.wire.names import Service

INBOX_AGE_S = 300
TIMER_AGE_S = 1200  # timers sit up to 900 s by design before they are due
ERROR_RATE_PERCENT = 5
LATENCY_P99_S = 2
NODE_CPU_PERCENT = 80
# A suspension by reports waits for an operator no longer than this (ModerationQueueAge).
MODERATION_QUEUE_AGE_S = 24 * 3600
HANDLER_ERRORS_PER_5_MIN = 10
# Throttled DynamoDB attempts the services absorbed (retried) on one table in 5 minutes.
THROTTLED_PER_5_MIN = 50
# Sockets closed or refused by the edge's limits in 5 minutes (a flood, or a client bug).
EDGE_LIMITED_PER_5_MIN = 100


@dataclass(frozen=True)
class Targets:
    alb_suffix: pulumi.Output[str]
    gateway_tg_suffix: pulumi.Output[str]
    asg_name: pulumi.Output[str]
    nlb_suffix: pulumi.Output[str]
    livekit_tg_suffixes: dict[str, pulumi.Output[str]]
    livekit_tg_lbs: dict[str, pulumi.Output[str]]  # each target group's NLB
    cluster_name: pulumi.Output[str]
    websocket_api_id: pulumi.Output[str]
    edge_nlb_suffix: pulumi.Output[str]  # API Gateway's way to the gateway (edge_link.py)
    edge_tg_suffix: pulumi.Output[str]


class Observability(pulumi.ComponentResource):
    alarm_topic_arn: pulumi.Output[str]
    dashboard_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        s: Settings,
        topo: Topology,
        t: Targets,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("parley:infra:Observability", name, None, opts)
        self._s = s
        self._child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(
            f"{name}-alarms", name=f"{s.prefix}-alarms", tags=s.tags(), opts=self._child
        )
        if s.alarm_email:
            aws.sns.TopicSubscription(
                f"{name}-alarms-email",
                topic=topic.arn,
                protocol="email",
                endpoint=s.alarm_email,
                opts=self._child,
            )
        self._topic = topic.arn
        self._alarms: list[pulumi.Output[str]] = []

        for q in topo.queues:
            short = short_name(s.prefix, q.name)
            self._alarm(
                f"dlq-{short}",
                "dlq-not-empty",
                f"{q.dlq} holds messages {q.owner} could not handle.",
                namespace="AWS/SQS",
                metric_name="ApproximateNumberOfMessagesVisible",
                dimensions={"QueueName": q.dlq},
                statistic="Maximum",
                period=60,
                evaluation_periods=1,
                threshold=0,
            )
            timers = not q.fifo
            self._alarm(
                f"age-{short}",
                "timer-queue-age" if timers else "inbox-age",
                f"The oldest message in {q.name} is older than "
                f"{TIMER_AGE_S if timers else INBOX_AGE_S}s: {q.owner} is behind or stuck.",
                namespace="AWS/SQS",
                metric_name="ApproximateAgeOfOldestMessage",
                dimensions={"QueueName": q.name},
                statistic="Maximum",
                period=60,
                evaluation_periods=5,
                datapoints_to_alarm=3,
                threshold=TIMER_AGE_S if timers else INBOX_AGE_S,
            )
        for q in topo.inboxes:
            self._alarm(
                f"handler-errors-{q.owner}",
                "handler-errors",
                f"{q.owner} failed more than {HANDLER_ERRORS_PER_5_MIN} messages in 5 minutes.",
                namespace="Parley",
                metric_name="HandlerErrors",
                dimensions={"Service": q.owner.value},
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=HANDLER_ERRORS_PER_5_MIN,
            )
        self._alarm(
            "moderation-queue-age",
            "moderation-queue",
            "Someone suspended by reports has waited more than a day for an operator's review.",
            namespace="Parley",
            metric_name="ModerationQueueAge",
            dimensions={"Service": Service.GATEWAY.value},
            statistic="Maximum",
            period=300,
            evaluation_periods=1,
            threshold=MODERATION_QUEUE_AGE_S,
        )
        self._alarm(
            "edge-limited",
            "edge-limited",
            f"The WebSocket edge closed or refused more than {EDGE_LIMITED_PER_5_MIN} sockets "
            "in 5 minutes for breaking its limits (frame rate, size, sockets, connects).",
            namespace="Parley",
            metric_name="EdgeLimited",
            dimensions={"Service": Service.GATEWAY.value},
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=EDGE_LIMITED_PER_5_MIN,
        )
        for table in topo.tables:
            self._throttled_alarm(table.name(s.prefix), [table.writer, *sorted(table.readers)])
        alb = t.alb_suffix
        self._alarm(
            "api-5xx-rate",
            "api-5xx-rate",
            f"More than {ERROR_RATE_PERCENT}% of API requests end in a 5xx.",
            evaluation_periods=5,
            datapoints_to_alarm=3,
            threshold=ERROR_RATE_PERCENT,
            metric_queries=[
                _query("target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb),
                _query("elb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", alb),
                _query("requests", "AWS/ApplicationELB", "RequestCount", alb),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="rate",
                    label="5xx %",
                    return_data=True,
                    expression="100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
                ),
            ],
        )
        self._alarm(
            "api-latency",
            "api-latency",
            f"API p99 latency is above {LATENCY_P99_S}s.",
            namespace="AWS/ApplicationELB",
            metric_name="TargetResponseTime",
            dimensions={"LoadBalancer": alb},
            extended_statistic="p99",
            period=60,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            threshold=LATENCY_P99_S,
        )
        self._alarm(
            "gateway-no-healthy-targets",
            "gateway-no-healthy-targets",
            "The ALB has no healthy gateway task.",
            namespace="AWS/ApplicationELB",
            metric_name="HealthyHostCount",
            dimensions={"LoadBalancer": alb, "TargetGroup": t.gateway_tg_suffix},
            statistic="Minimum",
            period=60,
            evaluation_periods=2,
            threshold=1,
            comparison_operator="LessThanThreshold",
            treat_missing_data="breaching",
        )
        self._alarm(
            "edge-no-healthy-targets",
            "edge-no-healthy-targets",
            "The edge NLB (API Gateway's VPC link) has no healthy gateway edge port.",
            namespace="AWS/NetworkELB",
            metric_name="HealthyHostCount",
            dimensions={"LoadBalancer": t.edge_nlb_suffix, "TargetGroup": t.edge_tg_suffix},
            statistic="Minimum",
            period=60,
            evaluation_periods=2,
            threshold=1,
            comparison_operator="LessThanThreshold",
            treat_missing_data="breaching",
        )
        self._alarm(
            "livekit-node-cpu",
            "livekit-node-cpu",
            f"LiveKit nodes average above {NODE_CPU_PERCENT}% CPU.",
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            dimensions={"AutoScalingGroupName": t.asg_name},
            statistic="Average",
            period=60,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            threshold=NODE_CPU_PERCENT,
        )
        for key, tg in sorted(t.livekit_tg_suffixes.items()):
            self._alarm(
                f"livekit-unhealthy-{key}",
                "livekit-unhealthy-nodes",
                f"A LiveKit node fails the NLB's {key} health check.",
                namespace="AWS/NetworkELB",
                metric_name="UnHealthyHostCount",
                dimensions={"LoadBalancer": t.livekit_tg_lbs[key], "TargetGroup": tg},
                statistic="Maximum",
                period=60,
                evaluation_periods=3,
                threshold=0,
            )
        media_alarms(self._alarm, s, t.livekit_tg_lbs, t.livekit_tg_suffixes)
        edge_alarms(self._alarm, t.websocket_api_id, alb)

        tg_keys = sorted(t.livekit_tg_suffixes)
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=s.prefix,
            dashboard_body=pulumi.Output.all(
                t.alb_suffix,
                t.gateway_tg_suffix,
                t.asg_name,
                t.nlb_suffix,
                t.cluster_name,
                pulumi.Output.all(*[t.livekit_tg_suffixes[k] for k in tg_keys]),
                pulumi.Output.all(*self._alarms),
                pulumi.Output.all(*[t.livekit_tg_lbs[k] for k in tg_keys]),
            ).apply(
                lambda v: json.dumps(
                    body(
                        topo,
                        DashboardInputs(
                            region=s.region,
                            alb_suffix=v[0],
                            gateway_tg_suffix=v[1],
                            asg_name=v[2],
                            nlb_suffix=v[3],
                            cluster_name=v[4],
                            livekit_tg_suffixes=dict(zip(tg_keys, v[5], strict=True)),
                            livekit_tg_lbs=dict(zip(tg_keys, v[7], strict=True)),
                            alarm_arns=list(v[6]),
                        ),
                    )
                )
            ),
            opts=self._child,
        )
        self.alarm_topic_arn = topic.arn
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"dashboard": dashboard.dashboard_name, "alarmTopic": topic.arn})

    def _throttled_alarm(self, table: str, services: list[Service]) -> None:
        """`Throttled{Service, Table}` summed over the services that use the table."""
        queries = [
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=f"m{i}",
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="Parley",
                    metric_name="Throttled",
                    period=300,
                    stat="Sum",
                    dimensions={"Service": service.value, "Table": table},
                ),
            )
            for i, service in enumerate(services)
        ]
        total = " + ".join(f"FILL({q.id}, 0)" for q in queries)
        self._alarm(
            f"throttled-{table.removeprefix(f'{self._s.prefix}-')}",
            "throttling",
            f"DynamoDB throttled more than {THROTTLED_PER_5_MIN} calls on {table} in 5 minutes, "
            "twice in 15 minutes (absorbed by retries so far).",
            evaluation_periods=3,
            datapoints_to_alarm=2,
            threshold=THROTTLED_PER_5_MIN,
            metric_queries=[
                *queries,
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="throttled", label="Throttled", return_data=True, expression=total
                ),
            ],
        )

    def _alarm(self, key: str, anchor: str, what: str, **kwargs: Any) -> None:
        s = self._s
        kwargs.setdefault("comparison_operator", "GreaterThanThreshold")
        kwargs.setdefault("treat_missing_data", "notBreaching")
        alarm = aws.cloudwatch.MetricAlarm(
            key,
            name=f"{s.prefix}-{key}",
            alarm_description=f"{what} Runbook: {s.runbook(anchor)}",
            alarm_actions=[self._topic],
            ok_actions=[self._topic],
            tags=s.tags(runbook=anchor),
            opts=self._child,
            **kwargs,
        )
        self._alarms.append(alarm.arn)


def _query(
    qid: str, namespace: str, metric: str, alb: pulumi.Output[str]
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=qid,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=namespace,
            metric_name=metric,
            period=60,
            stat="Sum",
            dimensions={"LoadBalancer": alb},
        ),
    )
