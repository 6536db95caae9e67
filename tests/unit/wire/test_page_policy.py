"""The page's CSP: strict by default, and only the deployment's own origins to connect to."""

from __future__ import annotations

import pytest

from services.wire.page_policy import PERMISSIONS_POLICY, content_security_policy, origin


def directives(csp: str) -> dict[str, list[str]]:
    parts = (d.split() for d in csp.split(";"))
    return {p[0]: p[1:] for p in parts if p}


def test_scripts_and_styles_come_only_from_the_page_itself() -> None:
    d = directives(content_security_policy([]))
    assert d["default-src"] == ["'self'"]
    assert d["script-src"] == ["'self'"]
    assert d["style-src"] == ["'self'"]
    assert d["frame-ancestors"] == ["'none'"]
    assert d["object-src"] == ["'none'"]
    assert d["base-uri"] == ["'none'"]
    assert d["connect-src"] == ["'self'"]
    assert not any("unsafe" in v or v == "*" for vs in d.values() for v in vs)


def test_connect_src_lists_exactly_the_origins_given() -> None:
    csp = content_security_policy(
        [
            "wss://abc123.execute-api.eu-west-1.amazonaws.com/prod",
            "parley-prod.auth.eu-west-1.amazoncognito.com",
            "wss://media.parley.example",
            "https://media.parley.example/rtc",
            "/v1/ws",  # relative: the page's own origin already
            "",
        ]
    )
    assert directives(csp)["connect-src"] == [
        "'self'",
        "wss://abc123.execute-api.eu-west-1.amazonaws.com",
        "https://parley-prod.auth.eu-west-1.amazoncognito.com",
        "wss://media.parley.example",
        "https://media.parley.example",
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        "https://a.example; script-src *",
        "javascript:alert(1)",
        "data:text/html,x",
        "https://a.example 'unsafe-inline'",
        "https://user@evil.example'",
    ],
)
def test_a_setting_cannot_smuggle_a_directive_or_a_scheme(hostile: str) -> None:
    d = directives(content_security_policy([hostile]))
    assert d["script-src"] == ["'self'"]
    assert all(v == "'self'" or v.startswith(("http", "ws")) for v in d["connect-src"])
    assert not any("unsafe" in v or v == "*" for v in d["connect-src"])


def test_origins_keep_scheme_host_and_port_only() -> None:
    assert origin("http://127.0.0.1:5000/us-east-1_x") == "http://127.0.0.1:5000"
    assert origin("ws://127.0.0.1:8080/v1/ws?token=x") == "ws://127.0.0.1:8080"
    assert origin("ftp://files.example") is None


def test_camera_microphone_and_screen_sharing_are_the_pages_alone() -> None:
    assert "camera=(self)" in PERMISSIONS_POLICY
    assert "microphone=(self)" in PERMISSIONS_POLICY
    # Sharing a screen in a call: the page's own origin may ask, nothing embedded may.
    assert "display-capture=(self)" in PERMISSIONS_POLICY
    assert "geolocation=()" in PERMISSIONS_POLICY
