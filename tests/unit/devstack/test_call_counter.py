"""The embedded AWS's call count: who called, which operation, on which table."""

from __future__ import annotations

import io
import json
import time
from typing import Any

from services.devstack.call_counter import PATH, CallCounter, caller

AUTH = (
    "AWS4-HMAC-SHA256 Credential={key}/20261130/us-east-1/{svc}/aws4_request, "
    "SignedHeaders=host, Signature=abc"
)


def _request(key: str, svc: str, body: bytes, **headers: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "HTTP_AUTHORIZATION": AUTH.format(key=key, svc=svc),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **headers,
    }


def _app(seen: list[bytes]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b"{}"]

    return app


def _counts(counter: CallCounter) -> dict[str, int]:
    body = counter({"PATH_INFO": PATH}, lambda *_: None, None)
    calls: dict[str, int] = json.loads(b"".join(body))["calls"]
    return calls


def test_a_service_key_names_the_service_and_the_admin_key_names_tools() -> None:
    assert caller("AKIAPARLEYMATCHERXXX") == "matcher"
    assert caller("AKIAPARLEYGATEWAYXXX") == "gateway"
    assert caller("AKIAPARLEYLOCALADMIN") == "tools"
    assert caller("parley-local") == "other"


def test_calls_are_counted_by_caller_operation_and_table_and_moto_still_reads_the_body() -> None:
    counter, seen = CallCounter(), []
    get = b'{"TableName": "parley-dev-matcher-sessions", "Key": {}}'
    publish = b"Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At&Message=x"
    target = {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.GetItem"}
    for _ in range(2):
        counter(_request("AKIAPARLEYGATEWAYXXX", "dynamodb", get, **target), print, _app(seen))
    form = {"CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8"}
    counter(_request("AKIAPARLEYMATCHERXXX", "sns", publish, **form), print, _app(seen))
    receive = {"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}
    counter(_request("AKIAPARLEYLEDGERXXXX", "sqs", b"{}", **receive), print, _app(seen))

    assert _counts(counter) == {
        "gateway dynamodb GetItem@matcher-sessions": 2,
        "matcher sns Publish": 1,
        "ledger sqs ReceiveMessage": 1,
    }
    assert seen == [get, get, publish, b"{}"]


def test_an_unsigned_request_is_passed_on_uncounted() -> None:
    counter, seen = CallCounter(), []
    counter({"PATH_INFO": "/moto-api/", "wsgi.input": io.BytesIO(b"")}, print, _app(seen))
    assert seen == [b""]
    assert _counts(counter) == {}


def test_the_server_time_and_cpu_of_each_kind_of_call_are_added_up() -> None:
    counter = CallCounter()

    def slow(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        deadline = time.thread_time() + 0.02
        while time.thread_time() < deadline:  # CPU, as moto's parsing and lookups are
            pass
        start_response("200 OK", [])
        return [b"{}"]

    target = {"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}
    for _ in range(2):
        counter(_request("AKIAPARLEYLEDGERXXXX", "sqs", b"{}", **target), print, slow)
    body = json.loads(b"".join(counter({"PATH_INFO": PATH}, lambda *_: None, None)))

    key = "ledger sqs ReceiveMessage"
    assert body["calls"] == {key: 2}
    assert body["cpu"][key] >= 0.04
    assert body["seconds"][key] >= body["cpu"][key] * 0.9
