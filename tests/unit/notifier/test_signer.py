"""The notifier's lean SigV4 signer gives the very headers botocore's `SigV4Auth` gives."""

from __future__ import annotations

from datetime import UTC, datetime

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.delivery import Signer

NOW = datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)
WITH_TOKEN = ReadOnlyCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLE", "tok/en=")
WITHOUT_TOKEN = ReadOnlyCredentials("AKIDEXAMPLE", "secret", None)
ENDPOINTS = [
    "https://abc123.execute-api.eu-west-1.amazonaws.com/live",
    "https://ws.example.com",
    "http://127.0.0.1:8080",
    "http://localhost:80/stage/",
]


def botocore_headers(
    url: str, body: bytes, credentials: ReadOnlyCredentials, region: str
) -> dict[str, str]:
    request = AWSRequest(method="POST", url=url, data=body)
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return {k: v for k, v in request.headers.items() if k.lower() != "host"}


@pytest.fixture(autouse=True)
def frozen_botocore_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("credentials", [WITH_TOKEN, WITHOUT_TOKEN], ids=["token", "no-token"])
def test_headers_match_botocore_for_each_kind_of_endpoint(
    endpoint: str, credentials: ReadOnlyCredentials
) -> None:
    signer = Signer(endpoint, "eu-west-1")
    for connection_id in ("L0SM9cOFvHcCIhw=", "a+b/c=", "plain"):
        url = signer.url(connection_id)
        ours = signer.headers(connection_id, b'{"type":"x"}', credentials, NOW)
        assert ours == botocore_headers(url, b'{"type":"x"}', credentials, "eu-west-1")


@settings(max_examples=150, deadline=None)
@given(
    connection_id=st.text(min_size=1, max_size=40),
    body=st.binary(max_size=300),
    region=st.sampled_from(["us-east-1", "eu-central-1", "ap-southeast-2"]),
)
def test_any_connection_id_and_body_are_signed_as_botocore_signs_them(
    connection_id: str, body: bytes, region: str
) -> None:
    signer = Signer(ENDPOINTS[0], region)
    ours = signer.headers(connection_id, body, WITH_TOKEN, NOW)
    assert ours == botocore_headers(signer.url(connection_id), body, WITH_TOKEN, region)


def test_a_new_day_or_a_new_secret_gets_a_new_signing_key() -> None:
    signer = Signer(ENDPOINTS[0], "us-east-1")
    today = signer.headers("c", b"", WITH_TOKEN, NOW)["Authorization"]
    tomorrow = signer.headers("c", b"", WITH_TOKEN, NOW.replace(day=2))["Authorization"]
    rotated = ReadOnlyCredentials("AKIDEXAMPLE", "rotated-secret", "tok/en=")
    other = signer.headers("c", b"", rotated, NOW)["Authorization"]
    assert len({today, tomorrow, other}) == 3
    assert "/20260302/us-east-1/execute-api/aws4_request" in tomorrow
