"""LiveKit + TURN: an Auto Scaling group of nodes behind an NLB, with Redis for routing.

- NLB (TLS terminated there with the regional certificate): 443 → 7880 signalling, nothing
  else. LiveKit advertises TURN/TLS only as `turns:<turn.domain>:443` and TURN/UDP only as
  `turn:<node IP>:3478`, so no other port on this NLB would ever be used. With
  `livekit.turnDomain`, a second NLB takes TURN/TLS on 443 of that name (`media_turn.py`);
  without it LiveKit has no TURN/TLS (it would advertise 443 of the signalling name).
- Media never crosses the NLB: each node has a public IP and takes UDP 50000-60000, ICE/TCP
  7881 and TURN/UDP 3478 straight from the internet. No SSH: nodes are reached with SSM
  Session Manager.
- Redis (ElastiCache, TLS, private subnets) lets any node route a participant to the node
  that hosts the room.
- Scale-in drains rooms (see `infra/livekit.py`): a terminate lifecycle hook and an NLB
  deregistration delay of `livekit.drainSeconds`.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from parley_infra import livekit as lk
from parley_infra import media_parts as parts
from parley_infra.config import Settings
from parley_infra.ingress import TLS_POLICY
from parley_infra.media_parts import WORLD, rule
from parley_infra.media_turn import TurnTls
from parley_infra.network import Network


class Media(pulumi.ComponentResource):
    asg_name: pulumi.Output[str]
    nlb_arn_suffix: pulumi.Output[str]
    nlb_dns_name: pulumi.Output[str]
    nlb_zone_id: pulumi.Output[str]
    target_group_suffixes: dict[str, pulumi.Output[str]]
    target_group_lbs: dict[str, pulumi.Output[str]]  # key → its NLB's ARN suffix
    turn_nlb_dns_name: pulumi.Output[str] | None
    turn_nlb_zone_id: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        s: Settings,
        net: Network,
        livekit_secret_arn: pulumi.Output[str],
        account_id: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("parley:infra:Media", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        asg_name = f"{s.prefix}-livekit"

        nlb_sg = aws.ec2.SecurityGroup(
            f"{name}-nlb",
            name=f"{s.prefix}-livekit-nlb",
            description="LiveKit NLBs: TLS on 443 from anywhere",
            vpc_id=net.vpc_id,
            # 443 only: signalling here, TURN/TLS on the TURN NLB (which shares this group).
            ingress=[rule("tcp", 443, 443, "LiveKit signalling or TURN (TLS)", WORLD)],
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol=proto,
                    from_port=p,
                    to_port=p,
                    cidr_blocks=[net.vpc_cidr],
                    description="to the LiveKit nodes",
                )
                for proto, p in (
                    ("tcp", lk.SIGNAL_PORT),
                    *([("tcp", lk.TURN_TLS_PORT)] if s.livekit.turn_domain else []),
                )
            ],
            tags=s.tags(),
            opts=child,
        )
        node_sg = aws.ec2.SecurityGroup(
            f"{name}-nodes",
            name=f"{s.prefix}-livekit-nodes",
            description="LiveKit nodes: media straight from the internet, the rest via the NLB",
            vpc_id=net.vpc_id,
            ingress=[
                rule("udp", *lk.RTC_UDP_PORTS, "WebRTC media (UDP)", WORLD),
                rule("tcp", lk.RTC_TCP_PORT, lk.RTC_TCP_PORT, "WebRTC ICE/TCP", WORLD),
                # LiveKit advertises TURN/UDP as turn:<this node's public IP>:3478.
                rule("udp", lk.TURN_UDP_PORT, lk.TURN_UDP_PORT, "TURN/UDP", WORLD),
                rule(
                    "tcp",
                    lk.SIGNAL_PORT,
                    lk.SIGNAL_PORT,
                    "signalling from the NLB",
                    groups=[nlb_sg.id],
                ),
                *(
                    [
                        rule(
                            "tcp",
                            lk.TURN_TLS_PORT,
                            lk.TURN_TLS_PORT,
                            "TURN/TLS from the TURN NLB",
                            groups=[nlb_sg.id],
                        )
                    ]
                    if s.livekit.turn_domain
                    else []
                ),
            ],
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="-1",
                    from_port=0,
                    to_port=0,
                    cidr_blocks=WORLD,
                    description="media to browsers, STUN, Redis, AWS APIs, the webhook",
                )
            ],
            tags=s.tags(),
            opts=child,
        )

        redis_address = parts.redis(self, name, s, net, node_sg.id)

        nlb = aws.lb.LoadBalancer(
            f"{name}-nlb",
            name=f"{s.prefix}-livekit",
            load_balancer_type="network",
            internal=False,
            subnets=net.public_subnet_ids,
            security_groups=[nlb_sg.id],
            enable_cross_zone_load_balancing=True,
            enable_deletion_protection=s.deletion_protection,
            tags=s.tags(),
            opts=child,
        )
        health = aws.lb.TargetGroupHealthCheckArgs(
            protocol="HTTP",
            port=str(lk.SIGNAL_PORT),
            path="/",
            interval=10,
            healthy_threshold=2,
            unhealthy_threshold=2,
        )
        listeners = {
            # name: (listener port, protocol, target port, target protocol)
            "signal": (443, "TLS", lk.SIGNAL_PORT, "TCP"),
        }
        target_groups: list[aws.lb.TargetGroup] = []
        self.target_group_suffixes = {}
        self.target_group_lbs = {}
        for key, (port, proto, target_port, target_proto) in listeners.items():
            tg = aws.lb.TargetGroup(
                f"{name}-{key}",
                name=f"{s.prefix}-lk-{key}",
                port=target_port,
                protocol=target_proto,
                target_type="instance",
                vpc_id=net.vpc_id,
                deregistration_delay=s.livekit.drain_seconds,
                # TCP from the NLB's own addresses, so the nodes admit only the NLB's group.
                preserve_client_ip="false",
                connection_termination=False,
                health_check=health,
                tags=s.tags(),
                opts=child,
            )
            aws.lb.Listener(
                f"{name}-{key}",
                load_balancer_arn=nlb.arn,
                port=port,
                protocol=proto,
                certificate_arn=s.certificate_arn if proto == "TLS" else None,
                ssl_policy=TLS_POLICY if proto == "TLS" else None,
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=tg.arn)
                ],
                tags=s.tags(),
                opts=child,
            )
            target_groups.append(tg)
            self.target_group_suffixes[key] = tg.arn_suffix
            self.target_group_lbs[key] = nlb.arn_suffix
        self.turn_nlb_dns_name = self.turn_nlb_zone_id = None
        if s.livekit.turn_domain:
            turn = TurnTls(self, name, s, net, nlb_sg.id, health)
            target_groups.append(turn.target_group)
            self.target_group_suffixes["turn-443"] = turn.target_group.arn_suffix
            self.target_group_lbs["turn-443"] = turn.nlb.arn_suffix
            self.turn_nlb_dns_name, self.turn_nlb_zone_id = turn.nlb.dns_name, turn.nlb.zone_id

        profile = parts.node_profile(self, name, s, asg_name, livekit_secret_arn, account_id)
        user_data = pulumi.Output.all(livekit_secret_arn, redis_address).apply(
            lambda v: lk.user_data_base64(
                lk.NodeConfig(
                    region=s.region,
                    domain=s.livekit_domain,
                    secret_arn=v[0],
                    redis_address=v[1],
                    # Through CloudFront: the gateway's ALB is internal and admits only CloudFront.
                    webhook_url=f"{s.public_url}/webhooks/livekit",
                    version=s.livekit.version,
                    asg_name=asg_name,
                    drain_seconds=s.livekit.drain_seconds,
                    turn_domain=s.livekit.turn_domain,
                )
            )
        )
        template = aws.ec2.LaunchTemplate(
            f"{name}-node",
            name=f"{s.prefix}-livekit",
            image_id=lk.ami(s.livekit.instance_type),
            instance_type=s.livekit.instance_type,
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
            network_interfaces=[
                aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                    associate_public_ip_address="true",  # media goes straight to the node
                    security_groups=[node_sg.id],
                    delete_on_termination="true",
                )
            ],
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=20, volume_type="gp3", encrypted="true"
                    ),
                )
            ],
            monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=True),
            user_data=user_data,
            update_default_version=True,
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(
                    resource_type="instance", tags=s.tags(Name=asg_name)
                )
            ],
            tags=s.tags(),
            opts=child,
        )
        asg = aws.autoscaling.Group(
            f"{name}-nodes",
            name=asg_name,
            min_size=s.livekit.min_nodes,
            max_size=s.livekit.max_nodes,
            vpc_zone_identifiers=net.public_subnet_ids,
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            target_group_arns=[tg.arn for tg in target_groups],
            health_check_type="ELB",
            health_check_grace_period=300,
            default_instance_warmup=120,
            enabled_metrics=[
                aws.autoscaling.Metric.GROUP_IN_SERVICE_INSTANCES,
                aws.autoscaling.Metric.GROUP_DESIRED_CAPACITY,
                aws.autoscaling.Metric.GROUP_TERMINATING_INSTANCES,
            ],
            initial_lifecycle_hooks=[
                aws.autoscaling.GroupInitialLifecycleHookArgs(
                    name=lk.HOOK_NAME,
                    lifecycle_transition="autoscaling:EC2_INSTANCE_TERMINATING",
                    heartbeat_timeout=lk.HOOK_TIMEOUT_S,
                    default_result="CONTINUE",
                )
            ],
            instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(
                strategy="Rolling",
                preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(
                    min_healthy_percentage=100, max_healthy_percentage=200
                ),
            ),
            tags=[
                aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=True)
                for k, v in s.tags().items()
            ],
            opts=child,
        )
        aws.autoscaling.Policy(
            f"{name}-cpu",
            name=f"{s.prefix}-livekit-cpu",
            autoscaling_group_name=asg.name,
            policy_type="TargetTrackingScaling",
            estimated_instance_warmup=120,
            target_tracking_configuration=aws.autoscaling.PolicyTargetTrackingConfigurationArgs(
                target_value=50.0,
                predefined_metric_specification=aws.autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ASGAverageCPUUtilization"
                ),
            ),
            opts=child,
        )
        self.asg_name = asg.name
        self.nlb_arn_suffix = nlb.arn_suffix
        self.nlb_dns_name = nlb.dns_name
        self.nlb_zone_id = nlb.zone_id
        self.register_outputs({"nlbDnsName": nlb.dns_name})
