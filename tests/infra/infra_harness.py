"""Run Parley's Pulumi program under Pulumi's mocks and record every resource it registers.

`build(stack)` runs the program the way Pulumi's Python host does: `runpy.run_path` on the
folder `Pulumi.yaml` names as `main`, with `run_name="__main__"`, with the stack's config as
the host hands it over (`Pulumi.<stack>.yaml`, objects as JSON strings, in the namespace of
the project's name) and the secrets a real stack keeps encrypted marked secret, as
`pulumi config set --secret` does. `preview=False`, so every `apply` runs and every input is a
real value. It returns the registered resources with their inputs, the exported stack
outputs and the warnings the program logged; any error fails it.

The mocks answer like AWS does where the program depends on it: ARNs, queue URLs, DNS names,
ARN suffixes, endpoints — derived from each resource's name, so tests can compute the ARN a
wire-module name must have (`arn()`).

`python -P tests/infra/infra_harness.py <stack> [overrides as JSON]` builds in a fresh
interpreter whose `sys.path` holds only the standard library and the virtualenv, as the host's
does, and prints the whole build as JSON (`conftest.py` builds both stacks that way, in
parallel; `conftest.build_with` a stack with some keys changed).
"""

from __future__ import annotations

import json
import logging
import runpy
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pulumi
import yaml

ROOT = Path(__file__).resolve().parents[2]

ACCOUNT = "123456789012"
PROJECT = "parley"
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # Pulumi's marker for a secret value
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"  # what the mocks give a KMS key
CLOUDFRONT_PREFIX_LIST = "pl-4fa04526"  # what the mocks give CloudFront's origin-facing list
VPC_ORIGIN_SG = "sg-0cf0vpc0r1g1n5"  # what the mocks give a security-group lookup

# What a real stack keeps encrypted in Pulumi.<stack>.yaml; tests look for these in clear text.
TEST_SECRETS = {
    "parley:googleClientSecret": "google-client-secret-for-tests",
    "parley:livekitApiSecret": "livekit-api-secret-for-tests-0123456789abcdef",
}


# What the mocks give a generated password (random.RandomPassword's `result`).
GENERATED_PASSWORD = "GeneratedByTheMocks0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHI"


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    custom: bool
    secret_inputs: list[str] = field(default_factory=list)  # top-level inputs sent as secrets
    urn: str = ""
    # What the engine would create (or update) first: every resource this one's inputs or
    # `depends_on` name, as URNs (components expanded to their resources).
    dependencies: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass
class Built:
    stack: str
    region: str
    resources: list[Resource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    config: dict[str, str] = field(default_factory=dict)
    invokes: list[dict[str, Any]] = field(default_factory=list)  # data-source calls: token, args

    @property
    def prefix(self) -> str:
        return f"parley-{self.stack}"

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, **inputs: Any) -> Resource:
        found = [
            r for r in self.of_type(type_) if all(r.inputs.get(k) == v for k, v in inputs.items())
        ]
        assert len(found) == 1, f"{len(found)} {type_} with {inputs}"
        return found[0]

    def arn(self, service: str, name: str) -> str:
        return arn(service, self.region, name)


def arn(service: str, region: str, name: str) -> str:
    """The ARN the mocks give a resource of `service` named `name` (as AWS would)."""
    match service:
        case "sqs" | "sns":
            return f"arn:aws:{service}:{region}:{ACCOUNT}:{name}"
        case "dynamodb":
            return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}"
        case "iam-role":
            return f"arn:aws:iam::{ACCOUNT}:role/{name}"
        case "secretsmanager":
            return f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-AbCdEf"
    raise ValueError(service)


def unwrap(value: Any) -> Any:
    """Replace Pulumi's secret envelopes by the values they carry."""
    if isinstance(value, dict):
        if SECRET_SIG in value:
            return unwrap(value["value"])
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


class RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """Pulumi's mock monitor, also keeping what the engine would order and replace by."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.requests: dict[tuple[str, str], tuple[str, list[str], bool]] = {}

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method's name
        urn = self.make_urn(request.parent, request.type, request.name)
        key = (request.type, request.name)
        assert key not in self.requests, f"two {request.type} named {request.name}"
        self.requests[key] = (urn, sorted(request.dependencies), request.deleteBeforeReplace)
        return super().RegisterResource(request)


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, region: str) -> None:
        self.region = region
        self.resources: list[Resource] = []
        self.invokes: list[dict[str, Any]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = unwrap(args.inputs)
        raw = args.inputs
        secret = sorted(k for k, v in raw.items() if isinstance(v, dict) and SECRET_SIG in v)
        rid, computed = self._computed(args.typ, args.name, inputs)
        outputs = {**inputs, **computed}
        self.resources.append(
            Resource(args.typ, args.name, rid, inputs, outputs, bool(args.custom), secret)
        )
        return rid, outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        r = self.region
        self.invokes.append({"token": args.token, "args": unwrap(dict(args.args))})
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/ci",
                "userId": "AIDATEST",
                "id": ACCOUNT,
            }, []
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {
                "names": [f"{r}a", f"{r}b", f"{r}c"],
                "zoneIds": [f"euw1-az{i}" for i in (1, 2, 3)],
                "id": r,
            }, []
        if args.token == "aws:ec2/getManagedPrefixList:getManagedPrefixList":
            return {"id": CLOUDFRONT_PREFIX_LIST, "name": args.args["name"]}, []
        if args.token == "aws:ec2/getSecurityGroup:getSecurityGroup":
            return {"id": VPC_ORIGIN_SG, "arn": f"arn:aws:ec2:{r}:{ACCOUNT}:security-group/x"}, []
        raise NotImplementedError(f"no mock for {args.token}")

    def _computed(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        r, a = self.region, ACCOUNT
        n = inputs.get("name") or name
        generic = {"arn": f"arn:aws:mock:{r}:{a}:{typ.split(':')[-1].lower()}/{n}", "name": n}
        match typ:
            case "aws:sqs/queue:Queue":
                url = f"https://sqs.{r}.amazonaws.com/{a}/{n}"
                return url, {"arn": arn("sqs", r, n), "url": url}
            case "aws:sns/topic:Topic":
                return arn("sns", r, n), {"arn": arn("sns", r, n)}
            case "aws:dynamodb/table:Table":
                return n, {"arn": arn("dynamodb", r, n)}
            case "aws:iam/role:Role":
                return n, {"arn": arn("iam-role", r, n), "name": n}
            case "aws:secretsmanager/secret:Secret":
                return arn("secretsmanager", r, n), {"arn": arn("secretsmanager", r, n)}
            case "aws:apigatewayv2/api:Api":
                api = "wsapi123"
                return api, {
                    "apiEndpoint": f"wss://{api}.execute-api.{r}.amazonaws.com",
                    "executionArn": f"arn:aws:execute-api:{r}:{a}:{api}",
                }
            case "aws:apigatewayv2/domainName:DomainName":
                config = dict(inputs.get("domainNameConfiguration") or {})
                config |= {
                    "targetDomainName": f"d-ws.execute-api.{r}.amazonaws.com",
                    "hostedZoneId": "ZWSAPI",
                }
                return n, {"domainNameConfiguration": config}
            case "aws:lb/loadBalancer:LoadBalancer":
                kind = "net" if inputs.get("loadBalancerType") == "network" else "app"
                suffix = f"{kind}/{n}/0123456789abcdef"
                return f"lb-{n}", {
                    "arn": f"arn:aws:elasticloadbalancing:{r}:{a}:loadbalancer/{suffix}",
                    "arnSuffix": suffix,
                    "dnsName": f"{n}-1234.{r}.elb.amazonaws.com",
                    "zoneId": "ZELB",
                }
            case "aws:lb/targetGroup:TargetGroup":
                suffix = f"targetgroup/{n}/fedcba9876543210"
                return f"tg-{n}", {
                    "arn": f"arn:aws:elasticloadbalancing:{r}:{a}:{suffix}",
                    "arnSuffix": suffix,
                }
            case "aws:cognito/userPool:UserPool":
                pool = f"{r}_MockPool1"
                return pool, {
                    "arn": f"arn:aws:cognito-idp:{r}:{a}:userpool/{pool}",
                    "endpoint": f"cognito-idp.{r}.amazonaws.com/{pool}",
                }
            case "aws:cognito/userPoolClient:UserPoolClient":
                return "mockclientid123", {}
            case "aws:ecr/repository:Repository":
                return n, {
                    "arn": f"arn:aws:ecr:{r}:{a}:repository/{n}",
                    "repositoryUrl": f"{a}.dkr.ecr.{r}.amazonaws.com/{n}",
                }
            case "aws:ecs/cluster:Cluster":
                return n, {"arn": f"arn:aws:ecs:{r}:{a}:cluster/{n}", "name": n}
            case "aws:ecs/taskDefinition:TaskDefinition":
                family = inputs["family"]
                return family, {"arn": f"arn:aws:ecs:{r}:{a}:task-definition/{family}:1"}
            case "aws:elasticache/replicationGroup:ReplicationGroup":
                group = inputs["replicationGroupId"]
                return group, {
                    "primaryEndpointAddress": f"master.{group}.abc123.cache.amazonaws.com"
                }
            case "aws:cloudfront/distribution:Distribution":
                return "EMOCKDIST", {
                    "arn": f"arn:aws:cloudfront::{a}:distribution/EMOCKDIST",
                    "domainName": "d111111abcdef8.cloudfront.net",
                    "hostedZoneId": "Z2FDTNDATAQYW2",
                }
            case "aws:s3/bucket:Bucket":
                b = inputs["bucket"]
                return b, {
                    "arn": f"arn:aws:s3:::{b}",
                    "bucketRegionalDomainName": f"{b}.s3.{r}.amazonaws.com",
                }
            case "aws:ec2/launchTemplate:LaunchTemplate":
                return "lt-0123456789", {"latestVersion": 1}
            case "aws:cloudfront/vpcOrigin:VpcOrigin":
                return "vo_MockOrigin01", {"arn": f"arn:aws:cloudfront::{a}:vpcorigin/vo_Mock01"}
            case "aws:apigateway/vpcLink:VpcLink":
                return "vpclnk1", {"arn": f"arn:aws:apigateway:{r}::/vpclinks/vpclnk1"}
            case "aws:kms/key:Key":
                return KEY_ID, {"arn": f"arn:aws:kms:{r}:{a}:key/{KEY_ID}", "keyId": KEY_ID}
            case "aws:cloudwatch/logGroup:LogGroup":
                return n, {"arn": f"arn:aws:logs:{r}:{a}:log-group:{n}"}
            case "aws:cloudwatch/metricAlarm:MetricAlarm":
                return n, {"arn": f"arn:aws:cloudwatch:{r}:{a}:alarm:{n}"}
            case "random:index/randomPassword:RandomPassword":
                return name, {"result": GENERATED_PASSWORD}
        return f"{name}-id", generic


def program_dir() -> Path:
    """The folder Pulumi's host runs: `main` in Pulumi.yaml."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == PROJECT
    return ROOT / project.get("main", ".")


def stack_config(stack: str, overrides: dict[str, Any] | None = None) -> tuple[dict[str, str], str]:
    """`Pulumi.<stack>.yaml` as the host passes it (strings; objects as JSON), with the secrets
    and `overrides` (key → value, as `pulumi config set` would leave it)."""
    raw = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    raw |= overrides or {}
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    config |= TEST_SECRETS
    return config, config["aws:region"]


def build(stack: str, overrides: dict[str, Any] | None = None) -> Built:
    config, region = stack_config(stack, overrides)
    mocks = RecordingMocks(region)
    monitor = RecordingMonitor(mocks)
    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    logger = logging.getLogger(f"parley.infra.tests.{stack}")
    logger.addHandler(Collect())
    logger.propagate = False
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=stack, preview=False, logger=logger, monitor=monitor
    )
    pulumi.runtime.set_all_config(config, secret_keys=list(TEST_SECRETS))
    built = Built(stack=stack, region=region, config=config)

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        runpy.run_path(str(program_dir()), run_name="__main__")
        root = pulumi.runtime.get_root_resource()
        exported: dict[str, Any] = getattr(root, "outputs", {})
        values = {k: pulumi.Output.from_input(v) for k, v in exported.items()}
        return pulumi.Output.all(**values).apply(built.outputs.update)

    run()
    built.resources = [
        replace(r, urn=urn, dependencies=deps, delete_before_replace=dbr)
        for r in mocks.resources
        for urn, deps, dbr in [monitor.requests[(r.type, r.name)]]
    ]
    built.warnings = warnings
    built.invokes = mocks.invokes
    return built


def to_json(built: Built) -> str:
    return json.dumps(
        {
            "stack": built.stack,
            "region": built.region,
            "config": built.config,
            "outputs": built.outputs,
            "warnings": built.warnings,
            "invokes": built.invokes,
            "resources": [r.__dict__ for r in built.resources],
        },
        default=str,
    )


def from_json(text: str) -> Built:
    raw = json.loads(text)
    resources = [Resource(**r) for r in raw.pop("resources")]
    return Built(resources=resources, **raw)


if __name__ == "__main__":
    print(to_json(build(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else None)))
