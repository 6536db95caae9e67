"""The gateway's door for the SPA's API: an internal ALB that only CloudFront reaches.

The ALB sits in the private subnets and CloudFront reaches it through a VPC origin, so it has
no public address. Its security group admits HTTPS only from CloudFront: its origin-facing
addresses (AWS's managed prefix list) and the group CloudFront gives the VPC origin's network
interfaces in this VPC (`CloudFront-VPCOrigins-Service-SG`). `/ws-edge/*` and
`/@connections/*` are refused by the ALB itself: API Gateway reaches the gateway's edge
another way (edge_link.py), and no secret sits in any rule here.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from parley_infra.containers import HTTP_PORT
from parley_infra.network import Network
from parley_infra.targets import egress_to_tasks, gateway_target_group

# AWS's managed list of the addresses CloudFront uses towards origins (VPC origins included).
CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing"
# The group CloudFront creates in the VPC for a VPC origin's network interfaces (when the
# first VPC origin there is made): the origin's group must admit it too.
VPC_ORIGIN_SERVICE_GROUP = "CloudFront-VPCOrigins-Service-SG"
# Paths only API Gateway's private way, or the local stack, may use.
NOT_THROUGH_THE_ALB = ["/ws-edge/*", "/@connections/*"]
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


class Ingress(pulumi.ComponentResource):
    security_group_id: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    listener: aws.lb.Listener
    vpc_origin_id: pulumi.Output[str]

    def __init__(
        self, name: str, s: Settings, net: Network, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("parley:infra:Ingress", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cloudfront = aws.ec2.get_managed_prefix_list_output(name=CLOUDFRONT_ORIGIN_FACING)
        sg = aws.ec2.SecurityGroup(
            f"{name}-alb",
            name=f"{s.prefix}-alb",
            description="Parley internal ALB: HTTPS from CloudFront (VPC origin) only",
            vpc_id=net.vpc_id,
            # Inbound rules are resources of their own (below): one of them can exist only
            # after the VPC origin, which needs the ALB, which needs this group.
            egress=[egress_to_tasks(net, HTTP_PORT, "to the gateway tasks")],
            tags=s.tags(),
            opts=child,
        )
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            name=f"{s.prefix}-api-internal",  # a new name: it replaces the public one
            load_balancer_type="application",
            internal=True,
            security_groups=[sg.id],
            subnets=net.private_subnet_ids,
            drop_invalid_header_fields=True,
            idle_timeout=60,
            enable_deletion_protection=s.deletion_protection,
            tags=s.tags(),
            opts=child,
        )
        tg = gateway_target_group(
            f"{name}-gateway",
            s,
            net,
            group_name=f"{s.prefix}-gateway-alb",  # new: a target group serves one ALB
            port=HTTP_PORT,
            protocol="HTTP",
            opts=child,
        )
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=s.certificate_arn,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=tg.arn)
            ],
            tags=s.tags(),
            opts=child,
        )
        aws.lb.ListenerRule(
            f"{name}-edge-refused",
            listener_arn=https.arn,
            priority=10,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(
                        values=NOT_THROUGH_THE_ALB
                    )
                )
            ],
            actions=[
                aws.lb.ListenerRuleActionArgs(
                    type="fixed-response",
                    fixed_response=aws.lb.ListenerRuleActionFixedResponseArgs(
                        # The ALB serves only text/plain, text/css, text/html,
                        # application/javascript and application/json.
                        content_type="application/json",
                        status_code="403",
                        message_body='{"status": 403, "code": "forbidden", "title": "Forbidden"}',
                    ),
                )
            ],
            opts=child,
        )
        origin = aws.cloudfront.VpcOrigin(
            f"{name}-origin",
            vpc_origin_endpoint_config=aws.cloudfront.VpcOriginVpcOriginEndpointConfigArgs(
                name=f"{s.prefix}-api",
                arn=alb.arn,
                http_port=80,
                https_port=443,
                origin_protocol_policy="https-only",
                origin_ssl_protocols=aws.cloudfront.VpcOriginVpcOriginEndpointConfigOriginSslProtocolsArgs(
                    items=["TLSv1.2"], quantity=1
                ),
            ),
            tags=s.tags(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[https]),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-alb-cloudfront",
            security_group_id=sg.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            prefix_list_id=cloudfront.id,
            description="CloudFront origin-facing",
            tags=s.tags(),
            opts=child,
        )
        # Looked up once the origin exists (CloudFront makes the group with it); on a first
        # preview it is unknown.
        service_group = aws.ec2.get_security_group_output(
            name=VPC_ORIGIN_SERVICE_GROUP,
            vpc_id=net.vpc_id,
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[origin]),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-alb-vpc-origin",
            security_group_id=sg.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            referenced_security_group_id=service_group.id,
            description="CloudFront VPC origin network interfaces",
            tags=s.tags(),
            opts=child,
        )
        self.vpc_origin_id = origin.id
        self.security_group_id = sg.id
        self.target_group_arn = tg.arn
        self.arn_suffix = alb.arn_suffix
        self.target_group_arn_suffix = tg.arn_suffix
        self.dns_name = alb.dns_name
        self.zone_id = alb.zone_id
        self.listener = https
        self.register_outputs({"dnsName": alb.dns_name})
