"""The gateway's public door: an internet-facing ALB, HTTPS only, health-checked on /healthz.

Port 80 only redirects to 443. `/ws-edge/*` (API Gateway's WebSocket proxy) is answered only
when the request carries the edge secret; without it the ALB itself says 403, so the gateway
never sees forged connection events (it checks the header too).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from parley_infra.containers import HEALTH_PATH, HTTP_PORT
from parley_infra.network import Network
from parley_infra.realtime import EDGE_HEADER

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


class Ingress(pulumi.ComponentResource):
    security_group_id: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    listener: aws.lb.Listener

    def __init__(
        self, name: str, s: Settings, net: Network, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("parley:infra:Ingress", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        sg = aws.ec2.SecurityGroup(
            f"{name}-alb",
            name=f"{s.prefix}-alb",
            description="Parley ALB: HTTPS from anywhere (80 redirects)",
            vpc_id=net.vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=p,
                    to_port=p,
                    cidr_blocks=["0.0.0.0/0"],
                    description=d,
                )
                for p, d in ((443, "HTTPS"), (80, "redirect to HTTPS"))
            ],
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="tcp",
                    from_port=HTTP_PORT,
                    to_port=HTTP_PORT,
                    cidr_blocks=[net.vpc_cidr],
                    description="to the gateway tasks",
                )
            ],
            tags=s.tags(),
            opts=child,
        )
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            name=f"{s.prefix}-api",
            load_balancer_type="application",
            internal=False,
            security_groups=[sg.id],
            subnets=net.public_subnet_ids,
            drop_invalid_header_fields=True,
            idle_timeout=60,
            enable_deletion_protection=s.deletion_protection,
            tags=s.tags(),
            opts=child,
        )
        tg = aws.lb.TargetGroup(
            f"{name}-gateway",
            name=f"{s.prefix}-gateway",
            port=HTTP_PORT,
            protocol="HTTP",
            target_type="ip",
            vpc_id=net.vpc_id,
            deregistration_delay=30,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                path=HEALTH_PATH,
                port=str(HTTP_PORT),
                protocol="HTTP",
                matcher="200",
                interval=15,
                timeout=5,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
            tags=s.tags(),
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
        aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"
                    ),
                )
            ],
            tags=s.tags(),
            opts=child,
        )
        ws_edge = aws.lb.ListenerRuleConditionArgs(
            path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=["/ws-edge/*"])
        )
        aws.lb.ListenerRule(
            f"{name}-ws-edge",
            listener_arn=https.arn,
            priority=10,
            conditions=[
                ws_edge,
                aws.lb.ListenerRuleConditionArgs(
                    http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
                        http_header_name=EDGE_HEADER, values=[s.edge_secret]
                    )
                ),
            ],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=tg.arn)],
            opts=child,
        )
        aws.lb.ListenerRule(
            f"{name}-ws-edge-forged",
            listener_arn=https.arn,
            priority=20,
            conditions=[ws_edge],
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
        self.security_group_id = sg.id
        self.target_group_arn = tg.arn
        self.arn_suffix = alb.arn_suffix
        self.target_group_arn_suffix = tg.arn_suffix
        self.dns_name = alb.dns_name
        self.zone_id = alb.zone_id
        self.listener = https
        self.register_outputs({"dnsName": alb.dns_name})
