"""The stack's settings: every `parley:` config key, read once and typed.

`KEYS` is the list of keys the program reads; `Pulumi.<stack>.yaml` documents each of them
(tests check that). Secrets are read with `require_secret` and stay Pulumi secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from services.wire import Service

PROJECT = "parley"

# key → (required, secret, what it is)
KEYS: dict[str, tuple[bool, bool, str]] = {
    "appDomain": (True, False, "the SPA's domain (CloudFront); also serves /v1 and /webhooks"),
    "apiDomain": (True, False, "the gateway's name inside the VPC (internal ALB and edge NLB)"),
    "livekitDomain": (True, False, "LiveKit signalling (wss, 443 on the media NLB)"),
    "certificateArn": (True, False, "regional ACM certificate for apiDomain, livekitDomain"),
    "cloudfrontCertificateArn": (True, False, "ACM certificate in us-east-1 for appDomain"),
    "googleClientId": (True, False, "Google OAuth client id (the only identity provider)"),
    "googleClientSecret": (True, True, "Google OAuth client secret"),
    "livekitApiKey": (True, False, "LiveKit API key name"),
    "livekitApiSecret": (True, True, "LiveKit API secret (32+ characters)"),
    "imageTag": (True, False, "tag of the service image in ECR to run"),
    "websocketDomain": (False, False, "custom domain for the WebSocket API (optional)"),
    "hostedZoneId": (False, False, "Route 53 zone: when set, DNS records are created"),
    "authDomainPrefix": (False, False, "Cognito hosted-UI prefix (default parley-<stack>)"),
    "turnUrls": (False, False, "direct-mode TURN URLs, comma separated (optional)"),
    "turnSecret": (False, True, "direct-mode TURN REST secret (optional)"),
    "pseudonymKeyGeneration": (
        False,
        False,
        "bump to replace the generated pseudonym key (docs/runbook.md); default 1",
    ),
    "logLevel": (False, False, "services' log level (default INFO)"),
    "logRetentionDays": (False, False, "CloudWatch log retention in days (default 30)"),
    "vpcCidr": (False, False, "VPC CIDR, a /16 (default 10.40.0.0/16)"),
    "natGateways": (False, False, "1 (cheaper) or 2 (one per AZ); default 1"),
    "pointInTimeRecovery": (False, False, "DynamoDB point-in-time recovery (prod: true)"),
    "deletionProtection": (False, False, "protect tables, user pool, ALB (prod: true)"),
    "services": (False, False, "per service {min, max, cpu, memory} of the Fargate tasks"),
    "livekit": (
        False,
        False,
        "{instanceType, minNodes, maxNodes, version, drainSeconds, turnDomain}",
    ),
    "redis": (False, False, "{nodeType, replicas} of LiveKit's ElastiCache Redis"),
    "cpuArchitecture": (False, False, "X86_64 (default) or ARM64 (Graviton); ARM64 not on Spot"),
    "fargateSpot": (False, False, "run the tasks on Fargate Spot (X86_64 only; interruptible)"),
    "containerInsights": (
        False,
        False,
        "ECS Container Insights (default true); needed while a worker can scale (max > min)",
    ),
    "alarmEmail": (False, False, "e-mail subscribed to the alarm topic (optional)"),
    "runbookUrl": (False, False, "where on-call reads docs/runbook.md (alarm descriptions)"),
    "dailyPoints": (False, False, "points per person per day (default 15)"),
    "sessionMinutes": (False, False, "longest session in minutes (default 15)"),
    "inviteTimeoutS": (False, False, "seconds to answer an invite (default 60)"),
    "dayTimezone": (False, False, "the timezone whose midnight resets points (default UTC)"),
    "waitingPartitions": (
        False,
        False,
        "ways the matcher's waiting set is split, 1..64 (default 1; docs/capacity.md)",
    ),
    "waitingPartitionsAlsoRead": (
        False,
        False,
        "during a resize, the count before it (default 0: no resize under way)",
    ),
}

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")  # what the services accept
ARCHITECTURES = ("X86_64", "ARM64")  # Fargate's; the image is built for both
MAX_WAITING_PARTITIONS = 64  # what the matcher accepts (PARLEY_WAITING_PARTITIONS)

WORKERS = (Service.MATCHER, Service.LEDGER, Service.NOTIFIER)  # scale on their inbox
DEFAULT_SCALE: dict[Service, dict[str, int]] = {
    Service.GATEWAY: {"min": 1, "max": 4, "cpu": 512, "memory": 1024},
    Service.MATCHER: {"min": 1, "max": 2, "cpu": 256, "memory": 512},
    Service.LEDGER: {"min": 1, "max": 4, "cpu": 256, "memory": 512},
    Service.NOTIFIER: {"min": 1, "max": 4, "cpu": 256, "memory": 512},
}


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    cpu: int
    memory: int


@dataclass(frozen=True)
class LiveKit:
    instance_type: str
    min_nodes: int
    max_nodes: int
    version: str
    drain_seconds: int  # how long a node marked for scale-in keeps its rooms
    # TURN/TLS on 443 on its own NLB and domain (media_turn.py); None: no TURN/TLS at all.
    turn_domain: str | None
    redis_node_type: str
    redis_replicas: int


@dataclass(frozen=True)
class Settings:
    stack: str
    prefix: str
    region: str
    app_domain: str
    api_domain: str
    livekit_domain: str
    websocket_domain: str | None
    certificate_arn: str
    cloudfront_certificate_arn: str
    hosted_zone_id: str | None
    auth_domain_prefix: str
    google_client_id: str
    google_client_secret: pulumi.Output[str]
    livekit_api_key: str
    livekit_api_secret: pulumi.Output[str]
    turn_urls: str
    turn_secret: pulumi.Output[str] | None
    pseudonym_key_generation: int
    image_tag: str
    log_level: str
    log_retention_days: int
    vpc_cidr: str
    nat_gateways: int
    point_in_time_recovery: bool
    deletion_protection: bool
    scale: dict[Service, Scale]
    cpu_architecture: str
    fargate_spot: bool
    container_insights: bool
    livekit: LiveKit
    alarm_email: str | None
    runbook_url: str
    daily_points: int
    session_minutes: int
    invite_timeout_s: int
    day_timezone: str
    # The matcher's waiting set, split this many ways; while a resize's old tickets may still
    # wait (their TTL, an hour), also the count before it (0: none), which it reads too.
    waiting_partitions: int
    waiting_partitions_also_read: int

    @property
    def public_url(self) -> str:
        return f"https://{self.app_domain}"

    @property
    def api_url(self) -> str:
        return f"https://{self.api_domain}"

    @property
    def livekit_wss_url(self) -> str:
        return f"wss://{self.livekit_domain}"

    @property
    def livekit_https_url(self) -> str:
        return f"https://{self.livekit_domain}"

    @property
    def hosted_ui_domain(self) -> str:
        return f"{self.auth_domain_prefix}.auth.{self.region}.amazoncognito.com"

    def runbook(self, anchor: str) -> str:
        """The link an alarm's description carries to its entry in docs/runbook.md."""
        return f"{self.runbook_url}#{anchor}"

    def log_group(self, name: str) -> str:
        return f"/parley/{self.stack}/{name}"

    def tags(self, **extra: str) -> dict[str, str]:
        return {"project": PROJECT, "stack": self.stack, **extra}


def _scale(raw: dict[str, Any]) -> dict[Service, Scale]:
    out: dict[Service, Scale] = {}
    for svc, default in DEFAULT_SCALE.items():
        merged = {**default, **raw.get(svc.value, {})}
        if not 1 <= merged["min"] <= merged["max"]:
            raise ValueError(f"parley:services.{svc}: need 1 <= min <= max")
        out[svc] = Scale(merged["min"], merged["max"], merged["cpu"], merged["memory"])
    return out


def check_livekit_secret(value: str) -> str:
    # LiveKit signs tokens with it (HS256); the gateway refuses anything shorter.
    if len(value) < 32:
        raise ValueError("parley:livekitApiSecret must be at least 32 characters")
    return value


def check_capacity(architecture: str, fargate_spot: bool) -> None:
    """Fargate Spot runs X86_64 tasks only: ECS refuses to place an ARM64 task on it."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"parley:cpuArchitecture must be one of {', '.join(ARCHITECTURES)}")
    if fargate_spot and architecture != "X86_64":
        raise ValueError(
            "parley:fargateSpot needs parley:cpuArchitecture X86_64: Fargate Spot does not run"
            " ARM64 tasks (choose one of Spot or Graviton)"
        )


def check_container_insights(insights: bool, scale: dict[Service, Scale]) -> None:
    """A worker that can scale divides its inbox by its running tasks (scaling.py), a count
    only Container Insights publishes: without it the policy never gets a datapoint."""
    scaling = sorted(svc.value for svc in WORKERS if scale[svc].max > scale[svc].min)
    if scaling and not insights:
        raise ValueError(
            "parley:containerInsights must be true while a worker can scale"
            f" ({', '.join(scaling)}: max > min): the backlog policy counts running tasks with"
            " ECS/ContainerInsights RunningTaskCount, which exists only with it"
        )


def check_turn_domain(turn_domain: str | None, livekit_domain: str) -> None:
    """LiveKit advertises TURN/TLS at `turns:<turn domain>:443`; on the media NLB 443 is
    signalling, so the TURN domain must name another address (media_turn.py)."""
    if turn_domain is not None and turn_domain == livekit_domain:
        raise ValueError(
            "parley:livekit.turnDomain must differ from parley:livekitDomain: LiveKit advertises"
            " TURN/TLS on port 443 of it, which on the media NLB is signalling"
        )


def check_waiting_partitions(count: int, also_read: int) -> None:
    """The matcher refuses to start outside these bounds; an `also_read` equal to the count
    would name no resize at all (most likely the new count was not set)."""
    top = MAX_WAITING_PARTITIONS
    if not 1 <= count <= top:
        raise ValueError(f"parley:waitingPartitions must be within 1..{top} (got {count})")
    if not 0 <= also_read <= top:
        raise ValueError(
            f"parley:waitingPartitionsAlsoRead must be within 0..{top}"
            f" (got {also_read}; 0: no resize)"
        )
    if also_read == count:
        raise ValueError(
            f"parley:waitingPartitionsAlsoRead ({also_read}) must differ from"
            " parley:waitingPartitions: it is the other count while a resize rolls out"
        )


def _int_or(cfg: pulumi.Config, key: str, default: int) -> int:
    """An int key that may be 0 (`get_int(...) or default` would take 0 for unset)."""
    value = cfg.get_int(key)
    return default if value is None else value


def load() -> Settings:
    cfg = pulumi.Config(PROJECT)
    stack = pulumi.get_stack()
    region = aws.config.region
    if not region:
        raise ValueError("set aws:region for the stack")
    lk: dict[str, Any] = cfg.get_object("livekit") or {}
    redis: dict[str, Any] = cfg.get_object("redis") or {}
    nat = cfg.get_int("natGateways") or 1
    if nat not in (1, 2):
        raise ValueError("parley:natGateways must be 1 or 2")
    log_level = cfg.get("logLevel") or "INFO"
    if log_level not in LOG_LEVELS:
        raise ValueError(f"parley:logLevel must be one of {', '.join(LOG_LEVELS)}")
    turn_secret = cfg.get_secret("turnSecret")
    if cfg.get("turnUrls") and turn_secret is None:
        raise ValueError("parley:turnUrls needs parley:turnSecret (the gateway refuses to start)")
    arch = cfg.get("cpuArchitecture") or "X86_64"
    spot = bool(cfg.get_bool("fargateSpot"))
    check_capacity(arch, spot)
    scale = _scale(cfg.get_object("services") or {})
    insights = cfg.get_bool("containerInsights")
    insights = True if insights is None else insights
    check_container_insights(insights, scale)
    livekit_domain = cfg.require("livekitDomain")
    turn_domain = lk.get("turnDomain") or None
    check_turn_domain(turn_domain, livekit_domain)
    waiting = _int_or(cfg, "waitingPartitions", 1)
    waiting_also_read = _int_or(cfg, "waitingPartitionsAlsoRead", 0)
    check_waiting_partitions(waiting, waiting_also_read)
    drain = int(lk.get("drainSeconds", 1200))
    if not 300 <= drain <= 3600:  # the NLB's deregistration delay tops out at an hour
        raise ValueError("parley:livekit.drainSeconds must be within 300..3600")
    return Settings(
        stack=stack,
        prefix=f"parley-{stack}",
        region=region,
        app_domain=cfg.require("appDomain"),
        api_domain=cfg.require("apiDomain"),
        livekit_domain=livekit_domain,
        websocket_domain=cfg.get("websocketDomain"),
        certificate_arn=cfg.require("certificateArn"),
        cloudfront_certificate_arn=cfg.require("cloudfrontCertificateArn"),
        hosted_zone_id=cfg.get("hostedZoneId"),
        auth_domain_prefix=cfg.get("authDomainPrefix") or f"parley-{stack}",
        google_client_id=cfg.require("googleClientId"),
        google_client_secret=cfg.require_secret("googleClientSecret"),
        livekit_api_key=cfg.require("livekitApiKey"),
        livekit_api_secret=cfg.require_secret("livekitApiSecret").apply(check_livekit_secret),
        turn_urls=cfg.get("turnUrls") or "",
        turn_secret=turn_secret,
        pseudonym_key_generation=cfg.get_int("pseudonymKeyGeneration") or 1,
        image_tag=cfg.require("imageTag"),
        log_level=log_level,
        log_retention_days=cfg.get_int("logRetentionDays") or 30,
        vpc_cidr=cfg.get("vpcCidr") or "10.40.0.0/16",
        nat_gateways=nat,
        point_in_time_recovery=bool(cfg.get_bool("pointInTimeRecovery")),
        deletion_protection=bool(cfg.get_bool("deletionProtection")),
        scale=scale,
        cpu_architecture=arch,
        fargate_spot=spot,
        container_insights=insights,
        livekit=LiveKit(
            instance_type=lk.get("instanceType", "c6i.large"),
            min_nodes=int(lk.get("minNodes", 1)),
            max_nodes=int(lk.get("maxNodes", 2)),
            version=lk.get("version", "v1.9.11"),
            drain_seconds=drain,
            turn_domain=turn_domain,
            redis_node_type=redis.get("nodeType", "cache.t4g.micro"),
            redis_replicas=int(redis.get("replicas", 0)),
        ),
        alarm_email=cfg.get("alarmEmail"),
        runbook_url=cfg.get("runbookUrl") or "docs/runbook.md",
        daily_points=cfg.get_int("dailyPoints") or 15,
        session_minutes=cfg.get_int("sessionMinutes") or 15,
        invite_timeout_s=cfg.get_int("inviteTimeoutS") or 60,
        day_timezone=cfg.get("dayTimezone") or "UTC",
        waiting_partitions=waiting,
        waiting_partitions_also_read=waiting_also_read,
    )
