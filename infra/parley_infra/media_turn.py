"""TURN over TLS on 443 for networks that allow nothing else, on its own address and domain.

LiveKit tells browsers to reach its TURN/TLS at `turns:<turn.domain>:443` (the port is fixed)
and, with `external_tls`, listens for the decrypted stream on `turn.tls_port`. The media NLB's
443 is signalling already, so with `parley:livekit.turnDomain` set this adds a second NLB
whose own addresses take TLS on 443 (the regional certificate must cover the TURN domain) and
forward it to the nodes' TURN port.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from parley_infra import livekit as lk
from parley_infra.config import Settings
from parley_infra.ingress import TLS_POLICY
from parley_infra.network import Network


class TurnTls:
    """The TURN NLB, its listener and target group (attached to the nodes' group)."""

    def __init__(
        self,
        parent: pulumi.Resource,
        name: str,
        s: Settings,
        net: Network,
        nlb_sg: pulumi.Output[str],
        health: aws.lb.TargetGroupHealthCheckArgs,
    ) -> None:
        child = pulumi.ResourceOptions(parent=parent)
        self.nlb = aws.lb.LoadBalancer(
            f"{name}-turn",
            name=f"{s.prefix}-turn",
            load_balancer_type="network",
            internal=False,
            subnets=net.public_subnet_ids,
            security_groups=[nlb_sg],
            enable_cross_zone_load_balancing=True,
            enable_deletion_protection=s.deletion_protection,
            tags=s.tags(),
            opts=child,
        )
        self.target_group = aws.lb.TargetGroup(
            f"{name}-turn-443",
            name=f"{s.prefix}-lk-turn-443",
            port=lk.TURN_TLS_PORT,
            protocol="TCP",
            target_type="instance",
            vpc_id=net.vpc_id,
            deregistration_delay=s.livekit.drain_seconds,
            preserve_client_ip="false",  # the nodes admit TURN/TLS from the NLBs' group only
            connection_termination=False,
            health_check=health,
            tags=s.tags(),
            opts=child,
        )
        aws.lb.Listener(
            f"{name}-turn-443",
            load_balancer_arn=self.nlb.arn,
            port=443,
            protocol="TLS",
            certificate_arn=s.certificate_arn,
            ssl_policy=TLS_POLICY,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="forward", target_group_arn=self.target_group.arn
                )
            ],
            tags=s.tags(),
            opts=child,
        )
