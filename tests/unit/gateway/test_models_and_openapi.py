"""Request bodies are strict, responses keep the documented shapes, the document is whole."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.gateway.api import OPERATIONS
from services.gateway.app import create_app
from services.gateway.http.openapi import document
from services.gateway.http.problems import DEFAULT_CODES
from services.gateway.models import (
    InviteIn,
    Me,
    Points,
    Preferences,
    PreferencesIn,
    ReportIn,
    SignalIn,
    TicketView,
)
from services.gateway.settings import GatewaySettings

API_MD = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def test_preferences_take_language_codes_dedupe_them_and_refuse_the_rest() -> None:
    prefs = PreferencesIn.model_validate({"speaks": ["en", "en", "pt-BR"], "learns": ["es"]})
    assert prefs.speaks == ["en", "pt-BR"]
    for bad in (
        {"speaks": ["English"], "learns": []},
        {"speaks": ["en"] * 9, "learns": []},
        {"speaks": "en", "learns": []},
        {"speaks": [], "learns": [], "name": "\x00evil"},
        {"speaks": [], "learns": [], "name": " " * 3},
        {"speaks": [], "learns": [], "name": "x" * 65},
        {"speaks": [], "learns": [], "extra": 1},
        {"speaks": []},
    ):
        with pytest.raises(ValidationError):
            PreferencesIn.model_validate(bad)


def test_requests_take_only_the_documented_camel_case_names() -> None:
    assert InviteIn.model_validate({"to": "bob"}).to == "bob"
    with pytest.raises(ValidationError):
        ReportIn.model_validate({"user_id": "bob", "reason": "spam"})
    with pytest.raises(ValidationError):
        ReportIn.model_validate({"userId": "bob", "reason": "rude"})
    with pytest.raises(ValidationError):
        SignalIn.model_validate({"kind": "offer", "data": "v=0"})
    with pytest.raises(ValidationError):
        InviteIn.model_validate({"to": "../../etc"})


def test_me_keeps_null_ticket_and_session_but_drops_unset_optionals() -> None:
    me = Me(
        user_id="u",
        email="u@example.com",
        name="U",
        preferences=Preferences(speaks=[], learns=[]),
        points=Points(left=15, used=0, held=0, resets_at="2026-01-01T00:00:00Z"),
        ticket=None,
        session=None,
        invites=[],
    ).model_dump(mode="json")
    assert me["ticket"] is None
    assert me["session"] is None
    assert "name" not in me["preferences"]
    assert set(me) == {
        "userId",
        "email",
        "name",
        "preferences",
        "points",
        "ticket",
        "session",
        "invites",
    }
    assert TicketView(ticket_id="t", status="requested").model_dump(mode="json") == {
        "ticketId": "t",
        "status": "requested",
    }


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document(OPERATIONS)


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    assert doc["openapi"] == "3.1.0"
    validator.validate(doc)


def test_every_route_the_app_serves_is_documented_and_vice_versa(doc: dict[str, Any]) -> None:
    app = create_app(GatewaySettings())
    served = {
        (r.method, r.resource.canonical)
        for r in app.router.routes()
        if r.resource is not None and r.method != "HEAD"
    }
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    mine = {(op.method, op.path) for op in OPERATIONS if op.bind() is not None}
    assert mine <= served
    assert mine <= documented
    # The real-time module's routes are documented here even though it serves them.
    assert {("GET", "/v1/presence"), ("GET", "/v1/ws")} <= documented


def test_every_problem_code_is_in_the_public_contract(doc: dict[str, Any]) -> None:
    text = API_MD.read_text()
    codes = {c for op in OPERATIONS for _, c in op.problems} | set(DEFAULT_CODES.values())
    codes |= {"invalid-json", "validation-failed", "unauthorized", "rate-limited"}
    missing = sorted(c for c in codes if f"`{c}`" not in text)
    assert missing == []


def test_intent_routes_answer_202_and_person_routes_need_a_token(doc: dict[str, Any]) -> None:
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if path.startswith("/v1/") and path not in ("/v1/config", "/v1/openapi.json", "/v1/ws"):
                assert op["security"] == [{"cognitoIdToken": []}], (method, path)
                assert "401" in op["responses"], (method, path)
            if method in ("post", "delete") and re.match(r"^/v1/(queue|invites)", path):
                assert "202" in op["responses"], (method, path)


def test_config_tells_the_spa_how_to_sign_in_locally_or_through_the_hosted_ui() -> None:
    from services.gateway.api import config_body

    local = config_body(
        GatewaySettings(cognito_endpoint_url="http://127.0.0.1:4566", cognito_client_id="c")
    ).model_dump(mode="json")
    assert local["auth"]["mode"] == "local"
    assert local["auth"]["endpoint"] == "http://127.0.0.1:4566"
    assert "hostedUiDomain" not in local["auth"]
    hosted = config_body(
        GatewaySettings(
            auth_mode="hosted",
            cognito_hosted_ui_domain="auth.parley.example",
            public_url="https://parley.example/",
            media_mode="livekit",
            livekit_url="wss://media.parley.example",
            livekit_api_key="k",
            livekit_api_secret="s" * 32,
        )
    ).model_dump(mode="json")
    assert hosted["auth"]["mode"] == "hosted"
    assert hosted["auth"]["hostedUiDomain"] == "auth.parley.example"
    assert hosted["auth"]["redirectUri"] == "https://parley.example/"
    assert "endpoint" not in hosted["auth"]
    assert hosted["media"] == {"mode": "livekit"}
