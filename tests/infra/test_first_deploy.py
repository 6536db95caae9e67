"""What a first `pulumi up` depends on: the order the engine creates things in, replacements.

Mocks create everything at once and in any order; AWS refuses a service whose capacity
provider the cluster does not have yet, starts a task whose secret has no value yet, and
serves a WebSocket stage only what a deployment published. The harness records what each
resource waits for (its inputs' resources and `depends_on`, as the engine orders them).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.infra_harness import VPC_ORIGIN_SG, Built, Resource

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
INTEGRATION = "aws:apigatewayv2/integration:Integration"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_services_wait_for_the_clusters_capacity_providers_and_go_before_replacing(
    stack: str, infra_stack: Built, prod_stack: Built
) -> None:
    built = infra_stack if stack == "dev" else prod_stack
    providers = built.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    spot = built.config["parley:fargateSpot"] == "true"
    assert len(providers) == (1 if spot else 0)
    for service in built.of_type("aws:ecs/service:Service"):
        if spot:  # a FARGATE_SPOT strategy is refused until the cluster has that provider
            assert service.inputs["capacityProviderStrategies"][0]["capacityProvider"] == (
                "FARGATE_SPOT"
            )
            assert providers[0].urn in service.dependencies, service.name
        # Fixed names: turning Spot on or off replaces the service, and ECS refuses a second
        # service of the same name while the first exists.
        assert service.inputs["name"] in {"gateway", "matcher", "ledger", "notifier"}
        assert service.delete_before_replace, service.name


def _secret_versions(built: Built) -> dict[str, Resource]:
    """Secret ARN → the version that gives it its value."""
    arns = {s.id: s.outputs["arn"] for s in built.of_type(SECRET)}
    return {arns[v.inputs["secretId"]]: v for v in built.of_type(VERSION)}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_what_reads_a_secret_waits_for_its_value(
    stack: str, infra_stack: Built, prod_stack: Built
) -> None:
    built = infra_stack if stack == "dev" else prod_stack
    versions = _secret_versions(built)
    readers = 0
    for task in built.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        (container,) = json.loads(task.inputs["containerDefinitions"])
        for secret in container["secrets"]:
            arn = secret["valueFrom"].split(":", 7)
            version = versions[":".join(arn[:7])]
            assert version.urn in task.dependencies, (task.name, secret["name"])
            readers += 1
    (template,) = built.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    livekit = versions[built.arn("secretsmanager", f"{built.prefix}/livekit")]
    assert livekit.urn in template.dependencies  # the node reads it at boot
    assert readers >= 5


def _stage_and_deployment(built: Built) -> tuple[Resource, Resource]:
    (stage,) = built.of_type("aws:apigatewayv2/stage:Stage")
    (deployment,) = built.of_type("aws:apigatewayv2/deployment:Deployment")
    return stage, deployment


def test_the_websocket_stage_serves_an_explicit_deployment_of_every_route(
    infra_stack: Built,
) -> None:
    stage, deployment = _stage_and_deployment(infra_stack)
    assert not stage.inputs.get("autoDeploy")
    assert stage.inputs["deploymentId"] == deployment.id
    (api,) = infra_stack.of_type("aws:apigatewayv2/api:Api")
    assert deployment.inputs["apiId"] == api.id
    published = [
        r
        for r in infra_stack.resources
        if r.type
        in {
            "aws:apigatewayv2/route:Route",
            INTEGRATION,
            "aws:apigatewayv2/routeResponse:RouteResponse",
        }
    ]
    assert len(published) == 7  # three routes, their integrations, $default's response
    missing = [r.name for r in published if r.urn not in deployment.dependencies]
    assert not missing, f"deployed before these exist: {missing}"
    assert deployment.inputs["triggers"]["redeployment"]


def test_a_changed_integration_makes_a_new_deployment(
    infra_stack: Built, dev_variant: Built
) -> None:
    """The trigger follows what the routes send: a new gateway name changes every URI."""
    changed = dev_variant  # apiDomain api2.dev.parley.example.com (conftest.VARIANT)
    (before,) = infra_stack.of_type("aws:apigatewayv2/deployment:Deployment")
    (after,) = changed.of_type("aws:apigatewayv2/deployment:Deployment")
    assert after.inputs["triggers"] != before.inputs["triggers"]
    uris = {r.inputs["integrationUri"] for r in changed.of_type(INTEGRATION)}
    assert all(u.startswith("https://api2.dev.parley.example.com/") for u in uris)


def _rule_sources(built: Built, group: Resource) -> dict[str, Any]:
    rules = built.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    return {
        k: r
        for r in rules
        if r.inputs["securityGroupId"] == group.id
        for k in ("prefixListId", "referencedSecurityGroupId")
        if k in r.inputs
    }


def test_the_alb_admits_cloudfronts_vpc_origin_service_group(infra_stack: Built) -> None:
    alb_sg = infra_stack.one(
        "aws:ec2/securityGroup:SecurityGroup", name=f"{infra_stack.prefix}-alb"
    )
    sources = _rule_sources(infra_stack, alb_sg)
    rule = sources["referencedSecurityGroupId"]
    assert rule.inputs["referencedSecurityGroupId"] == VPC_ORIGIN_SG
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (443, 443)
    # The group is CloudFront's, found in this VPC once the VPC origin made it.
    (lookup,) = [
        i for i in infra_stack.invokes if i["token"] == "aws:ec2/getSecurityGroup:getSecurityGroup"
    ]
    (vpc,) = infra_stack.of_type("aws:ec2/vpc:Vpc")
    assert lookup["args"] == {"name": "CloudFront-VPCOrigins-Service-SG", "vpcId": vpc.id}
    (origin,) = infra_stack.of_type("aws:cloudfront/vpcOrigin:VpcOrigin")
    assert origin.urn in rule.dependencies
    assert "prefixListId" in sources  # the origin-facing list stays
