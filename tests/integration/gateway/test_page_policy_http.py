"""The page is served with a strict CSP built from the deployment's settings."""

from __future__ import annotations

from tests.conftest import Stack
from tests.integration.gateway.conftest import Gateway, running_gateway
from tests.unit.gateway.forge import JwksServer


def directives(csp: str) -> dict[str, list[str]]:
    parts = (d.split() for d in csp.split(";"))
    return {p[0]: p[1:] for p in parts if p}


async def _page_headers(gw: Gateway, path: str = "/") -> dict[str, str]:
    resp = await gw.client.get(path)
    await resp.read()
    assert resp.status == 200
    return dict(resp.headers)


async def test_the_page_allows_only_its_own_scripts_and_the_stacks_origins(gw: Gateway) -> None:
    for path in ("/", "/session/abc"):  # the app and a deep link into it
        headers = await _page_headers(gw, path)
        d = directives(headers["Content-Security-Policy"])
        assert d["default-src"] == ["'self'"]
        assert d["script-src"] == ["'self'"]
        assert d["frame-ancestors"] == ["'none'"]
        assert d["connect-src"] == ["'self'", "ws://127.0.0.1:8080"]
        assert "camera=(self)" in headers["Permissions-Policy"]


async def test_in_aws_the_page_may_reach_the_hosted_sign_in_and_livekit(
    gw_stack: Stack, jwks_server: JwksServer
) -> None:
    async with running_gateway(
        gw_stack,
        jwks_server,
        auth_mode="hosted",
        cognito_hosted_ui_domain="parley-dev.auth.us-east-1.amazoncognito.com",
        websocket_url="wss://ws.parley.example/prod",
        media_mode="livekit",
        livekit_url="wss://media.parley.example",
    ) as gw:
        d = directives((await _page_headers(gw))["Content-Security-Policy"])
    assert d["connect-src"] == [
        "'self'",
        "wss://ws.parley.example",
        "https://parley-dev.auth.us-east-1.amazoncognito.com",
        "wss://media.parley.example",
        "https://media.parley.example",
    ]
