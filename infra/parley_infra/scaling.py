"""Auto-scaling of the ECS services.

- Workers (matcher, ledger, notifier) follow their inbox: target tracking keeps the *backlog
  per task* (visible messages ÷ running tasks) near a target, and a step policy adds tasks at
  once when the oldest message gets old. One FIFO message group is handled by one consumer at
  a time, so extra tasks help only when the backlog spans many groups (people, pools, sessions);
  a single hot group shows up as inbox age with a low backlog (see the runbook). The running
  tasks are Container Insights' count, so a worker that can scale needs it on; one whose
  `min` equals its `max` gets no policy.
- The gateway follows CPU and requests per target.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from services.wire import Service, Topology

BACKLOG_PER_TASK = 100  # messages a task works through in well under a minute
AGE_SCALE_OUT_S = 30
GATEWAY_CPU_PERCENT = 60.0
GATEWAY_REQUESTS_PER_TARGET = 1000.0  # per minute

TargetTracking = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgsDict
StepScaling = aws.appautoscaling.PolicyStepScalingPolicyConfigurationArgsDict
_tt = aws.appautoscaling
MetricQuery = (
    _tt.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgsDict
)


def attach(
    parent: pulumi.Resource,
    svc: Service,
    s: Settings,
    topo: Topology,
    cluster_name: pulumi.Output[str],
    service_name: pulumi.Output[str],
    alb_suffix: pulumi.Output[str],
    tg_suffix: pulumi.Output[str],
) -> None:
    opts = pulumi.ResourceOptions(parent=parent)
    target = aws.appautoscaling.Target(
        f"{svc}-scaling",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.all(cluster_name, service_name).apply(
            lambda v: f"service/{v[0]}/{v[1]}"
        ),
        min_capacity=s.scale[svc].min,
        max_capacity=s.scale[svc].max,
        opts=opts,
    )

    def policy(
        suffix: str,
        policy_type: str,
        target_tracking: TargetTracking | None = None,
        step: StepScaling | None = None,
    ) -> aws.appautoscaling.Policy:
        return aws.appautoscaling.Policy(
            f"{svc}-{suffix}",
            name=f"{s.prefix}-{svc}-{suffix}",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            policy_type=policy_type,
            target_tracking_scaling_policy_configuration=target_tracking,
            step_scaling_policy_configuration=step,
            opts=opts,
        )

    if svc == Service.GATEWAY:
        policy(
            "cpu",
            policy_type="TargetTrackingScaling",
            target_tracking={
                "target_value": GATEWAY_CPU_PERCENT,
                "predefined_metric_specification": {
                    "predefined_metric_type": "ECSServiceAverageCPUUtilization"
                },
            },
        )
        policy(
            "requests",
            policy_type="TargetTrackingScaling",
            target_tracking={
                "target_value": GATEWAY_REQUESTS_PER_TARGET,
                "predefined_metric_specification": {
                    "predefined_metric_type": "ALBRequestCountPerTarget",
                    "resource_label": pulumi.Output.all(alb_suffix, tg_suffix).apply(
                        lambda v: f"{v[0]}/{v[1]}"
                    ),
                },
            },
        )
        return

    inbox = next((q for q in topo.inboxes if q.owner == svc), None)
    if inbox is None or s.scale[svc].max == s.scale[svc].min:
        return  # nothing to scale
    backlog_metrics: list[MetricQuery] = [
        {
            "id": "visible",
            "return_data": False,
            "metric_stat": {
                "stat": "Sum",
                "metric": {
                    "namespace": "AWS/SQS",
                    "metric_name": "ApproximateNumberOfMessagesVisible",
                    "dimensions": [{"name": "QueueName", "value": inbox.name}],
                },
            },
        },
        {
            # Only Container Insights counts a service's tasks (AWS/ECS has no such metric):
            # config.check_container_insights keeps it on wherever this policy exists.
            "id": "tasks",
            "return_data": False,
            "metric_stat": {
                "stat": "Average",
                "metric": {
                    "namespace": "ECS/ContainerInsights",
                    "metric_name": "RunningTaskCount",
                    "dimensions": [
                        {"name": "ClusterName", "value": cluster_name},
                        {"name": "ServiceName", "value": service_name},
                    ],
                },
            },
        },
        {
            "id": "backlog",
            "expression": "IF(tasks > 0, visible / tasks, visible)",
            "return_data": True,
            "label": "messages per task",
        },
    ]
    policy(
        "backlog",
        policy_type="TargetTrackingScaling",
        target_tracking={
            "target_value": float(BACKLOG_PER_TASK),
            "scale_in_cooldown": 300,
            "scale_out_cooldown": 60,
            "customized_metric_specification": {"metrics": backlog_metrics},
        },
    )
    age_step = policy(
        "age",
        policy_type="StepScaling",
        step={
            "adjustment_type": "ChangeInCapacity",
            "cooldown": 120,
            "metric_aggregation_type": "Maximum",
            "step_adjustments": [
                {
                    "metric_interval_lower_bound": "0",
                    "metric_interval_upper_bound": "60",
                    "scaling_adjustment": 1,
                },
                {"metric_interval_lower_bound": "60", "scaling_adjustment": 2},
            ],
        },
    )
    aws.cloudwatch.MetricAlarm(
        f"{svc}-age-scale-out",
        name=f"{s.prefix}-{svc}-inbox-age-scale-out",
        alarm_description=(
            f"Scaling trigger (not paged): {inbox.name} has a message older than "
            f"{AGE_SCALE_OUT_S}s; adds {svc} tasks. Runbook: {s.runbook('worker-scaling')}"
        ),
        namespace="AWS/SQS",
        metric_name="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": inbox.name},
        statistic="Maximum",
        period=60,
        evaluation_periods=2,
        threshold=AGE_SCALE_OUT_S,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        alarm_actions=[age_step.arn],
        tags=s.tags(service=svc.value),
        opts=opts,
    )
