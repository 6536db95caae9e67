"""The WebSocket API reaches the gateway's edge; only the notifier pushes to browsers."""

from __future__ import annotations

import json

from tests.infra.infra_harness import Built

INTEGRATION = "aws:apigatewayv2/integration:Integration"


def _routes(built: Built) -> dict[str, dict]:
    integrations = {r.id: r.inputs for r in built.of_type(INTEGRATION)}
    return {
        r.inputs["routeKey"]: integrations[r.inputs["target"].removeprefix("integrations/")]
        for r in built.of_type("aws:apigatewayv2/route:Route")
    }


def test_websocket_routes_reach_the_gateway_edge(infra_stack: Built) -> None:
    (api,) = infra_stack.of_type("aws:apigatewayv2/api:Api")
    assert api.inputs["protocolType"] == "WEBSOCKET"
    api_url = f"https://{infra_stack.config['parley:apiDomain']}"
    routes = _routes(infra_stack)
    assert {k: v["integrationUri"] for k, v in routes.items()} == {
        "$connect": f"{api_url}/ws-edge/connect",
        "$disconnect": f"{api_url}/ws-edge/disconnect",
        "$default": f"{api_url}/ws-edge/message",
    }
    for integration in routes.values():
        assert integration["integrationType"] == "HTTP_PROXY"
        assert integration["integrationMethod"] == "POST"


def test_every_route_carries_the_connection_id_and_no_secret(infra_stack: Built) -> None:
    for key, integration in _routes(infra_stack).items():
        params = integration["requestParameters"]
        assert params["integration.request.header.X-Connection-Id"] == "context.connectionId", key
        # Only values API Gateway computes per request: no static value (a quoted string),
        # no stage variable — anything else would be readable in the API's configuration.
        for target, source in params.items():
            assert source.startswith(("context.", "route.request.")), (key, target, source)


def test_connect_passes_the_token_from_the_query_string(infra_stack: Built) -> None:
    params = _routes(infra_stack)["$connect"]["requestParameters"]
    assert params["integration.request.querystring.token"] == "route.request.querystring.token"
    # API Gateway maps a route parameter only if the route declares it.
    (connect,) = [
        r
        for r in infra_stack.of_type("aws:apigatewayv2/route:Route")
        if r.inputs["routeKey"] == "$connect"
    ]
    assert connect.inputs["requestParameters"] == [
        {"requestParameterKey": "route.request.querystring.token", "required": True}
    ]


def test_default_route_answers_the_browser(infra_stack: Built) -> None:
    (default,) = [
        r
        for r in infra_stack.of_type("aws:apigatewayv2/route:Route")
        if r.inputs["routeKey"] == "$default"
    ]
    assert default.inputs["routeResponseSelectionExpression"] == "$default"
    assert infra_stack.of_type("aws:apigatewayv2/routeResponse:RouteResponse")


def test_only_the_notifier_and_the_gateway_may_manage_connections_on_this_api(
    infra_stack: Built,
) -> None:
    (api,) = infra_stack.of_type("aws:apigatewayv2/api:Api")
    holders = {}
    for r in infra_stack.of_type("aws:iam/rolePolicy:RolePolicy"):
        for st in json.loads(r.inputs["policy"])["Statement"]:
            if any(a.startswith("execute-api:") for a in st["Action"]):
                holders[r.inputs["role"]] = st["Resource"]
    execution_arn = api.outputs["executionArn"]
    connections = [f"{execution_arn}/live/*/@connections/*"]
    # The notifier posts to sockets; the gateway deletes a socket whose token expired.
    assert holders == {
        "parley-dev-notifier-task": connections,
        "parley-dev-gateway-task": connections,
    }
