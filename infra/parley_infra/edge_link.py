"""API Gateway's private way to the gateway: a VPC link to an internal NLB, on its own port.

API Gateway's WebSocket integrations can add only static, context or stage values to a
request, so any shared secret they sent would sit in clear in the integration's
configuration. Instead the way itself is the proof: `/ws-edge/*` is answered only on the
gateway's edge port (`EDGE_PORT`), the tasks accept that port only from this NLB's security
group, and the NLB admits nothing but the VPC link's PrivateLink traffic (no inbound rule;
PrivateLink traffic is not subject to its rules). The NLB terminates TLS with the regional
certificate for `apiDomain`, the name in the integrations' URIs.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from parley_infra.containers import EDGE_PORT
from parley_infra.network import Network
from parley_infra.targets import egress_to_tasks, gateway_target_group

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


class EdgeLink(pulumi.ComponentResource):
    security_group_id: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    vpc_link_id: pulumi.Output[str]
    nlb_arn_suffix: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    listener: aws.lb.Listener

    def __init__(
        self, name: str, s: Settings, net: Network, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("parley:infra:EdgeLink", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        sg = aws.ec2.SecurityGroup(
            f"{name}-nlb",
            name=f"{s.prefix}-edge-nlb",
            description="Parley edge NLB: only the API Gateway VPC link (PrivateLink), no rules in",
            vpc_id=net.vpc_id,
            egress=[egress_to_tasks(net, EDGE_PORT, "to the gateway tasks edge port")],
            tags=s.tags(),
            opts=child,
        )
        nlb = aws.lb.LoadBalancer(
            f"{name}-nlb",
            name=f"{s.prefix}-edge",
            load_balancer_type="network",
            internal=True,
            subnets=net.private_subnet_ids,
            security_groups=[sg.id],
            # The VPC link is PrivateLink: its traffic passes without an inbound rule, and the
            # group has none, so nothing else in the VPC reaches this NLB.
            enforce_security_group_inbound_rules_on_private_link_traffic="off",
            enable_cross_zone_load_balancing=True,
            enable_deletion_protection=s.deletion_protection,
            tags=s.tags(),
            opts=child,
        )
        tg = gateway_target_group(
            f"{name}-gateway",
            s,
            net,
            group_name=f"{s.prefix}-gateway-edge",
            port=EDGE_PORT,
            protocol="TCP",
            opts=child,
        )
        self.listener = aws.lb.Listener(
            f"{name}-tls",
            load_balancer_arn=nlb.arn,
            port=443,
            protocol="TLS",
            ssl_policy=TLS_POLICY,
            certificate_arn=s.certificate_arn,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=tg.arn)
            ],
            tags=s.tags(),
            opts=child,
        )
        # WebSocket APIs take the REST API's kind of VPC link (to an NLB), not an HTTP API's.
        link = aws.apigateway.VpcLink(
            f"{name}-link",
            name=f"{s.prefix}-edge",
            description="Parley WebSocket API to the gateway's edge port",
            target_arn=nlb.arn,
            tags=s.tags(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.listener]),
        )
        self.security_group_id = sg.id
        self.target_group_arn = tg.arn
        self.vpc_link_id = link.id
        self.nlb_arn_suffix = nlb.arn_suffix
        self.target_group_arn_suffix = tg.arn_suffix
        self.register_outputs({"vpcLink": link.id})
