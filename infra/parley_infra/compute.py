"""The ECS Fargate cluster and one service per Parley service, all from the one image.

Tasks run in the private subnets with no public IP; only the gateway takes traffic (from the
ALB, on 8080), the others take none. Each service has its own log group, its own execution
role (pull the image, write its logs, read only its own secrets) and the task role `Iam` built
from the wire. Deployments roll back on their own when new tasks do not become healthy.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from parley_infra import containers, scaling
from parley_infra.config import Settings
from parley_infra.containers import EDGE_PORT, HTTP_PORT, Endpoints
from parley_infra.edge_link import EdgeLink
from parley_infra.iam import assume_role_policy
from parley_infra.ingress import Ingress
from parley_infra.network import Network
from parley_infra.registry import Registry
from parley_infra.secrets import Secrets
from services.wire import Service, Topology


class Compute(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    service_names: dict[Service, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        s: Settings,
        topo: Topology,
        net: Network,
        ingress: Ingress,
        edge: EdgeLink,
        registry: Registry,
        secrets: Secrets,
        task_roles: dict[Service, pulumi.Output[str]],
        endpoints: Endpoints,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("parley:infra:Compute", name, None, opts)
        self._s = s
        child = pulumi.ResourceOptions(parent=self)
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=s.prefix,
            settings=[
                aws.ecs.ClusterSettingArgs(
                    name="containerInsights",
                    value="enabled" if s.container_insights else "disabled",
                )
            ],
            tags=s.tags(),
            opts=child,
        )
        # A service whose strategy names FARGATE_SPOT is refused until the cluster has that
        # provider: on a first `up` the services wait for the association.
        capacity: list[pulumi.Resource] = []
        if s.fargate_spot:
            capacity.append(
                aws.ecs.ClusterCapacityProviders(
                    f"{name}-capacity",
                    cluster_name=cluster.name,
                    capacity_providers=["FARGATE", "FARGATE_SPOT"],
                    opts=child,
                )
            )
        egress = [
            aws.ec2.SecurityGroupEgressArgs(
                protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_blocks=["0.0.0.0/0"],
                description="AWS APIs, Cognito keys, LiveKit (HTTPS only)",
            )
        ]
        gateway_sg = aws.ec2.SecurityGroup(
            f"{name}-gateway",
            name=f"{s.prefix}-gateway",
            description="Parley gateway tasks: 8080 from the ALB, 8081 from the edge NLB only",
            vpc_id=net.vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=HTTP_PORT,
                    to_port=HTTP_PORT,
                    security_groups=[ingress.security_group_id],
                    description="from the ALB",
                ),
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=EDGE_PORT,
                    to_port=EDGE_PORT,
                    security_groups=[edge.security_group_id],
                    description="from the edge NLB (API Gateway VPC link)",
                ),
            ],
            egress=egress,
            tags=s.tags(),
            opts=child,
        )
        worker_sg = aws.ec2.SecurityGroup(
            f"{name}-workers",
            name=f"{s.prefix}-workers",
            description="Parley matcher, ledger, notifier: no inbound traffic",
            vpc_id=net.vpc_id,
            egress=egress,
            tags=s.tags(),
            opts=child,
        )

        self.cluster_name = cluster.name
        self.service_names = {}
        for svc in Service:
            log_group = aws.cloudwatch.LogGroup(
                f"{svc}-logs",
                name=s.log_group(svc.value),
                retention_in_days=s.log_retention_days,
                tags=s.tags(service=svc.value),
                opts=child,
            )
            execution_role = self._execution_role(svc, registry, secrets, log_group)
            task_def = aws.ecs.TaskDefinition(
                f"{svc}-task",
                family=f"{s.prefix}-{svc}",
                requires_compatibilities=["FARGATE"],
                network_mode="awsvpc",
                cpu=str(s.scale[svc].cpu),
                memory=str(s.scale[svc].memory),
                runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                    operating_system_family="LINUX", cpu_architecture=s.cpu_architecture
                ),
                execution_role_arn=execution_role.arn,
                task_role_arn=task_roles[svc],
                volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="tmp")],
                container_definitions=self._containers(svc, registry, secrets, endpoints),
                tags=s.tags(service=svc.value),
                opts=child,
            )
            is_gateway = svc == Service.GATEWAY
            service = aws.ecs.Service(
                f"{svc}-service",
                name=svc.value,
                cluster=cluster.arn,
                task_definition=task_def.arn,
                desired_count=s.scale[svc].min,
                # Spot: interruptible (two minutes' notice), about 70% cheaper; dev only.
                launch_type=None if s.fargate_spot else "FARGATE",
                capacity_provider_strategies=(
                    [
                        aws.ecs.ServiceCapacityProviderStrategyArgs(
                            capacity_provider="FARGATE_SPOT", weight=1
                        )
                    ]
                    if s.fargate_spot
                    else None
                ),
                network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                    subnets=net.private_subnet_ids,
                    security_groups=[gateway_sg.id if is_gateway else worker_sg.id],
                    assign_public_ip=False,
                ),
                load_balancers=(
                    [
                        aws.ecs.ServiceLoadBalancerArgs(
                            target_group_arn=tg, container_name=svc.value, container_port=port
                        )
                        for tg, port in (
                            (ingress.target_group_arn, HTTP_PORT),
                            (edge.target_group_arn, EDGE_PORT),
                        )
                    ]
                    if is_gateway
                    else None
                ),
                health_check_grace_period_seconds=30 if is_gateway else None,
                deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                    enable=True, rollback=True
                ),
                deployment_minimum_healthy_percent=100,
                deployment_maximum_percent=200,
                propagate_tags="SERVICE",
                enable_ecs_managed_tags=True,
                tags=s.tags(service=svc.value),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[
                        *capacity,
                        *([ingress.listener, edge.listener] if is_gateway else []),
                    ],
                    ignore_changes=["desiredCount"],  # auto-scaling owns it after creation
                    # The name is fixed and switching `fargateSpot` (launch type ↔ capacity
                    # provider strategy) replaces the service: ECS refuses a second service of
                    # the same name, so the old one goes first.
                    delete_before_replace=True,
                ),
            )
            self.service_names[svc] = service.name
            scaling.attach(
                self,
                svc,
                s,
                topo,
                cluster.name,
                service.name,
                ingress.arn_suffix,
                ingress.target_group_arn_suffix,
            )
        self.register_outputs({"cluster": cluster.name})

    def _containers(
        self, svc: Service, registry: Registry, secrets: Secrets, endpoints: Endpoints
    ) -> pulumi.Output[str]:
        s = self._s
        env = containers.environment(svc, s, endpoints)
        sec = containers.secrets(svc, secrets)
        env_names, sec_names = sorted(env), sorted(sec)

        def render(values: list[str]) -> str:
            image, *rest = values
            env_values, sec_values = rest[: len(env_names)], rest[len(env_names) :]
            container: dict[str, object] = {
                "name": svc.value,
                "image": f"{image}:{s.image_tag}",
                "command": containers.command(svc),
                "essential": True,
                "readonlyRootFilesystem": True,
                "user": "10001:10001",  # the image's non-root user
                "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp"}],
                "environment": [
                    {"name": k, "value": v} for k, v in zip(env_names, env_values, strict=True)
                ],
                "secrets": [
                    {"name": k, "valueFrom": v} for k, v in zip(sec_names, sec_values, strict=True)
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": s.log_group(svc.value),
                        "awslogs-region": s.region,
                        "awslogs-stream-prefix": svc.value,
                        "mode": "non-blocking",
                        "max-buffer-size": "4m",
                    },
                },
                "stopTimeout": 30,
            }
            if svc == Service.GATEWAY:
                container["portMappings"] = [
                    {"containerPort": port, "protocol": "tcp"} for port in (HTTP_PORT, EDGE_PORT)
                ]
            return json.dumps([container])

        return pulumi.Output.all(
            registry.repository_url, *[env[k] for k in env_names], *[sec[k] for k in sec_names]
        ).apply(render)

    def _execution_role(
        self,
        svc: Service,
        registry: Registry,
        secrets: Secrets,
        log_group: aws.cloudwatch.LogGroup,
    ) -> aws.iam.Role:
        s = self._s
        role = aws.iam.Role(
            f"{svc}-execution",
            name=f"{s.prefix}-{svc}-execution",
            description=f"ECS starts Parley {svc}: pull the image, write logs, read its secrets",
            assume_role_policy=assume_role_policy("ecs-tasks.amazonaws.com"),
            tags=s.tags(service=svc.value),
            opts=pulumi.ResourceOptions(parent=self),
        )
        secret_arns = containers.secret_arns(svc, secrets)

        def render(values: list[str]) -> str:
            repo, logs, *secret_values = values
            statements: list[dict[str, object]] = [
                # GetAuthorizationToken has no resource-level permissions: "*" is the only form.
                {
                    "Sid": "EcrLogin",
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken"],
                    "Resource": "*",
                },
                {
                    "Sid": "PullImage",
                    "Effect": "Allow",
                    "Action": [
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchCheckLayerAvailability",
                    ],
                    "Resource": [repo],
                },
                {
                    "Sid": "WriteLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [f"{logs}:log-stream:*"],
                },
            ]
            if secret_values:
                statements.append(
                    {
                        "Sid": "ReadOwnSecrets",
                        "Effect": "Allow",
                        "Action": ["secretsmanager:GetSecretValue"],
                        "Resource": sorted(secret_values),
                    }
                )
            return json.dumps({"Version": "2012-10-17", "Statement": statements})

        aws.iam.RolePolicy(
            f"{svc}-execution",
            name="start-task",
            role=role.id,
            policy=pulumi.Output.all(registry.repository_arn, log_group.arn, *secret_arns).apply(
                render
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role
