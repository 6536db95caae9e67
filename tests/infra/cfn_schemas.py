"""Check registered resources' inputs against AWS's published CloudFormation resource schemas.

The schemas are the ones cfn-lint ships (`cfnlint/data/schemas`: `providers/<region>.json`
maps a CloudFormation type to a schema file in `resources/`). Each Pulumi type below is mapped
to its CloudFormation type; its inputs are walked leaf by leaf, each input name turned into
the CloudFormation property of the same meaning (PascalCase, or a rename where the two
differ), and every constraint the schema states for that property is checked: `maxLength`,
`minLength`, `pattern`, `enum`, `minimum`, `maximum`, `maxItems`, `minItems`.

Inputs no schema property matches are not checked here (`aws_limits.py` holds what no schema
says); `Walk.checked` counts what was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import regex as re  # what cfn-lint uses: the schemas use \\p{...} classes

# Pulumi type → (CloudFormation type, {pulumi input path: CloudFormation property path}).
# Paths are dotted; `[]` is "each item". A rename of a prefix renames everything below it.
TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "aws:ec2/securityGroup:SecurityGroup": (
        "AWS::EC2::SecurityGroup",
        {
            "name": "GroupName",
            "description": "GroupDescription",
            "ingress[]": "SecurityGroupIngress[]",
            "egress[]": "SecurityGroupEgress[]",
            "ingress[].protocol": "SecurityGroupIngress[].IpProtocol",
            "egress[].protocol": "SecurityGroupEgress[].IpProtocol",
        },
    ),
    "aws:lb/loadBalancer:LoadBalancer": (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "loadBalancerType": "Type",
        },
    ),
    "aws:lb/targetGroup:TargetGroup": (
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "healthCheck.path": "HealthCheckPath",
            "healthCheck.port": "HealthCheckPort",
            "healthCheck.protocol": "HealthCheckProtocol",
            "healthCheck.interval": "HealthCheckIntervalSeconds",
            "healthCheck.timeout": "HealthCheckTimeoutSeconds",
            "healthCheck.healthyThreshold": "HealthyThresholdCount",
            "healthCheck.unhealthyThreshold": "UnhealthyThresholdCount",
            "healthCheck.matcher": "Matcher.HttpCode",
        },
    ),
    "aws:lb/listener:Listener": (
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "defaultActions[].fixedResponse": "DefaultActions[].FixedResponseConfig",
            "defaultActions[].redirect": "DefaultActions[].RedirectConfig",
            "certificateArn": "Certificates[].CertificateArn",
        },
    ),
    "aws:lb/listenerRule:ListenerRule": (
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "actions[].fixedResponse": "Actions[].FixedResponseConfig",
            "actions[].redirect": "Actions[].RedirectConfig",
            "conditions[].pathPattern": "Conditions[].PathPatternConfig",
            "conditions[].httpHeader": "Conditions[].HttpHeaderConfig",
        },
    ),
    "aws:iam/role:Role": ("AWS::IAM::Role", {"name": "RoleName"}),
    "aws:iam/rolePolicy:RolePolicy": ("AWS::IAM::RolePolicy", {"name": "PolicyName"}),
    "aws:iam/instanceProfile:InstanceProfile": (
        "AWS::IAM::InstanceProfile",
        {"name": "InstanceProfileName", "role": "Roles[]"},
    ),
    "aws:sqs/queue:Queue": (
        "AWS::SQS::Queue",
        {
            "name": "QueueName",
            "visibilityTimeoutSeconds": "VisibilityTimeout",
            "messageRetentionSeconds": "MessageRetentionPeriod",
            "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
            "maxMessageSize": "MaximumMessageSize",
        },
    ),
    "aws:sns/topic:Topic": ("AWS::SNS::Topic", {"name": "TopicName"}),
    "aws:sns/topicSubscription:TopicSubscription": ("AWS::SNS::Subscription", {}),
    "aws:dynamodb/table:Table": (
        "AWS::DynamoDB::Table",
        {
            "name": "TableName",
            "globalSecondaryIndexes[].name": "GlobalSecondaryIndexes[].IndexName",
            "attributes[].name": "AttributeDefinitions[].AttributeName",
            "attributes[].type": "AttributeDefinitions[].AttributeType",
            "ttl.attributeName": "TimeToLiveSpecification.AttributeName",
        },
    ),
    "aws:secretsmanager/secret:Secret": ("AWS::SecretsManager::Secret", {}),
    "aws:cloudwatch/logGroup:LogGroup": ("AWS::Logs::LogGroup", {"name": "LogGroupName"}),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        "AWS::CloudWatch::Alarm",
        {
            "name": "AlarmName",
            "metricQueries[]": "Metrics[]",
            "metricQueries[].metric": "Metrics[].MetricStat",
            "metricQueries[].metric.metricName": "Metrics[].MetricStat.Metric.MetricName",
            "metricQueries[].metric.namespace": "Metrics[].MetricStat.Metric.Namespace",
            "metricQueries[].metric.stat": "Metrics[].MetricStat.Stat",
        },
    ),
    "aws:cloudwatch/dashboard:Dashboard": ("AWS::CloudWatch::Dashboard", {}),
    "aws:ecs/cluster:Cluster": ("AWS::ECS::Cluster", {"name": "ClusterName"}),
    "aws:ecs/service:Service": ("AWS::ECS::Service", {"name": "ServiceName"}),
    "aws:ecs/taskDefinition:TaskDefinition": ("AWS::ECS::TaskDefinition", {}),
    "aws:ecr/repository:Repository": ("AWS::ECR::Repository", {"name": "RepositoryName"}),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "AWS::ElastiCache::ReplicationGroup",
        {"description": "ReplicationGroupDescription", "nodeType": "CacheNodeType"},
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": (
        "AWS::ElastiCache::SubnetGroup",
        {"name": "CacheSubnetGroupName"},
    ),
    "aws:apigatewayv2/api:Api": ("AWS::ApiGatewayV2::Api", {}),
    "aws:apigatewayv2/integration:Integration": (
        "AWS::ApiGatewayV2::Integration",
        {"timeoutMilliseconds": "TimeoutInMillis"},
    ),
    "aws:apigatewayv2/route:Route": ("AWS::ApiGatewayV2::Route", {"requestParameters": ""}),
    "aws:apigatewayv2/stage:Stage": ("AWS::ApiGatewayV2::Stage", {"name": "StageName"}),
    "aws:apigatewayv2/domainName:DomainName": ("AWS::ApiGatewayV2::DomainName", {}),
    "aws:autoscaling/group:Group": (
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "name": "AutoScalingGroupName",
            "initialLifecycleHooks[]": "LifecycleHookSpecificationList[]",
            "initialLifecycleHooks[].name": "LifecycleHookSpecificationList[].LifecycleHookName",
        },
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": (
        "AWS::EC2::LaunchTemplate",
        {
            "name": "LaunchTemplateName",
        },
    ),
    "aws:cognito/userPool:UserPool": ("AWS::Cognito::UserPool", {"name": "UserPoolName"}),
    "aws:cognito/userPoolClient:UserPoolClient": (
        "AWS::Cognito::UserPoolClient",
        {"name": "ClientName", "callbackUrls": "CallbackURLs", "logoutUrls": "LogoutURLs"},
    ),
    "aws:cognito/userPoolDomain:UserPoolDomain": ("AWS::Cognito::UserPoolDomain", {}),
    "aws:cognito/identityProvider:IdentityProvider": ("AWS::Cognito::UserPoolIdentityProvider", {}),
    "aws:cloudfront/function:Function": (
        "AWS::CloudFront::Function",
        {"runtime": "FunctionConfig.Runtime", "comment": "FunctionConfig.Comment"},
    ),
    "aws:cloudfront/originAccessControl:OriginAccessControl": (
        "AWS::CloudFront::OriginAccessControl",
        {"": "OriginAccessControlConfig"},
    ),
    "aws:cloudfront/distribution:Distribution": (
        "AWS::CloudFront::Distribution",
        {"": "DistributionConfig"},
    ),
    "aws:s3/bucket:Bucket": ("AWS::S3::Bucket", {"bucket": "BucketName"}),
    "aws:appautoscaling/target:Target": ("AWS::ApplicationAutoScaling::ScalableTarget", {}),
    "aws:appautoscaling/policy:Policy": (
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"name": "PolicyName"},
    ),
    "aws:ec2/vpc:Vpc": ("AWS::EC2::VPC", {}),
    "aws:ec2/subnet:Subnet": ("AWS::EC2::Subnet", {}),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("AWS::EC2::VPCEndpoint", {}),
    "aws:kms/key:Key": (
        "AWS::KMS::Key",
        {"deletionWindowInDays": "PendingWindowInDays", "policy": "KeyPolicy"},
    ),
    "aws:kms/alias:Alias": ("AWS::KMS::Alias", {"name": "AliasName"}),
    "aws:cloudfront/vpcOrigin:VpcOrigin": (
        "AWS::CloudFront::VpcOrigin",
        {
            "vpcOriginEndpointConfig.httpPort": "VpcOriginEndpointConfig.HTTPPort",
            "vpcOriginEndpointConfig.httpsPort": "VpcOriginEndpointConfig.HTTPSPort",
            "vpcOriginEndpointConfig.originSslProtocols.items[]": (
                "VpcOriginEndpointConfig.OriginSSLProtocols[]"
            ),
        },
    ),
    "aws:apigateway/vpcLink:VpcLink": ("AWS::ApiGateway::VpcLink", {"targetArn": "TargetArns[]"}),
}

KEYWORDS = ("maxLength", "minLength", "pattern", "enum", "minimum", "maximum")


@dataclass
class Walk:
    region: str
    checked: int = 0  # constraints evaluated
    by_keyword: dict[str, int] = field(default_factory=dict)
    seen: set[tuple[str, str, str]] = field(default_factory=set)  # (cfn type, property, keyword)
    violations: list[str] = field(default_factory=list)

    def resource(self, typ: str, name: str, inputs: dict[str, Any]) -> None:
        if typ not in TYPES:
            return
        cfn_type, renames = TYPES[typ]
        schema = load(self.region, cfn_type)
        for path, value in _leaves(_tags_as_list(inputs)):
            cfn_path = _rename(path, renames)
            if cfn_path is None:
                continue
            target = _resolve(schema, cfn_path)
            if target is not None:
                self._check(f"{typ} {name}: {'.'.join(path)}", cfn_type, cfn_path, target, value)

    def _check(self, where: str, cfn: str, prop: list[str], s: dict[str, Any], v: Any) -> None:
        for kw in KEYWORDS:
            if kw not in s or isinstance(v, bool):
                continue
            value = _coerce(v, s)
            ok = _holds(kw, s[kw], value)
            if ok is None:
                continue
            self.checked += 1
            self.by_keyword[kw] = self.by_keyword.get(kw, 0) + 1
            self.seen.add((cfn, ".".join(prop), kw))
            if not ok:
                self.violations.append(
                    f"{where} = {value!r}: {cfn} {'.'.join(prop)} {kw} {s[kw]!r}"
                )


@cache
def load(region: str, cfn_type: str) -> dict[str, Any]:
    root = resources.files("cfnlint.data.schemas")
    providers = json.loads((root / "providers" / f"{region}.json").read_text())
    schema: dict[str, Any] = json.loads(
        (root / "resources" / f"{providers[cfn_type]}.json").read_text()
    )
    return schema


def _tags_as_list(inputs: dict[str, Any]) -> dict[str, Any]:
    """Pulumi takes tags as a map; CloudFormation as [{Key, Value}]."""
    tags = inputs.get("tags")
    if isinstance(tags, dict):
        return inputs | {"tags": [{"key": k, "value": v} for k, v in tags.items()]}
    return inputs


def _leaves(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v, (*path[:-1], f"{path[-1]}[]"))]
    return [(path, value)]


def _rename(path: tuple[str, ...], renames: dict[str, str]) -> list[str] | None:
    for cut in range(len(path), -1, -1):
        prefix = ".".join(path[:cut])
        if prefix in renames:
            if renames[prefix] == "" and prefix:
                return None  # deliberately not compared (shapes differ)
            head = [p for p in renames[prefix].split(".") if p]
            return head + [_pascal(p) for p in path[cut:]]
    return [_pascal(p) for p in path]


def _pascal(part: str) -> str:
    return part[:1].upper() + part[1:]


def _resolve(schema: dict[str, Any], path: list[str]) -> dict[str, Any] | None:
    node: dict[str, Any] | None = {"properties": schema["properties"]}
    for part in path:
        items = part.endswith("[]")
        name = part.removesuffix("[]")
        node = _prop(schema, node, name)
        if node is not None and items:
            node = _deref(schema, node.get("items")) if node.get("type") == "array" else node
        if node is None:
            return None
    return node


def _prop(schema: dict[str, Any], node: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    node = _deref(schema, node)
    if node is None:
        return None
    if name in node.get("properties", {}):
        return _deref(schema, node["properties"][name])
    for branch in node.get("anyOf", []) + node.get("oneOf", []):
        found = _prop(schema, branch, name)
        if found is not None:
            return found
    return None


def _deref(schema: dict[str, Any], node: Any) -> dict[str, Any] | None:
    while isinstance(node, dict) and "$ref" in node:
        node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return node if isinstance(node, dict) else None


def _coerce(value: Any, s: dict[str, Any]) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # numbers cross Pulumi's wire as floats
    if s.get("type") in ("integer", "number") and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    if s.get("type") == "string" and isinstance(value, int | float):
        return str(value)
    return value


def _holds(kw: str, rule: Any, v: Any) -> bool | None:
    """Whether `v` satisfies one schema keyword; None when the keyword does not apply to it."""
    match kw:
        case "maxLength" | "minLength" if isinstance(v, str):
            return len(v) <= rule if kw == "maxLength" else len(v) >= rule
        case "pattern" if isinstance(v, str):
            return re.search(rule, v) is not None
        case "enum":
            return v in rule
        case "minimum" | "maximum" if isinstance(v, int | float):
            return v >= rule if kw == "minimum" else v <= rule
    return None
