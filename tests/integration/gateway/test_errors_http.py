"""Whatever is sent, the answer is a documented problem body: never a bare 500 or HTML page."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.conftest import Stack
from tests.integration.gateway.conftest import Gateway, new_user, running_gateway
from tests.unit.gateway.forge import JwksServer

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"{'speaks': []}",
        b'{"speaks": ["en"], "learns": [NaN]}',
        b'{"speaks": [1e999], "learns": []}',
        b"\xff\xfe not utf-8",
        b"[" * 2000 + b"]" * 2000,
    ],
)
async def test_malformed_json_is_a_400_invalid_json(gw: Gateway, raw: bytes) -> None:
    answer = await gw.call("PUT", "/v1/me/preferences", new_user(), data=raw, headers=JSON)
    assert answer.status == 400
    assert answer.code == "invalid-json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"speaks": "en", "learns": []}, "speaks"),
        ({"speaks": ["en"], "learns": [42]}, "learns.0"),
        ({"speaks": ["english!"], "learns": []}, "speaks.0"),
        ({"speaks": [], "learns": [], "favouriteColour": "blue"}, "favouriteColour"),
        ({"learns": []}, "speaks"),
        (["en"], "(body)"),
    ],
)
async def test_wrong_types_and_unknown_fields_are_a_400_naming_the_field(
    gw: Gateway, body: object, field: str
) -> None:
    answer = await gw.call("PUT", "/v1/me/preferences", new_user(), body=body)
    assert answer.status == 400
    assert answer.code == "validation-failed"
    assert field in [e["field"] for e in answer.body["errors"]]


async def test_an_unknown_field_is_named_as_such(gw: Gateway) -> None:
    answer = await gw.call("POST", "/v1/queue", new_user(), body={"pool": "en-es"})
    assert answer.status == 400
    assert answer.body["errors"] == [{"field": "pool", "message": "unknown field"}]


async def test_a_body_over_the_route_limit_is_a_413(gw: Gateway) -> None:
    big = {"speaks": ["en"], "learns": ["es"], "name": "x" * 10_000}
    answer = await gw.call("PUT", "/v1/me/preferences", new_user(), body=big)
    assert answer.status == 413
    assert answer.code == "body-too-large"


async def test_a_body_over_the_app_limit_is_a_413_even_when_streamed(gw: Gateway) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 1024

    async with gw.client.post(
        "/v1/sessions/s1/signal", data=chunks(), headers={**gw.bearer(new_user()), **JSON}
    ) as resp:
        assert resp.status == 413
        assert (await resp.json(content_type=None))["code"] == "body-too-large"


async def test_a_body_that_is_not_json_is_a_415(gw: Gateway) -> None:
    answer = await gw.call(
        "PUT",
        "/v1/me/preferences",
        new_user(),
        data="speaks=en",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status == 415
    assert answer.code == "unsupported-media-type"


async def test_unknown_api_paths_and_methods_are_problems_too(gw: Gateway) -> None:
    missing = await gw.call("GET", "/v1/nothing-here", new_user())
    assert missing.status == 404
    assert missing.code == "not-found"
    wrong = await gw.call("PATCH", "/v1/queue", new_user())
    assert wrong.status == 405
    assert wrong.code == "method-not-allowed"
    assert "POST" in wrong.headers["Allow"]


async def test_ids_that_cannot_exist_are_simply_not_found(gw: Gateway) -> None:
    answer = await gw.call("POST", "/v1/sessions/..%2F..%2Fetc/join", new_user())
    assert answer.status == 404


async def test_every_answer_has_a_request_id_and_safe_headers(gw: Gateway) -> None:
    mine = await gw.call("GET", "/v1/config", headers={"X-Request-Id": "trace-12345678"})
    assert mine.headers["X-Request-Id"] == "trace-12345678"
    fresh = await gw.call("GET", "/v1/config", headers={"X-Request-Id": "<script>"})
    assert len(fresh.headers["X-Request-Id"]) == 32
    for answer in (mine, await gw.call("GET", "/v1/nope", new_user())):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["Cache-Control"] == "no-store"


async def test_an_unexpected_exception_is_a_logged_500_problem_with_the_request_id(
    gw_stack: Stack, jwks_server: JwksServer, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_gateway(gw_stack, jwks_server) as gw:
        # A route that fails the way a bug would; it rides the app's real middlewares.
        async def broken(_: web.Request) -> web.Response:
            raise RuntimeError("a bug")

        gw.client.app.router._frozen = False  # type: ignore[union-attr]
        gw.client.app.router.add_get("/v1/broken", broken)  # type: ignore[union-attr]
        async with gw.client.get("/v1/broken", headers={"X-Request-Id": "req-00000001"}) as resp:
            body = await resp.json(content_type=None)
            assert resp.status == 500
            assert resp.content_type == "application/problem+json"
        assert body["code"] == "internal"
        assert body["requestId"] == "req-00000001"
        assert "a bug" not in str(body)
    logged = capsys.readouterr().out
    assert "http.unhandled" in logged
    assert "RuntimeError: a bug" in logged


async def test_health_and_config_need_no_sign_in(gw: Gateway) -> None:
    assert (await gw.call("GET", "/healthz")).body == {"status": "ok"}
    config = await gw.call("GET", "/v1/config")
    assert config.status == 200
    assert config.body["auth"]["mode"] == "local"
    assert config.body["auth"]["clientId"] == gw.settings.cognito_client_id
    assert config.body["media"] == {"mode": "direct"}
    assert config.body["limits"] == {"dailyPoints": 15, "sessionMinutes": 15, "inviteTimeoutS": 60}


async def test_an_intent_leaves_one_access_line_with_its_request_and_person(
    gw: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    me = new_user("ana")
    capsys.readouterr()
    await gw.call(
        "POST", "/v1/blocks", me, body={"userId": "x"}, headers={"X-Request-Id": "req-abcdefgh"}
    )
    await gw.call("GET", "/v1/config")  # a successful read: not logged unless at DEBUG
    lines = [line for line in capsys.readouterr().out.splitlines() if "http.request" in line]
    assert len(lines) == 1
    assert "request_id=req-abcdefgh" in lines[0]
    assert f"user_id={me}" in lines[0]
    assert "status=202" in lines[0]


async def test_the_openapi_document_is_served_without_sign_in(gw: Gateway) -> None:
    answer = await gw.call("GET", "/v1/openapi.json")
    assert answer.status == 200
    assert answer.body["openapi"] == "3.1.0"
    assert "/v1/sessions/{id}/join" in answer.body["paths"]
