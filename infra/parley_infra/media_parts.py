"""Parts of the media component: LiveKit's Redis and the nodes' instance profile."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from parley_infra.iam import assume_role_policy
from parley_infra.network import Network

WORLD = ["0.0.0.0/0"]


def rule(
    proto: str,
    lo: int,
    hi: int,
    what: str,
    cidrs: list[str] | None = None,
    groups: list[pulumi.Input[str]] | None = None,
) -> aws.ec2.SecurityGroupIngressArgs:
    return aws.ec2.SecurityGroupIngressArgs(
        protocol=proto,
        from_port=lo,
        to_port=hi,
        cidr_blocks=cidrs,
        security_groups=groups,
        description=what,
    )


def redis_group_id(s: Settings) -> str:
    return f"{s.prefix}-livekit"


def redis(
    parent: pulumi.Resource, name: str, s: Settings, net: Network, node_sg: pulumi.Output[str]
) -> pulumi.Output[str]:
    """LiveKit's Redis (TLS, private subnets, 6379 from the nodes only); returns host:port."""
    child = pulumi.ResourceOptions(parent=parent)
    sg = aws.ec2.SecurityGroup(
        f"{name}-redis",
        name=f"{s.prefix}-livekit-redis",
        description="LiveKit Redis: 6379 from the LiveKit nodes only",
        vpc_id=net.vpc_id,
        ingress=[rule("tcp", 6379, 6379, "from LiveKit nodes", groups=[node_sg])],
        tags=s.tags(),
        opts=child,
    )
    subnets = aws.elasticache.SubnetGroup(
        f"{name}-redis",
        name=f"{s.prefix}-livekit",
        subnet_ids=net.private_subnet_ids,
        description="Parley LiveKit Redis",
        opts=child,
    )
    replicas = s.livekit.redis_replicas
    group = aws.elasticache.ReplicationGroup(
        f"{name}-redis",
        replication_group_id=redis_group_id(s),
        description="LiveKit multi-node routing",
        engine="redis",
        engine_version="7.1",
        node_type=s.livekit.redis_node_type,
        num_cache_clusters=1 + replicas,
        automatic_failover_enabled=replicas > 0,
        multi_az_enabled=replicas > 0,
        port=6379,
        subnet_group_name=subnets.name,
        security_group_ids=[sg.id],
        transit_encryption_enabled=True,
        at_rest_encryption_enabled=True,
        apply_immediately=True,
        tags=s.tags(),
        opts=child,
    )
    return group.primary_endpoint_address.apply(lambda host: f"{host}:6379")


def node_profile(
    parent: pulumi.Resource,
    name: str,
    s: Settings,
    asg_name: str,
    secret_arn: pulumi.Output[str],
    account_id: pulumi.Output[str],
) -> aws.iam.InstanceProfile:
    """The nodes' role: read LiveKit's keys, finish their own drain, SSM sessions."""
    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-node",
        name=f"{s.prefix}-livekit-node",
        description="LiveKit node: read its keys, finish its own drain, SSM sessions",
        assume_role_policy=assume_role_policy("ec2.amazonaws.com"),
        tags=s.tags(),
        opts=child,
    )
    aws.iam.RolePolicy(
        f"{name}-node",
        name="livekit-node",
        role=role.id,
        policy=pulumi.Output.all(secret_arn, account_id).apply(
            lambda v: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "ReadKeys",
                            "Effect": "Allow",
                            "Action": ["secretsmanager:GetSecretValue"],
                            "Resource": [v[0]],
                        },
                        {
                            "Sid": "FinishDrain",
                            "Effect": "Allow",
                            "Action": [
                                "autoscaling:CompleteLifecycleAction",
                                "autoscaling:RecordLifecycleActionHeartbeat",
                            ],
                            "Resource": [
                                f"arn:aws:autoscaling:{s.region}:{v[1]}:autoScalingGroup:*:"
                                f"autoScalingGroupName/{asg_name}"
                            ],
                        },
                        {
                            # Describe* has no resource-level permissions in IAM.
                            "Sid": "SeeOwnLifecycleState",
                            "Effect": "Allow",
                            "Action": ["autoscaling:DescribeAutoScalingInstances"],
                            "Resource": ["*"],
                        },
                    ],
                }
            )
        ),
        opts=child,
    )
    aws.iam.RolePolicyAttachment(
        f"{name}-node-ssm",
        role=role.name,
        policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        opts=child,
    )
    return aws.iam.InstanceProfile(
        f"{name}-node", name=f"{s.prefix}-livekit-node", role=role.name, opts=child
    )
