"""The gateway's tasks as a load balancer target: one shape for the ALB and the edge NLB."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from parley_infra.containers import HEALTH_PATH
from parley_infra.network import Network


def egress_to_tasks(net: Network, port: int, description: str) -> aws.ec2.SecurityGroupEgressArgs:
    """A load balancer's only way out: TCP to the gateway tasks' `port` inside the VPC."""
    return aws.ec2.SecurityGroupEgressArgs(
        protocol="tcp",
        from_port=port,
        to_port=port,
        cidr_blocks=[net.vpc_cidr],
        description=description,
    )


def gateway_target_group(
    name: str,
    s: Settings,
    net: Network,
    *,
    group_name: str,
    port: int,
    protocol: str,
    opts: pulumi.ResourceOptions,
) -> aws.lb.TargetGroup:
    """Tasks registered by IP on `port`, healthy when `HEALTH_PATH` answers 200 over HTTP."""
    return aws.lb.TargetGroup(
        name,
        name=group_name,
        port=port,
        protocol=protocol,
        target_type="ip",
        vpc_id=net.vpc_id,
        deregistration_delay=30,
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            path=HEALTH_PATH,
            port=str(port),
            protocol="HTTP",
            matcher="200",
            interval=15,
            timeout=5,
            healthy_threshold=2,
            unhealthy_threshold=3,
        ),
        tags=s.tags(),
        opts=opts,
    )
