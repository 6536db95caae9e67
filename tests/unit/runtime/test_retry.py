"""Which failures are transient, and how long a failing message may hold its group back."""

from __future__ import annotations

import random

import aiohttp
import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from services.runtime.consumer import ConsumerOptions
from services.runtime.retry import RetryPolicy, is_transient
from services.wire.topology import MAX_RECEIVE_COUNT, topology


def _client_error(code: str, status: int = 400, **extra: object) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": "x"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response | extra, "Op")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "exc",
    [
        _client_error("ThrottlingException"),
        _client_error("ProvisionedThroughputExceededException"),
        _client_error("RequestLimitExceeded"),
        _client_error("InternalServerError", 500),
        _client_error("Whatever", 503),
        _client_error("SlowDown", 503),
        _client_error(
            "TransactionCanceledException",
            CancellationReasons=[{"Code": "None"}, {"Code": "TransactionConflict"}],
        ),
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:9"),
        ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"),
        aiohttp.ServerDisconnectedError(),
        TimeoutError(),
        ConnectionResetError(),
    ],
)
def test_outages_are_transient(exc: BaseException) -> None:
    assert is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [
        _client_error("ConditionalCheckFailedException"),
        _client_error("ValidationException"),
        _client_error("AccessDeniedException", 403),
        _client_error(
            "TransactionCanceledException",
            CancellationReasons=[{"Code": "ConditionalCheckFailed"}, {"Code": "None"}],
        ),
        ValueError("bad"),
        KeyError("k"),
    ],
)
def test_the_message_s_own_errors_are_not(exc: BaseException) -> None:
    assert not is_transient(exc)


def test_transient_failures_back_off_to_minutes_others_give_up_in_seconds() -> None:
    policy = ConsumerOptions().policy()
    assert 5 * 60 <= policy.worst_case_s(transient=True) <= 15 * 60
    assert policy.worst_case_s(transient=False) <= 30
    delays = [policy.delay(n, True, random.Random(1)) for n in range(1, 12)]
    assert all(d is not None for d in delays)
    assert max(d for d in delays if d is not None) > 60  # minutes apart at the end
    assert policy.delay(policy.transient_attempts, True) is None
    assert policy.delay(policy.attempts, False) is None


def test_jitter_only_shortens_and_stays_within_its_share() -> None:
    policy = RetryPolicy(jitter=0.2)
    rng = random.Random(7)
    for n in range(1, 8):
        d = policy.delay(n, True, rng)
        full = min(policy.transient_cap_s, policy.base_s * 2 ** (n - 1))
        assert d is not None
        assert 0.8 * full <= d <= full


def test_the_redrive_is_a_backstop_for_restarts_not_the_retry_budget() -> None:
    # A message is received once per process holding it (attempts happen in process), so
    # the redrive counts restarts and releases: it must allow several, on every queue.
    queues = topology("parley-test").queues
    assert {q.max_receive_count for q in queues} == {MAX_RECEIVE_COUNT}
    assert MAX_RECEIVE_COUNT >= 10
