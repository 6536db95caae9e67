"""The real-time edge: an API Gateway WebSocket API in front of the gateway.

API Gateway holds the browsers' sockets. `$connect`, `$disconnect` and `$default` are HTTP
proxies through a VPC link (edge_link.py) to the gateway's edge port (`/ws-edge/...`),
carrying the connection id and the token (on connect) — and no secret: what proves a call
comes from API Gateway is the private way it takes. `$default` has a route response, so the
gateway's answer (`pong`) goes back to the browser. The notifier pushes messages with
`postToConnection` on the stage's `@connections` API; the gateway closes sockets whose token
expired with `DeleteConnection` there.
"""

from __future__ import annotations

import hashlib
import json

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings

STAGE = "live"
INTEGRATION_TIMEOUT_MS = 10_000

# route key → (path on the gateway, extra integration request parameters). A
# `route.request.querystring.X` source must also be declared on the route (`declared`).
ROUTES: dict[str, tuple[str, dict[str, str]]] = {
    "$connect": (
        "/ws-edge/connect",
        {"integration.request.querystring.token": "route.request.querystring.token"},
    ),
    "$disconnect": ("/ws-edge/disconnect", {}),
    "$default": ("/ws-edge/message", {}),
}


# Stage throttling per route, (burst, requests/s), sized from docs/capacity.md: at the peak
# 50,000 sockets ping every 25 s (2,000/s) and ~30 connect per second; new connections are
# capped at 500/s per account anyway. Twice the pings' need, so the stage never throttles a
# normal peak, and together 5,000/s of the account's 10,000 RPS, which leaves the rest to the
# notifier's `@connections` posts (~300/s at the peak): a flood on one route cannot take the
# budget every push shares. The gateway's own per-connection and per-person limits
# (services/gateway/http/edge_limits.py) are what stop one socket or one person.
ROUTE_THROTTLING: dict[str, tuple[int, float]] = {
    "$connect": (1_000, 500.0),
    "$disconnect": (1_000, 500.0),
    "$default": (4_000, 4_000.0),
}


def declared(extra: dict[str, str]) -> list[aws.apigatewayv2.RouteRequestParameterArgs]:
    """The route request parameters the integration's mapping reads (API Gateway requires it).

    Required: a `$connect` without a token is refused by API Gateway before the gateway runs.
    """
    return [
        aws.apigatewayv2.RouteRequestParameterArgs(request_parameter_key=source, required=True)
        for source in sorted(extra.values())
        if source.startswith("route.request.")
    ]


def parameters(extra: dict[str, str]) -> dict[str, str]:
    """What every route passes to the gateway, plus the route's own `extra`."""
    return {"integration.request.header.X-Connection-Id": "context.connectionId", **extra}


def redeployment(
    s: Settings, vpc_link_id: pulumi.Input[str], parts: list[pulumi.Resource]
) -> pulumi.Output[str]:
    """A digest of what the stage serves: the routes' and integrations' settings and ids (a
    replaced route or integration has a new id). Any change makes a new deployment."""
    ids = [p.id for p in parts if isinstance(p, pulumi.CustomResource)]
    settings = {
        key: {
            "uri": f"{s.api_url}{path}",
            "parameters": parameters(extra),
            "declared": sorted(extra.values()),
            "timeout": INTEGRATION_TIMEOUT_MS,
        }
        for key, (path, extra) in ROUTES.items()
    }
    return pulumi.Output.all(vpc_link_id, *ids).apply(
        lambda v: hashlib.sha256(
            json.dumps({"settings": settings, "ids": v}, sort_keys=True).encode()
        ).hexdigest()
    )


class Realtime(pulumi.ComponentResource):
    api_id: pulumi.Output[str]
    websocket_url: pulumi.Output[str]
    connections_url: pulumi.Output[str]  # the notifier's endpoint (https)
    connections_arn: pulumi.Output[str]  # what execute-api:ManageConnections may touch
    custom_domain: aws.apigatewayv2.DomainName | None

    def __init__(
        self,
        name: str,
        s: Settings,
        vpc_link_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("parley:infra:Realtime", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        api = aws.apigatewayv2.Api(
            f"{name}-ws",
            name=f"{s.prefix}-ws",
            protocol_type="WEBSOCKET",
            route_selection_expression="$request.body.action",
            description="Parley: browsers' WebSockets; the gateway answers, the notifier pushes",
            tags=s.tags(),
            opts=child,
        )
        parts: list[pulumi.Resource] = []  # what the deployment publishes
        for route_key, (path, extra) in ROUTES.items():
            slug = route_key.removeprefix("$")
            integration = aws.apigatewayv2.Integration(
                f"{name}-{slug}",
                api_id=api.id,
                integration_type="HTTP_PROXY",
                integration_method="POST",
                # Through the link to the edge NLB, whose certificate names apiDomain.
                connection_type="VPC_LINK",
                connection_id=vpc_link_id,
                integration_uri=f"{s.api_url}{path}",
                request_parameters=parameters(extra),
                timeout_milliseconds=INTEGRATION_TIMEOUT_MS,
                opts=child,
            )
            route = aws.apigatewayv2.Route(
                f"{name}-{slug}",
                api_id=api.id,
                route_key=route_key,
                authorization_type="NONE",  # the gateway verifies the token on $connect
                target=integration.id.apply(lambda i: f"integrations/{i}"),
                route_response_selection_expression="$default" if slug == "default" else None,
                request_parameters=declared(extra) or None,
                opts=child,
            )
            parts += [integration, route]
            if slug == "default":
                parts.append(
                    aws.apigatewayv2.RouteResponse(
                        f"{name}-{slug}",
                        api_id=api.id,
                        route_id=route.id,
                        route_response_key="$default",
                        opts=child,
                    )
                )
        # An explicit deployment, as AWS's WebSocket + VPC link samples have it (`auto_deploy`
        # is documented for HTTP APIs): made once every route and integration exists, and
        # made anew whenever one of them changes (`triggers`), then the stage points at it.
        deployment = aws.apigatewayv2.Deployment(
            f"{name}-deployment",
            api_id=api.id,
            description="Parley WebSocket routes and integrations",
            triggers={"redeployment": redeployment(s, vpc_link_id, parts)},
            opts=pulumi.ResourceOptions(parent=self, depends_on=parts),
        )
        stage = aws.apigatewayv2.Stage(
            f"{name}-{STAGE}",
            api_id=api.id,
            name=STAGE,
            deployment_id=deployment.id,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_burst_limit=1000, throttling_rate_limit=500
            ),
            route_settings=[
                aws.apigatewayv2.StageRouteSettingArgs(
                    route_key=key, throttling_burst_limit=burst, throttling_rate_limit=rate
                )
                for key, (burst, rate) in ROUTE_THROTTLING.items()
            ],
            tags=s.tags(),
            opts=child,
        )

        self.api_id = api.id
        self.connections_url = api.id.apply(
            lambda i: f"https://{i}.execute-api.{s.region}.amazonaws.com/{STAGE}"
        )
        self.connections_arn = api.execution_arn.apply(lambda a: f"{a}/{STAGE}/*/@connections/*")
        self.custom_domain = None
        if s.websocket_domain:
            self.custom_domain = aws.apigatewayv2.DomainName(
                f"{name}-domain",
                domain_name=s.websocket_domain,
                domain_name_configuration=aws.apigatewayv2.DomainNameDomainNameConfigurationArgs(
                    certificate_arn=s.certificate_arn,
                    endpoint_type="REGIONAL",
                    security_policy="TLS_1_2",
                ),
                tags=s.tags(),
                opts=child,
            )
            aws.apigatewayv2.ApiMapping(
                f"{name}-mapping",
                api_id=api.id,
                domain_name=self.custom_domain.domain_name,
                stage=stage.name,
                opts=child,
            )
            self.websocket_url = pulumi.Output.from_input(f"wss://{s.websocket_domain}")
        else:
            self.websocket_url = api.api_endpoint.apply(lambda e: f"{e}/{STAGE}")
        self.register_outputs({"websocketUrl": self.websocket_url})
