"""Throttling costs time, never state: the backoff inside its budget, what a cancelled
transaction means, and `transact` retrying what only says "not now"."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest
from botocore.exceptions import ClientError

from services.ledger.bookkeeping import TooContended
from services.runtime.consumer import ConsumerOptions
from services.runtime.dynamo import TransactionConflict, transact
from services.runtime.retry import (
    CALL_BUDGET_S,
    DYNAMODB_BACKOFF,
    DYNAMODB_MAX_ATTEMPTS,
    Backoff,
    Contended,
    RetriesSpent,
    classify_cancellation,
    is_transient,
)
from services.runtime.throttling import throttled_tables


class TopOfJitter(random.Random):
    def random(self) -> float:
        return 1.0


class BottomOfJitter(random.Random):
    def random(self) -> float:
        return 0.0


# -- the arithmetic ------------------------------------------------------------------------


def test_each_wait_is_a_full_jitter_draw_under_a_doubling_ceiling() -> None:
    b = Backoff(base_s=0.05, cap_s=2.0, budget_s=100)
    assert [b.ceiling(n) for n in range(1, 8)] == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0]
    assert b.delay(3, 0, TopOfJitter()) == pytest.approx(0.2)
    assert b.delay(3, 0, BottomOfJitter()) == 0.0
    rng = random.Random(7)
    draws = [b.delay(4, 0, rng) for _ in range(2000)]
    assert all(d is not None and 0 <= d <= 0.4 for d in draws)
    mean = sum(d for d in draws if d is not None) / len(draws)
    assert 0.17 < mean < 0.23  # uniform over [0, 0.4]: full jitter, not "ceiling minus a bit"


def test_the_budget_cuts_the_last_wait_and_then_ends_the_retries() -> None:
    b = Backoff(base_s=1.0, cap_s=8.0, budget_s=10.0)
    assert b.delay(4, elapsed_s=7.5, rng=TopOfJitter()) == pytest.approx(2.5)  # 8 s cut to 2.5
    assert b.delay(1, elapsed_s=10.0, rng=TopOfJitter()) is None
    assert b.delay(1, elapsed_s=12.0, rng=BottomOfJitter()) is None
    assert b.worst_case_s(3) == 1 + 2 + 4
    assert b.worst_case_s(10) == 10.0  # capped by the budget


def test_a_dynamodb_call_retries_within_a_budget_that_fits_the_consumers_windows() -> None:
    opts = ConsumerOptions()
    # A call gives up well before its message would reappear (even without a heartbeat)
    # and before a drain at shutdown cancels its handler.
    assert opts.visibility_timeout_s / 2 >= CALL_BUDGET_S
    assert opts.shutdown_timeout_s > CALL_BUDGET_S
    assert DYNAMODB_BACKOFF.budget_s == CALL_BUDGET_S
    # botocore's attempts at one call fit inside it, every wait at its longest.
    assert DYNAMODB_BACKOFF.worst_case_s(DYNAMODB_MAX_ATTEMPTS - 1) < CALL_BUDGET_S
    assert DYNAMODB_BACKOFF.ceiling(1) <= 0.05  # DynamoDB answers in ms: start small


# -- what a cancellation means ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("reasons", "meaning"),
    [
        (["None", "ConditionalCheckFailed"], "condition"),
        (["ThrottlingError", "ConditionalCheckFailed"], "condition"),  # the state moved anyway
        (["TransactionConflict", "None", "ConditionalCheckFailed"], "condition"),
        (["None", "ThrottlingError"], "retry"),
        (["ProvisionedThroughputExceeded", "None"], "retry"),
        (["TransactionConflict", "None", "None"], "retry"),
        (["TransactionConflict", "ThrottlingError"], "retry"),
        (["ValidationError", "None"], "error"),
        (["ItemCollectionSizeLimitExceeded"], "error"),
        (["ThrottlingError", "ValidationError"], "error"),
        (["None", "None"], "error"),
        ([], "error"),
    ],
)
def test_only_a_failed_condition_is_a_state_conflict(reasons: list[str], meaning: str) -> None:
    assert classify_cancellation(reasons) == meaning


def test_giving_up_on_throttling_or_contention_is_transient_for_the_consumer() -> None:
    assert is_transient(RetriesSpent("still throttled"))
    assert is_transient(Contended("kept conflicting"))
    assert is_transient(TooContended("ledger kept conflicting"))
    throttled_transaction = _cancelled(["None", "ProvisionedThroughputExceeded"])
    assert is_transient(throttled_transaction)
    assert not is_transient(_cancelled(["ConditionalCheckFailed", "ThrottlingError"]))


# -- transact --------------------------------------------------------------------------------


def _cancelled(reasons: Sequence[str]) -> ClientError:
    response: Any = {
        "Error": {"Code": "TransactionCanceledException", "Message": f"cancelled {reasons}"},
        "CancellationReasons": [{"Code": r} for r in reasons],
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    return ClientError(response, "TransactWriteItems")


class Table:
    """Answers TransactWriteItems with the given errors in turn, then succeeds."""

    def __init__(self, *errors: ClientError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def transact_write_items(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {}


class Waits:
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


ITEMS = [{"Put": {"TableName": "t", "Item": {}}}, {"Put": {"TableName": "u", "Item": {}}}]


async def test_throttled_and_crossed_transactions_are_retried_with_backoff_until_they_commit() -> (
    None
):
    table = Table(
        _cancelled(["None", "ThrottlingError"]),
        _cancelled(["TransactionConflict", "None"]),
        _cancelled(["ProvisionedThroughputExceeded", "None"]),
    )
    waits = Waits()
    await transact(table, ITEMS, rng=TopOfJitter(), sleep=waits)  # type: ignore[arg-type]
    assert table.calls == 4
    assert waits.slept == pytest.approx([0.05, 0.1, 0.2])


async def test_a_failed_condition_is_a_conflict_at_once_with_its_reasons() -> None:
    table = Table(_cancelled(["None", "ConditionalCheckFailed"]))
    with pytest.raises(TransactionConflict) as caught:
        await transact(table, ITEMS, sleep=Waits())  # type: ignore[arg-type]
    assert caught.value.reasons == ["None", "ConditionalCheckFailed"]
    assert caught.value.failed(1)
    assert not caught.value.failed(0)
    assert table.calls == 1


async def test_a_transaction_throttled_past_its_budget_raises_a_transient_error() -> None:
    table = Table(*[_cancelled(["ThrottlingError", "None"]) for _ in range(50)])
    no_time = Backoff(base_s=0.05, cap_s=2.0, budget_s=0.0)
    with pytest.raises(RetriesSpent) as caught:
        await transact(table, ITEMS, backoff=no_time, sleep=Waits())  # type: ignore[arg-type]
    assert not isinstance(caught.value, TransactionConflict)
    assert is_transient(caught.value)
    assert table.calls == 1


async def test_a_cancellation_that_is_a_bug_is_raised_as_it_came() -> None:
    table = Table(_cancelled(["ValidationError", "None"]))
    with pytest.raises(ClientError):
        await transact(table, ITEMS, sleep=Waits())  # type: ignore[arg-type]
    assert table.calls == 1


# -- what is counted ---------------------------------------------------------------------------


def test_a_throttled_attempt_counts_against_the_tables_it_hit() -> None:
    body = {
        "TransactItems": [
            {"Put": {"TableName": "p-ledger-holds"}},
            {"Update": {"TableName": "p-ledger-accounts"}},
            {"ConditionCheck": {"TableName": "p-ledger-summaries"}},
        ]
    }
    cancelled = {
        "Code": "TransactionCanceledException",
        "CancellationReasons": [{"Code": "None"}, {"Code": "ThrottlingError"}, {"Code": "None"}],
    }
    assert throttled_tables("TransactWriteItems", body, cancelled) == ["p-ledger-accounts"]
    crossed = cancelled | {"CancellationReasons": [{"Code": "TransactionConflict"}]}
    assert throttled_tables("TransactWriteItems", body, crossed) == []  # not a throttle
    one = {"TableName": "p-matcher-tickets"}
    assert throttled_tables("GetItem", one, {"Code": "ThrottlingException"}) == [
        "p-matcher-tickets"
    ]
    batch = {"RequestItems": {"b": {}, "a": {}}}
    assert throttled_tables(
        "BatchGetItem", batch, {"Code": "ProvisionedThroughputExceededException"}
    ) == ["a", "b"]
    assert throttled_tables("GetItem", one, {"Code": "ConditionalCheckFailedException"}) == []
