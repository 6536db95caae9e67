"""What AWS refuses at create time, refused here: every registered resource's constrained inputs.

Two sources: AWS's published CloudFormation resource schemas as cfn-lint ships them
(`cfn_schemas.py`: name lengths, character sets, enums, numeric ranges of every mapped
input), and a short list for what no schema states (`aws_limits.py`: ALB fixed-response
content types, security-group description characters, ELB name lengths, SQS/SNS names,
Fargate sizes, tags, WebSocket route parameters...). Mocks accept all of these; AWS refuses.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from tests.infra.aws_limits import Limits, websocket_mappings
from tests.infra.cfn_schemas import Walk
from tests.infra.infra_harness import Built, Resource


def violations(built: Built) -> tuple[list[str], Walk, Limits]:
    walk, limits = Walk(built.region), Limits()
    for r in built.resources:
        walk.resource(r.type, r.name, r.inputs)
        limits.resource(r.type, r.name, r.inputs)
    found = walk.violations + limits.violations
    for what, ok, _ in websocket_mappings(built.resources):
        limits.checked += 1
        if not ok:
            found.append(f"aws:apigatewayv2/integration:Integration {what}")
    return found, walk, limits


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_constrained_input_is_one_aws_accepts(
    stack: str, infra_stack: Built, prod_stack: Built
) -> None:
    found, walk, limits = violations(infra_stack if stack == "dev" else prod_stack)
    assert not found, "\n".join(found)
    # The walk really reached the inputs AWS is strict about.
    assert walk.checked > 1500, walk.checked
    assert limits.checked > 300, limits.checked
    for cfn, prop, kw in [
        ("AWS::EC2::SecurityGroup", "GroupDescription", "pattern"),
        ("AWS::IAM::Role", "RoleName", "maxLength"),
        ("AWS::Logs::LogGroup", "RetentionInDays", "enum"),
        ("AWS::DynamoDB::Table", "GlobalSecondaryIndexes[].IndexName", "pattern"),
        ("AWS::ElasticLoadBalancingV2::ListenerRule", "Priority", "maximum"),
        ("AWS::CloudWatch::Alarm", "ComparisonOperator", "enum"),
    ]:
        assert (cfn, prop, kw) in walk.seen, (cfn, prop, kw)


def _with(built: Built, typ: str, name: str, change: dict[str, object]) -> Built:
    out = []
    for r in built.resources:
        if r.type == typ and r.name == name:
            inputs = copy.deepcopy(r.inputs)
            for path, value in change.items():
                *head, last = path.split(".")
                node = inputs
                for part in head:
                    node = node[int(part)] if part.isdigit() else node[part]
                if value is None:
                    node.pop(last, None)
                else:
                    node[last] = value
            r = Resource(r.type, r.name, r.id, inputs, r.outputs, r.custom)
        out.append(r)
    return replace(built, resources=out)


def test_the_walk_refuses_what_aws_refused(infra_stack: Built) -> None:
    """The three inputs AWS would have refused on the first `pulumi up`, put back."""
    broken = _with(
        infra_stack,
        "aws:lb/listenerRule:ListenerRule",
        "ingress-edge-refused",
        {"actions.0.fixedResponse.contentType": "application/problem+json"},
    )
    broken = _with(
        broken,
        "aws:ec2/securityGroup:SecurityGroup",
        "media-redis",
        {"description": "LiveKit's Redis: 6379 from the LiveKit nodes only"},
    )
    broken = _with(
        broken, "aws:apigatewayv2/route:Route", "realtime-connect", {"requestParameters": None}
    )
    found, _, _ = violations(broken)
    expected = [
        # The schema (GroupDescription's pattern) and the hand list both refuse it.
        "SecurityGroup media-redis: description = \"LiveKit's Redis: 6379 from the LiveKit"
        ' nodes only": AWS::EC2::SecurityGroup GroupDescription pattern',
        "SecurityGroup media-redis: group description charset: \"LiveKit's Redis",
        "ListenerRule ingress-edge-refused: ALB fixed-response content type:"
        " 'application/problem+json'",
        "Integration realtime-connect: route declares route.request.querystring.token",
    ]
    assert len(found) == len(expected), found
    for what in expected:
        assert sum(what in f for f in found) == 1, (what, found)
