"""Which AWS failures are "try again shortly" (503) and which are our own bug (500)."""

from __future__ import annotations

from botocore.exceptions import ClientError, EndpointConnectionError

from services.gateway.http.middleware import _transient


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "GetItem",
    )


def test_throttling_outages_and_unreachable_endpoints_are_transient() -> None:
    assert _transient(client_error("ProvisionedThroughputExceededException", 400))
    assert _transient(client_error("ThrottlingException", 400))
    assert _transient(client_error("InternalServerError", 500))
    assert _transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))


def test_a_malformed_request_of_ours_is_not_transient() -> None:
    assert not _transient(client_error("ValidationException", 400))
    assert not _transient(client_error("ResourceNotFoundException", 400))
