"""What each service's container is told: `PARLEY_*` settings and the secrets ECS injects.

Every service runs `python -m services.<name>` from the one image. Secret values never appear
in a task definition: ECS fetches them from Secrets Manager (`valueFrom`) at start.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from parley_infra.config import Settings
from parley_infra.secrets import Secrets
from services.wire import Service

HTTP_PORT = 8080
# The only port on which the gateway answers API Gateway's /ws-edge/* (edge_link.py).
EDGE_PORT = 8081
HEALTH_PATH = "/healthz"
MEDIA_MODE = "livekit"


@dataclass(frozen=True)
class Endpoints:
    """Values other components know and the services need."""

    account_id: pulumi.Output[str]
    user_pool_id: pulumi.Output[str]
    client_id: pulumi.Output[str]
    hosted_ui_domain: str
    websocket_url: pulumi.Output[str]
    connections_url: pulumi.Output[str]


def command(svc: Service) -> list[str]:
    return ["python", "-m", f"services.{svc}"]


def environment(svc: Service, s: Settings, e: Endpoints) -> dict[str, pulumi.Input[str]]:
    env: dict[str, pulumi.Input[str]] = {
        "PARLEY_NAME_PREFIX": s.prefix,
        "PARLEY_AWS_REGION": s.region,
        "PARLEY_AWS_ACCOUNT_ID": e.account_id,
        "PARLEY_LOG_LEVEL": s.log_level,
        "PARLEY_DAILY_POINTS": str(s.daily_points),
        "PARLEY_SESSION_MINUTES": str(s.session_minutes),
        "PARLEY_INVITE_TIMEOUT_S": str(s.invite_timeout_s),
        "PARLEY_DAY_TIMEZONE": s.day_timezone,
    }
    if svc == Service.GATEWAY:
        env |= {
            "PARLEY_HTTP_HOST": "0.0.0.0",
            "PARLEY_HTTP_PORT": str(HTTP_PORT),
            "PARLEY_EDGE_PORT": str(EDGE_PORT),
            "PARLEY_AUTH_MODE": "hosted",
            "PARLEY_COGNITO_USER_POOL_ID": e.user_pool_id,
            "PARLEY_COGNITO_CLIENT_ID": e.client_id,
            "PARLEY_COGNITO_HOSTED_UI_DOMAIN": e.hosted_ui_domain,
            "PARLEY_PUBLIC_URL": s.public_url,
            "PARLEY_WEBSOCKET_URL": e.websocket_url,
            "PARLEY_MEDIA_MODE": MEDIA_MODE,
            "PARLEY_LIVEKIT_URL": s.livekit_wss_url,
            "PARLEY_TURN_URLS": s.turn_urls,
            # DeleteConnection on a socket whose token expired (the notifier posts there).
            "PARLEY_CONNECTIONS_ENDPOINT_URL": e.connections_url,
        }
    elif svc == Service.MATCHER:
        env |= {
            "PARLEY_MEDIA_MODE": MEDIA_MODE,
            "PARLEY_LIVEKIT_URL": s.livekit_https_url,
            # Only the matcher keeps the waiting set; during a resize it reads both counts.
            "PARLEY_WAITING_PARTITIONS": str(s.waiting_partitions),
            "PARLEY_WAITING_PARTITIONS_ALSO_READ": str(s.waiting_partitions_also_read),
        }
    elif svc == Service.NOTIFIER:
        env |= {"PARLEY_CONNECTIONS_ENDPOINT_URL": e.connections_url}
    return env


def secrets(svc: Service, sec: Secrets) -> dict[str, pulumi.Output[str]]:
    """Environment name → Secrets Manager reference (`arn` or `arn:jsonKey::`)."""
    livekit = {
        "PARLEY_LIVEKIT_API_KEY": sec.livekit_arn.apply(lambda a: f"{a}:apiKey::"),
        "PARLEY_LIVEKIT_API_SECRET": sec.livekit_arn.apply(lambda a: f"{a}:apiSecret::"),
    }
    if svc == Service.GATEWAY:
        # Only the gateway erases people, so only it holds the pseudonym key.
        out = dict(livekit, PARLEY_PSEUDONYM_SECRET=sec.pseudonym_arn)
        if sec.turn_arn is not None:
            out["PARLEY_TURN_SECRET"] = sec.turn_arn
        return out
    if svc == Service.MATCHER:
        return livekit
    return {}


def secret_arns(svc: Service, sec: Secrets) -> list[pulumi.Output[str]]:
    """The secrets a service's execution role may read (whole secrets, not JSON keys)."""
    arns: list[pulumi.Output[str]] = []
    if svc in (Service.GATEWAY, Service.MATCHER):
        arns.append(sec.livekit_arn)
    if svc == Service.GATEWAY:
        arns.append(sec.pseudonym_arn)
        if sec.turn_arn is not None:
            arns.append(sec.turn_arn)
    return arns
