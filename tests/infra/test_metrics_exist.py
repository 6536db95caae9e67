"""Every metric a scaling policy or an alarm reads is one the stack's settings make exist.

CloudWatch accepts a policy or an alarm on any metric, published or not: one on a metric
nobody publishes never gets a datapoint, so it never scales or never fires. Two such metrics
are conditional here: `ECS/ContainerInsights` exists only on a cluster with Container
Insights enabled, and ElastiCache publishes per node (`CacheClusterId` = `<group>-00N`),
where the primary is whichever node the last failover promoted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from parley_infra.config import Scale, check_container_insights
from services.wire import Service
from tests.infra.conftest import build_with
from tests.infra.infra_harness import Built

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
POLICY = "aws:appautoscaling/policy:Policy"


def _dims(raw: Any) -> dict[str, str]:
    if isinstance(raw, list):  # a scaling policy's [{"name", "value"}]
        return {d["name"]: d["value"] for d in raw}
    return dict(raw or {})


def read_metrics(built: Built) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """(who reads it, namespace, metric name, dimensions) for every policy and alarm."""
    for policy in built.of_type(POLICY):
        tracking = policy.inputs.get("targetTrackingScalingPolicyConfiguration") or {}
        custom = tracking.get("customizedMetricSpecification") or {}
        for m in custom.get("metrics", []):
            if "metricStat" in m:
                metric = m["metricStat"]["metric"]
                yield (
                    policy.inputs["name"],
                    metric["namespace"],
                    metric["metricName"],
                    _dims(metric.get("dimensions")),
                )
    for alarm in built.of_type(ALARM):
        i = alarm.inputs
        if i.get("metricName"):
            yield i["name"], i["namespace"], i["metricName"], _dims(i.get("dimensions"))
        for q in i.get("metricQueries", []):
            if q.get("metric"):
                m = q["metric"]
                yield i["name"], m["namespace"], m["metricName"], _dims(m.get("dimensions"))


def missing_metrics(built: Built) -> list[str]:
    (cluster,) = built.of_type("aws:ecs/cluster:Cluster")
    insights = {s["name"]: s["value"] for s in cluster.inputs.get("settings", [])}
    (redis,) = built.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    group, count = redis.inputs["replicationGroupId"], int(redis.inputs["numCacheClusters"])
    nodes = {f"{group}-{n:03d}" for n in range(1, count + 1)}
    out = []
    for who, namespace, _, dims in read_metrics(built):
        if namespace == "ECS/ContainerInsights" and insights.get("containerInsights") != "enabled":
            out.append(f"{who}: ECS/ContainerInsights with Container Insights off")
        if namespace == "AWS/ElastiCache" and dims.get("CacheClusterId") not in nodes:
            out.append(f"{who}: no cache cluster {dims.get('CacheClusterId')}")
    return out


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_policy_or_alarm_reads_a_metric_the_stack_never_publishes(
    stack: str, infra_stack: Built, prod_stack: Built
) -> None:
    built = infra_stack if stack == "dev" else prod_stack
    assert not missing_metrics(built)
    readers = {who for who, namespace, _, _ in read_metrics(built)}
    assert any(who.endswith("-backlog") for who in readers)  # the walk reached the policies


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_redis_alarms_watch_every_node_whichever_is_primary(
    stack: str, infra_stack: Built, prod_stack: Built
) -> None:
    built = infra_stack if stack == "dev" else prod_stack
    (redis,) = built.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    group, count = redis.inputs["replicationGroupId"], int(redis.inputs["numCacheClusters"])
    assert count == (2 if stack == "prod" else 1)  # prod has a replica to fail over to
    for key in ("cpu", "memory"):
        alarm = built.one(ALARM, name=f"{built.prefix}-redis-{key}").inputs
        watched = {
            q["metric"]["dimensions"]["CacheClusterId"]
            for q in alarm.get("metricQueries", [])
            if q.get("metric")
        }
        assert watched == {f"{group}-{n:03d}" for n in range(1, count + 1)}
        (result,) = [q for q in alarm["metricQueries"] if q.get("returnData")]
        assert result["expression"].startswith("MAX(")


def test_container_insights_is_required_exactly_while_a_worker_can_scale() -> None:
    def scale(**maxes: int) -> dict[Service, Scale]:
        return {svc: Scale(1, maxes.get(svc.value, 1), 256, 512) for svc in Service}

    check_container_insights(True, scale(ledger=2))
    check_container_insights(False, scale())  # every worker fixed: no backlog policy
    check_container_insights(False, scale(gateway=4))  # the gateway scales on AWS/ECS, ALB
    with pytest.raises(ValueError, match=r"containerInsights must be true .*\(ledger"):
        check_container_insights(False, scale(ledger=2))


def test_without_container_insights_no_policy_reads_it(dev_variant: Built) -> None:
    built = dev_variant  # Container Insights off, every worker fixed (conftest.VARIANT)
    (cluster,) = built.of_type("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    assert not missing_metrics(built)
    names = {p.inputs["name"] for p in built.of_type(POLICY)}
    assert not [n for n in names if n.endswith("-backlog")]
    assert json.loads(built.config["parley:services"])["ledger"] == {"min": 1, "max": 1}
    refused, err = build_with("dev", {"parley:containerInsights": "false"})
    assert refused is None
    assert "parley:containerInsights must be true" in err
