"""ECS: one Fargate service per Parley service from one image, configured and scaled."""

from __future__ import annotations

import json
from typing import Any

import pytest

from parley_infra.livekit import ami
from services.wire import Service, Topology
from tests.infra.infra_harness import TEST_SECRETS, Built

COMMON = {
    "PARLEY_NAME_PREFIX",
    "PARLEY_AWS_REGION",
    "PARLEY_AWS_ACCOUNT_ID",
    "PARLEY_LOG_LEVEL",
    "PARLEY_DAILY_POINTS",
    "PARLEY_SESSION_MINUTES",
    "PARLEY_INVITE_TIMEOUT_S",
    "PARLEY_DAY_TIMEZONE",
}
GATEWAY_ENV = {
    "PARLEY_HTTP_HOST",
    "PARLEY_HTTP_PORT",
    "PARLEY_AUTH_MODE",
    "PARLEY_COGNITO_USER_POOL_ID",
    "PARLEY_COGNITO_CLIENT_ID",
    "PARLEY_COGNITO_HOSTED_UI_DOMAIN",
    "PARLEY_PUBLIC_URL",
    "PARLEY_WEBSOCKET_URL",
    "PARLEY_MEDIA_MODE",
    "PARLEY_LIVEKIT_URL",
    "PARLEY_TURN_URLS",
    "PARLEY_CONNECTIONS_ENDPOINT_URL",
}
LIVEKIT_SECRETS = {"PARLEY_LIVEKIT_API_KEY", "PARLEY_LIVEKIT_API_SECRET"}


def _container(built: Built, svc: Service) -> dict[str, Any]:
    task = built.one("aws:ecs/taskDefinition:TaskDefinition", family=f"{built.prefix}-{svc}")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    return container


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["environment"]}


def test_one_fargate_service_per_parley_service_from_one_image(infra_stack: Built) -> None:
    services = {r.inputs["name"]: r.inputs for r in infra_stack.of_type("aws:ecs/service:Service")}
    assert set(services) == {s.value for s in Service}
    images = {_container(infra_stack, svc)["image"] for svc in Service}
    (repo,) = infra_stack.of_type("aws:ecr/repository:Repository")
    assert images == {f"{repo.outputs['repositoryUrl']}:{infra_stack.config['parley:imageTag']}"}
    for svc in Service:
        c = _container(infra_stack, svc)
        assert c["command"] == ["python", "-m", f"services.{svc}"]
        assert c["readonlyRootFilesystem"] is True
        # The dev stack runs on Fargate Spot (parley:fargateSpot), through the cluster's providers.
        assert services[svc.value]["capacityProviderStrategies"] == [
            {"capacityProvider": "FARGATE_SPOT", "weight": 1}
        ]
        assert "launchType" not in services[svc.value]
        assert services[svc.value]["networkConfiguration"]["assignPublicIp"] is False
        assert services[svc.value]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_each_service_gets_its_settings(infra_stack: Built) -> None:
    envs = {svc: _env(_container(infra_stack, svc)) for svc in Service}
    for svc, env in envs.items():
        assert set(env) >= COMMON, svc
        assert env["PARLEY_NAME_PREFIX"] == infra_stack.prefix
    gateway = envs[Service.GATEWAY]
    assert set(gateway) >= GATEWAY_ENV
    assert gateway["PARLEY_AUTH_MODE"] == "hosted"
    assert gateway["PARLEY_HTTP_PORT"] == "8080"
    assert gateway["PARLEY_MEDIA_MODE"] == "livekit"
    assert gateway["PARLEY_PUBLIC_URL"] == infra_stack.outputs["spaUrl"]
    assert gateway["PARLEY_WEBSOCKET_URL"] == infra_stack.outputs["websocketUrl"]
    assert gateway["PARLEY_LIVEKIT_URL"] == f"wss://{infra_stack.config['parley:livekitDomain']}"
    matcher = envs[Service.MATCHER]
    assert matcher["PARLEY_LIVEKIT_URL"] == f"https://{infra_stack.config['parley:livekitDomain']}"
    assert matcher["PARLEY_MEDIA_MODE"] == "livekit"
    # The notifier posts to sockets there; the gateway deletes a socket whose token expired.
    connections = "https://wsapi123.execute-api.eu-west-1.amazonaws.com/live"
    assert envs[Service.NOTIFIER]["PARLEY_CONNECTIONS_ENDPOINT_URL"] == connections
    assert gateway["PARLEY_CONNECTIONS_ENDPOINT_URL"] == connections


WAITING_ENV = ("PARLEY_WAITING_PARTITIONS", "PARLEY_WAITING_PARTITIONS_ALSO_READ")


def test_only_the_matcher_is_told_how_its_waiting_set_is_split(
    infra_stack: Built, dev_variant: Built
) -> None:
    # dev: 1 partition, no resize; the variant: resizing from 1 to 4 (conftest.VARIANT).
    for built, told in ((infra_stack, ("1", "0")), (dev_variant, ("4", "1"))):
        envs = {svc: _env(_container(built, svc)) for svc in Service}
        matcher = envs.pop(Service.MATCHER)
        assert tuple(matcher.get(k) for k in WAITING_ENV) == told
        for svc, env in envs.items():
            assert not set(WAITING_ENV) & set(env), svc


def test_secrets_reach_tasks_from_secrets_manager_only(infra_stack: Built) -> None:
    secrets = {
        svc: {s["name"]: s["valueFrom"] for s in _container(infra_stack, svc)["secrets"]}
        for svc in Service
    }
    # No edge secret (edge_link.py); the pseudonym key for erasure (test_pseudonym.py).
    assert set(secrets[Service.GATEWAY]) == LIVEKIT_SECRETS | {"PARLEY_PSEUDONYM_SECRET"}
    assert set(secrets[Service.MATCHER]) == LIVEKIT_SECRETS
    assert secrets[Service.LEDGER] == secrets[Service.NOTIFIER] == {}
    livekit = infra_stack.arn("secretsmanager", f"{infra_stack.prefix}/livekit")
    assert secrets[Service.MATCHER]["PARLEY_LIVEKIT_API_SECRET"] == f"{livekit}:apiSecret::"
    for svc in Service:
        text = json.dumps(_container(infra_stack, svc))
        assert not any(value in text for value in TEST_SECRETS.values()), svc


def test_execution_roles_read_only_their_own_secrets(infra_stack: Built) -> None:
    for svc in Service:
        policy = infra_stack.one(
            "aws:iam/rolePolicy:RolePolicy", role=f"{infra_stack.prefix}-{svc}-execution"
        )
        wanted = {
            v.removesuffix(":apiKey::").removesuffix(":apiSecret::")
            for v in (s["valueFrom"] for s in _container(infra_stack, svc)["secrets"])
        }
        readable = {
            arn
            for st in json.loads(policy.inputs["policy"])["Statement"]
            if "secretsmanager:GetSecretValue" in st["Action"]
            for arn in st["Resource"]
        }
        assert readable == wanted, svc


def test_every_service_logs_to_its_own_group_with_retention(infra_stack: Built) -> None:
    groups = {
        r.inputs["name"]: r.inputs for r in infra_stack.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    for svc in Service:
        options = _container(infra_stack, svc)["logConfiguration"]["options"]
        days = int(infra_stack.config["parley:logRetentionDays"])
        assert groups[options["awslogs-group"]]["retentionInDays"] == days


def test_gateway_sits_behind_an_https_alb_with_a_health_check(infra_stack: Built) -> None:
    tg = infra_stack.one("aws:lb/targetGroup:TargetGroup", name=f"{infra_stack.prefix}-gateway-alb")
    assert tg.inputs["healthCheck"]["path"] == "/healthz"
    assert tg.inputs["targetType"] == "ip"
    assert tg.inputs["port"] == 8080
    gateway = infra_stack.one("aws:ecs/service:Service", name="gateway")
    by_port = {lb["containerPort"]: lb["targetGroupArn"] for lb in gateway.inputs["loadBalancers"]}
    assert by_port[8080] == tg.outputs["arn"]  # 8081 is the edge's (test_edge.py)
    alb = infra_stack.one("aws:lb/loadBalancer:LoadBalancer", loadBalancerType="application")
    listeners = {
        r.inputs["port"]: r.inputs
        for r in infra_stack.of_type("aws:lb/listener:Listener")
        if r.inputs["loadBalancerArn"] == alb.outputs["arn"]
    }
    assert set(listeners) == {443}  # CloudFront speaks HTTPS only: no port 80 to redirect
    https = listeners[443]
    assert https["protocol"] == "HTTPS"
    assert https["certificateArn"] == infra_stack.config["parley:certificateArn"]
    assert https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert https["defaultActions"][0]["targetGroupArn"] == tg.outputs["arn"]


def test_workers_scale_on_inbox_depth_and_age(infra_stack: Built, topo: Topology) -> None:
    policies = {
        r.inputs["name"]: r for r in infra_stack.of_type("aws:appautoscaling/policy:Policy")
    }
    alarm = "aws:cloudwatch/metricAlarm:MetricAlarm"
    scale = json.loads(infra_stack.config["parley:services"])
    fixed = [q for q in topo.inboxes if scale[q.owner.value]["min"] == scale[q.owner.value]["max"]]
    assert fixed, "dev runs one matcher task, min == max"
    for q in fixed:  # nothing to scale: no policy
        assert not any(name.startswith(f"{infra_stack.prefix}-{q.owner}-") for name in policies)
    for q in [q for q in topo.inboxes if q not in fixed]:
        backlog = policies[f"{infra_stack.prefix}-{q.owner}-backlog"].inputs
        tracking = backlog["targetTrackingScalingPolicyConfiguration"]
        metrics = tracking["customizedMetricSpecification"]["metrics"]
        visible = next(m for m in metrics if m["id"] == "visible")["metricStat"]["metric"]
        assert visible["metricName"] == "ApproximateNumberOfMessagesVisible"
        assert visible["dimensions"] == [{"name": "QueueName", "value": q.name}]
        age = policies[f"{infra_stack.prefix}-{q.owner}-age"]
        assert age.inputs["policyType"] == "StepScaling"
        trigger = infra_stack.one(alarm, name=f"{infra_stack.prefix}-{q.owner}-inbox-age-scale-out")
        assert trigger.inputs["metricName"] == "ApproximateAgeOfOldestMessage"
        assert trigger.inputs["dimensions"] == {"QueueName": q.name}
        assert trigger.inputs["alarmActions"] == [age.outputs["arn"]]


def test_tasks_take_no_traffic_but_the_gateways_from_the_alb_and_the_edge_nlb(
    infra_stack: Built,
) -> None:
    groups = {
        r.inputs["name"]: r for r in infra_stack.of_type("aws:ec2/securityGroup:SecurityGroup")
    }
    alb_sg = groups[f"{infra_stack.prefix}-alb"].id
    nlb_sg = groups[f"{infra_stack.prefix}-edge-nlb"].id
    rules = {
        (r["fromPort"], r["toPort"], tuple(r["securityGroups"]))
        for r in groups[f"{infra_stack.prefix}-gateway"].inputs["ingress"]
    }
    assert rules == {(8080, 8080, (alb_sg,)), (8081, 8081, (nlb_sg,))}
    assert not groups[f"{infra_stack.prefix}-workers"].inputs.get("ingress")


def test_prod_runs_on_demand_with_container_insights(prod_stack: Built) -> None:
    for service in prod_stack.of_type("aws:ecs/service:Service"):
        assert service.inputs["launchType"] == "FARGATE"
        assert not service.inputs.get("capacityProviderStrategies")
    (cluster,) = prod_stack.of_type("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert not prod_stack.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")


def test_dev_cuts_cost_with_spot(infra_stack: Built) -> None:
    (providers,) = infra_stack.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert providers.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    for task in infra_stack.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        assert task.inputs["runtimePlatform"]["cpuArchitecture"] == "X86_64"


@pytest.mark.parametrize(
    ("instance_type", "arch"),
    [
        ("c6i.large", "x86_64"),
        ("c7g.large", "arm64"),
        ("c7gn.xlarge", "arm64"),
        ("t4g.small", "arm64"),
        ("g5.xlarge", "x86_64"),
        ("c5n.large", "x86_64"),
    ],
)
def test_livekit_nodes_boot_the_image_of_their_cpu(instance_type: str, arch: str) -> None:
    assert ami(instance_type).endswith(f"al2023-ami-kernel-default-{arch}")
