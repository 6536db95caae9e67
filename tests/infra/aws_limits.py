"""What AWS refuses at create time that no CloudFormation schema states (see `cfn_schemas.py`).

Each rule is taken from the service's API reference (the limits of the Create* call) and
returns, per resource, the constraints it checked and whether each held. Mocks accept all of
these; AWS does not.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# (what, holds, the value) for each constraint a rule checked on one resource.
Check = tuple[str, bool, Any]
Rule = Callable[[dict[str, Any]], Iterator[Check]]

ALB_CONTENT_TYPES = {
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
}
# EC2 CreateSecurityGroup / AuthorizeSecurityGroupIngress: group and rule descriptions.
SG_DESCRIPTION = re.compile(r"^[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*$")
RULE_SOURCES = ("cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId")
ELB_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$")  # 1-32, no edge "-"
SQS_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,75}(\.fifo)?$")
SNS_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,251}(\.fifo)?$")
CACHE_GROUP_ID = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,38}[a-z0-9]$")  # 1-40, letter first
COGNITO_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Fargate's task sizes: CPU units → the memory (MiB) each allows.
FARGATE = {
    256: {512, 1024, 2048},
    512: set(range(1024, 4097, 1024)),
    1024: set(range(2048, 8193, 1024)),
    2048: set(range(4096, 16385, 1024)),
    4096: set(range(8192, 30721, 1024)),
}


def _num(v: Any) -> int:
    return int(float(v))


def security_group(i: dict[str, Any]) -> Iterator[Check]:
    yield (
        "group description charset",
        bool(SG_DESCRIPTION.match(i.get("description", ""))),
        i.get("description"),
    )
    yield "group description <= 255", len(i.get("description", "")) <= 255, i.get("description")
    for rule in i.get("ingress", []) + i.get("egress", []):
        d = rule.get("description", "")
        yield "rule description charset", bool(SG_DESCRIPTION.match(d)), d
        yield "rule description <= 255", len(d) <= 255, d
        lo, hi = _num(rule["fromPort"]), _num(rule["toPort"])
        if rule["protocol"] not in ("-1", "all"):
            yield "port range", 0 <= lo <= hi <= 65535, (lo, hi)


def ingress_rule(i: dict[str, Any]) -> Iterator[Check]:
    """EC2 AuthorizeSecurityGroupIngress, one rule a resource: one source, a valid range."""
    d = i.get("description", "")
    yield "rule description charset", bool(SG_DESCRIPTION.match(d)), d
    yield "rule description <= 255", len(d) <= 255, d
    sources = [k for k in RULE_SOURCES if i.get(k)]
    yield "rule has exactly one source", len(sources) == 1, sources
    if i.get("ipProtocol") not in ("-1", "all"):
        lo, hi = _num(i.get("fromPort", -1)), _num(i.get("toPort", -1))
        yield "port range", 0 <= lo <= hi <= 65535, (lo, hi)


def _actions(actions: list[dict[str, Any]]) -> Iterator[Check]:
    for a in actions:
        fixed = a.get("fixedResponse")
        if fixed:
            ct = fixed.get("contentType")
            yield "ALB fixed-response content type", ct in ALB_CONTENT_TYPES, ct
            yield "ALB fixed-response body <= 1024", len(fixed.get("messageBody", "")) <= 1024, ""


def listener_rule(i: dict[str, Any]) -> Iterator[Check]:
    yield from _actions(i.get("actions", []))
    yield "rule priority 1..50000", 1 <= _num(i.get("priority", 1)) <= 50000, i.get("priority")


def listener(i: dict[str, Any]) -> Iterator[Check]:
    yield from _actions(i.get("defaultActions", []))


def elb_name(i: dict[str, Any]) -> Iterator[Check]:
    name = i.get("name", "")
    yield "ELB name 1-32 [a-zA-Z0-9-]", bool(ELB_NAME.match(name)), name
    yield "ELB name not internal-*", not name.startswith("internal-"), name


def target_group(i: dict[str, Any]) -> Iterator[Check]:
    yield from elb_name(i)
    delay = _num(i.get("deregistrationDelay", 300))
    yield "deregistration delay 0..3600", 0 <= delay <= 3600, delay


def sqs_queue(i: dict[str, Any]) -> Iterator[Check]:
    name = i.get("name", "")
    yield "SQS name", bool(SQS_NAME.match(name)), name
    yield "SQS .fifo iff FIFO", name.endswith(".fifo") == bool(i.get("fifoQueue")), name
    for key, lo, hi in (
        ("visibilityTimeoutSeconds", 0, 43200),
        ("messageRetentionSeconds", 60, 1209600),
        ("delaySeconds", 0, 900),
        ("receiveWaitTimeSeconds", 0, 20),
    ):
        if key in i:
            yield f"SQS {key} {lo}..{hi}", lo <= _num(i[key]) <= hi, i[key]


def sns_topic(i: dict[str, Any]) -> Iterator[Check]:
    name = i.get("name", "")
    yield "SNS name", bool(SNS_NAME.match(name)), name
    yield "SNS .fifo iff FIFO", name.endswith(".fifo") == bool(i.get("fifoTopic")), name


def secret(i: dict[str, Any]) -> Iterator[Check]:
    days = _num(i.get("recoveryWindowInDays", 30))
    yield "secret recovery window 7..30 (or 0)", days == 0 or 7 <= days <= 30, days


def launch_template(i: dict[str, Any]) -> Iterator[Check]:
    raw = base64.b64decode(i.get("userData", ""))
    yield "EC2 user data <= 16 KiB", len(raw) <= 16384, len(raw)


def replication_group(i: dict[str, Any]) -> Iterator[Check]:
    gid = i.get("replicationGroupId", "")
    yield "ElastiCache group id", bool(CACHE_GROUP_ID.match(gid)), gid


def user_pool_domain(i: dict[str, Any]) -> Iterator[Check]:
    d = i.get("domain", "")
    if i.get("certificateArn"):
        return
    reserved = any(w in d for w in ("aws", "amazon", "cognito"))
    yield "Cognito prefix", bool(COGNITO_PREFIX.match(d)) and not reserved, d


def task_definition(i: dict[str, Any]) -> Iterator[Check]:
    if "FARGATE" in i.get("requiresCompatibilities", []):
        cpu, mem = _num(i["cpu"]), _num(i["memory"])
        yield "Fargate cpu/memory pair", mem in FARGATE.get(cpu, set()), (cpu, mem)


def lifecycle_hooks(i: dict[str, Any]) -> Iterator[Check]:
    for hook in i.get("initialLifecycleHooks", []):
        t = _num(hook.get("heartbeatTimeout", 3600))
        yield "lifecycle hook heartbeat 30..7200", 30 <= t <= 7200, t


def tags(i: dict[str, Any]) -> Iterator[Check]:
    t = i.get("tags")
    if isinstance(t, dict):
        yield "at most 50 tags", len(t) <= 50, len(t)
        for k, v in t.items():
            yield "tag key 1..128, not aws:", 0 < len(k) <= 128 and not k.startswith("aws:"), k
            yield "tag value <= 256", len(str(v)) <= 256, v


RULES: dict[str, list[Rule]] = {
    "aws:ec2/securityGroup:SecurityGroup": [security_group],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [ingress_rule],
    "aws:lb/listenerRule:ListenerRule": [listener_rule],
    "aws:lb/listener:Listener": [listener],
    "aws:lb/loadBalancer:LoadBalancer": [elb_name],
    "aws:lb/targetGroup:TargetGroup": [target_group],
    "aws:sqs/queue:Queue": [sqs_queue],
    "aws:sns/topic:Topic": [sns_topic],
    "aws:secretsmanager/secret:Secret": [secret],
    "aws:ec2/launchTemplate:LaunchTemplate": [launch_template],
    "aws:elasticache/replicationGroup:ReplicationGroup": [replication_group],
    "aws:cognito/userPoolDomain:UserPoolDomain": [user_pool_domain],
    "aws:ecs/taskDefinition:TaskDefinition": [task_definition],
    "aws:autoscaling/group:Group": [lifecycle_hooks],
}


@dataclass
class Limits:
    checked: int = 0
    violations: list[str] = field(default_factory=list)

    def resource(self, typ: str, name: str, inputs: dict[str, Any]) -> None:
        for rule in [*RULES.get(typ, []), tags]:
            for what, ok, value in rule(inputs):
                self.checked += 1
                if not ok:
                    self.violations.append(f"{typ} {name}: {what}: {value!r}")


def websocket_mappings(resources: list[Any]) -> Iterator[tuple[str, bool, Any]]:
    """API Gateway maps `route.request.X` into an integration only if the route declares it."""
    routes = {
        r.inputs["target"].removeprefix("integrations/"): r
        for r in resources
        if r.type == "aws:apigatewayv2/route:Route"
    }
    for r in resources:
        if r.type != "aws:apigatewayv2/integration:Integration":
            continue
        route = routes.get(r.id)
        declared = {
            p["requestParameterKey"]
            for p in (route.inputs if route else {}).get("requestParameters", [])
        }
        for source in (r.inputs.get("requestParameters") or {}).values():
            if source.startswith("route.request."):
                yield f"{r.name}: route declares {source}", source in declared, source
