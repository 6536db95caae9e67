"""The embedded AWS's fault layer: which calls it refuses, with what, and what it counts."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from services.devstack.faults import PATH, Config, Faults

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAX/20261130/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=abc"
)


def _call(operation: str, params: dict[str, Any], signed: bool = True) -> dict[str, Any]:
    body = json.dumps(params).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    if signed:
        environ["HTTP_AUTHORIZATION"] = AUTH
    return environ


class Moto:
    """Stands in for moto's dispatcher: answers 200 and keeps the bodies it was handed."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.bodies.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b"{}"]


def _answer(layer: Faults, environ: dict[str, Any], app: Any) -> tuple[str, dict[str, Any]]:
    seen: list[str] = []
    body = b"".join(layer(environ, lambda status, headers: seen.append(status), app))
    return seen[0], json.loads(body or b"{}")


TX = {"TransactItems": [{"Put": {"TableName": "p-a"}}, {"Update": {"TableName": "p-b"}}]}


def test_off_by_default_and_from_the_environment() -> None:
    assert not Config.from_env({}).active
    config = Config.from_env(
        {
            "PARLEY_FAULT_DYNAMODB_THROTTLE": "0.05",
            "PARLEY_FAULT_DELAY_MS": "20",
            "PARLEY_FAULT_SEED": "3",
            "PARLEY_FAULT_TABLE_PREFIX": "p-",
        }
    )
    assert (config.throttle, config.delay_ms, config.seed, config.table_prefix) == (
        0.05,
        20,
        3,
        "p-",
    )
    with pytest.raises(ValueError, match="share between 0 and 1"):
        Config.from_env({"PARLEY_FAULT_DYNAMODB_THROTTLE": "5"})  # a share, not a percentage


def test_a_throttled_single_call_gets_dynamodbs_own_error_and_never_reaches_moto() -> None:
    moto = Moto()
    layer = Faults(Config(throttle=1.0, seed=1))
    codes = set()
    for _ in range(20):
        status, body = _answer(layer, _call("GetItem", {"TableName": "p-a"}), moto)
        assert status == "400 Bad Request"
        codes.add(body["__type"].rsplit("#", 1)[-1])
        assert body["message"]
    assert codes == {"ProvisionedThroughputExceededException", "ThrottlingException"}
    assert moto.bodies == []


def test_a_throttled_transaction_is_cancelled_for_one_item_with_the_reasons_in_order() -> None:
    layer = Faults(Config(throttle=1.0, seed=2))
    status, body = _answer(layer, _call("TransactWriteItems", TX), Moto())
    assert status == "400 Bad Request"
    assert body["__type"].endswith("#TransactionCanceledException")
    codes = [r["Code"] for r in body["CancellationReasons"]]
    assert sorted(codes) == ["None", "ThrottlingError"]
    assert f"[{', '.join(codes)}]" in body["Message"]


def test_crossed_transactions_are_their_own_share() -> None:
    layer = Faults(Config(conflict=1.0, seed=3))
    _, body = _answer(layer, _call("TransactWriteItems", TX), Moto())
    assert sorted(r["Code"] for r in body["CancellationReasons"]) == ["None", "TransactionConflict"]
    status, _ = _answer(layer, _call("PutItem", {"TableName": "p-a"}), Moto())
    assert status == "200 OK"  # only transactions cross


def test_control_plane_unsigned_and_other_tables_calls_pass_untouched_with_their_body() -> None:
    moto = Moto()
    layer = Faults(Config(throttle=1.0, table_prefix="p-"))
    for environ in (
        _call("CreateTable", {"TableName": "p-a"}),
        _call("DescribeTable", {"TableName": "p-a"}),
        _call("GetItem", {"TableName": "q-a"}),
        _call("GetItem", {"TableName": "p-a"}, signed=False),
    ):
        status, _ = _answer(layer, environ, moto)
        assert status == "200 OK"
    assert [json.loads(b)["TableName"] for b in moto.bodies] == ["p-a", "p-a", "q-a", "p-a"]


def test_about_the_share_asked_is_refused_and_counted() -> None:
    layer = Faults(Config(throttle=0.3, seed=4))
    refused = sum(
        _answer(layer, _call("GetItem", {"TableName": "p-a"}), Moto())[0] != "200 OK"
        for _ in range(1000)
    )
    assert 250 < refused < 350
    state = layer.state()
    assert state["throttled"] == refused
    assert state["examined"] == 1000
    assert sum(state["injected"].values()) == refused


def test_delays_answers_and_the_admin_path_switches_it_all_at_run_time() -> None:
    slept: list[float] = []
    layer = Faults(Config(), sleep=slept.append)
    admin = {"PATH_INFO": PATH, "REQUEST_METHOD": "POST"}
    body = json.dumps({"delay_ms": 40, "throttle": 0.0}).encode()
    admin |= {"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    status, state = _answer(layer, admin, None)
    assert (status, state["config"]["delay_ms"]) == ("200 OK", 40)
    assert _answer(layer, _call("GetItem", {"TableName": "p-a"}), Moto())[0] == "200 OK"
    assert slept == [0.04]
    assert layer.state()["delayed"] == 1
    off = json.dumps({"delay_ms": 0, "reset": True}).encode()
    reset = {"PATH_INFO": PATH, "REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(off))}
    _, state = _answer(layer, reset | {"wsgi.input": io.BytesIO(off)}, None)
    assert (state["delayed"], state["config"]["delay_ms"]) == (0, 0)
    bad = json.dumps({"throttle": 2}).encode()
    refused = {"PATH_INFO": PATH, "REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(bad))}
    status, _ = _answer(layer, refused | {"wsgi.input": io.BytesIO(bad)}, None)
    assert status == "400 Bad Request"
