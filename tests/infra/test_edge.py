"""No shared secret at the edge: the gateway is reached only along private ways.

- CloudFront → an internal ALB through a VPC origin; the ALB admits HTTPS only from
  CloudFront (its origin-facing prefix list and the VPC origin's service group) and refuses
  the edge paths itself;
- API Gateway → a VPC link → an internal NLB that admits only the link's PrivateLink traffic
  → the gateway's edge port, which the tasks accept only from that NLB.
So no listener rule and no integration carries a secret, and no secret exists to rotate.
"""

from __future__ import annotations

import json
from typing import Any

from services.wire import Service
from tests.infra.infra_harness import CLOUDFRONT_PREFIX_LIST, VPC_ORIGIN_SG, Built

LB = "aws:lb/loadBalancer:LoadBalancer"
SG = "aws:ec2/securityGroup:SecurityGroup"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
SOURCES = {"prefixListId", "referencedSecurityGroupId", "cidrIpv4", "cidrIpv6"}


def _groups(built: Built) -> dict[str, Any]:
    return {r.inputs["name"]: r for r in built.of_type(SG)}


def _private_subnets(built: Built) -> list[str]:
    return sorted(r.id for r in built.of_type("aws:ec2/subnet:Subnet") if "private" in r.name)


def test_the_alb_is_internal_and_admits_only_cloudfront(infra_stack: Built) -> None:
    alb = infra_stack.one(LB, loadBalancerType="application")
    assert alb.inputs["internal"] is True
    assert sorted(alb.inputs["subnets"]) == _private_subnets(infra_stack)
    sg = _groups(infra_stack)[f"{infra_stack.prefix}-alb"]
    assert alb.inputs["securityGroups"] == [sg.id]
    assert not sg.inputs.get("ingress")  # its inbound rules are resources of their own
    rules = [
        r.inputs
        for r in infra_stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == sg.id
    ]
    assert {(r["ipProtocol"], r["fromPort"], r["toPort"]) for r in rules} == {("tcp", 443, 443)}
    sources = sorted(
        (k, v) for r in rules for k, v in r.items() if k in SOURCES
    )  # each rule admits one source, none of them an address range
    assert sources == [
        ("prefixListId", CLOUDFRONT_PREFIX_LIST),
        ("referencedSecurityGroupId", VPC_ORIGIN_SG),  # test_first_deploy.py
    ]


def test_cloudfront_reaches_the_alb_through_a_vpc_origin(infra_stack: Built) -> None:
    alb = infra_stack.one(LB, loadBalancerType="application")
    (origin,) = infra_stack.of_type("aws:cloudfront/vpcOrigin:VpcOrigin")
    config = origin.inputs["vpcOriginEndpointConfig"]
    assert config["arn"] == alb.outputs["arn"]
    assert config["originProtocolPolicy"] == "https-only"
    assert config["originSslProtocols"] == {"items": ["TLSv1.2"], "quantity": 1}
    (dist,) = infra_stack.of_type("aws:cloudfront/distribution:Distribution")
    (api,) = [o for o in dist.inputs["origins"] if o["originId"] == "api"]
    assert api["vpcOriginConfig"]["vpcOriginId"] == origin.id


def test_no_listener_rule_carries_a_secret_and_the_alb_refuses_the_edge_paths(
    infra_stack: Built,
) -> None:
    (rule,) = infra_stack.of_type("aws:lb/listenerRule:ListenerRule")
    assert all(set(c) == {"pathPattern"} for c in rule.inputs["conditions"])
    assert rule.inputs["conditions"][0]["pathPattern"]["values"] == [
        "/ws-edge/*",
        "/@connections/*",
    ]
    (action,) = rule.inputs["actions"]
    assert action["type"] == "fixed-response"
    assert action["fixedResponse"]["statusCode"] == "403"
    for listener in infra_stack.of_type("aws:lb/listener:Listener"):
        for a in listener.inputs["defaultActions"]:
            assert a["type"] == "forward", listener.name  # no condition on a header anywhere


def test_websocket_integrations_go_through_the_vpc_link_to_the_internal_nlb(
    infra_stack: Built,
) -> None:
    (link,) = infra_stack.of_type("aws:apigateway/vpcLink:VpcLink")
    nlb = infra_stack.one(LB, name=f"{infra_stack.prefix}-edge")
    assert link.inputs["targetArn"] == nlb.outputs["arn"]
    integrations = infra_stack.of_type(INTEGRATION)
    assert len(integrations) == 3
    for i in integrations:
        assert i.inputs["connectionType"] == "VPC_LINK"
        assert i.inputs["connectionId"] == link.id
        # The name on the NLB's certificate (TLS from API Gateway to the NLB).
        assert i.inputs["integrationUri"].startswith(
            f"https://{infra_stack.config['parley:apiDomain']}/ws-edge/"
        )


def test_the_edge_nlb_admits_only_the_vpc_links_traffic(infra_stack: Built) -> None:
    nlb = infra_stack.one(LB, name=f"{infra_stack.prefix}-edge")
    assert nlb.inputs["loadBalancerType"] == "network"
    assert nlb.inputs["internal"] is True
    assert sorted(nlb.inputs["subnets"]) == _private_subnets(infra_stack)
    sg = _groups(infra_stack)[f"{infra_stack.prefix}-edge-nlb"]
    assert nlb.inputs["securityGroups"] == [sg.id]
    assert not sg.inputs.get("ingress")  # nothing in the VPC may connect to it
    # ... but PrivateLink (the VPC link) traffic passes without a rule.
    assert nlb.inputs["enforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] == "off"
    assert [(e["fromPort"], e["toPort"]) for e in sg.inputs["egress"]] == [(8081, 8081)]
    (listener,) = [
        r.inputs
        for r in infra_stack.of_type("aws:lb/listener:Listener")
        if r.inputs["loadBalancerArn"] == nlb.outputs["arn"]
    ]
    assert (listener["protocol"], listener["port"]) == ("TLS", 443)
    assert listener["certificateArn"] == infra_stack.config["parley:certificateArn"]
    tg = infra_stack.one(
        "aws:lb/targetGroup:TargetGroup", name=f"{infra_stack.prefix}-gateway-edge"
    )
    assert listener["defaultActions"] == [{"type": "forward", "targetGroupArn": tg.outputs["arn"]}]
    assert (tg.inputs["protocol"], tg.inputs["port"], tg.inputs["targetType"]) == (
        "TCP",
        8081,
        "ip",
    )
    assert tg.inputs["healthCheck"]["path"] == "/healthz"


def test_the_gateway_answers_the_edge_on_its_edge_port_with_no_secret(infra_stack: Built) -> None:
    gateway = infra_stack.one("aws:ecs/service:Service", name="gateway")
    by_port = {lb["containerPort"]: lb["targetGroupArn"] for lb in gateway.inputs["loadBalancers"]}
    edge_tg = infra_stack.one(
        "aws:lb/targetGroup:TargetGroup", name=f"{infra_stack.prefix}-gateway-edge"
    )
    assert by_port[8081] == edge_tg.outputs["arn"]
    task = infra_stack.one(
        "aws:ecs/taskDefinition:TaskDefinition", family=f"{infra_stack.prefix}-{Service.GATEWAY}"
    )
    (container,) = json.loads(task.inputs["containerDefinitions"])
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["PARLEY_EDGE_PORT"] == "8081"
    assert {m["containerPort"] for m in container["portMappings"]} == {8080, 8081}
    assert "PARLEY_EDGE_SECRET" not in {s["name"] for s in container["secrets"]}
    names = {r.inputs["name"] for r in infra_stack.of_type("aws:secretsmanager/secret:Secret")}
    assert f"{infra_stack.prefix}/edge" not in names
    assert "parley:edgeSecret" not in infra_stack.config


def test_on_call_hears_when_the_edge_port_has_no_healthy_task(infra_stack: Built) -> None:
    nlb = infra_stack.one(LB, name=f"{infra_stack.prefix}-edge")
    tg = infra_stack.one(
        "aws:lb/targetGroup:TargetGroup", name=f"{infra_stack.prefix}-gateway-edge"
    )
    alarm = infra_stack.one(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        name=f"{infra_stack.prefix}-edge-no-healthy-targets",
    ).inputs
    assert (alarm["namespace"], alarm["metricName"]) == ("AWS/NetworkELB", "HealthyHostCount")
    assert alarm["dimensions"] == {
        "LoadBalancer": nlb.outputs["arnSuffix"],
        "TargetGroup": tg.outputs["arnSuffix"],
    }
    assert alarm["comparisonOperator"] == "LessThanThreshold"
    assert alarm["threshold"] == 1
