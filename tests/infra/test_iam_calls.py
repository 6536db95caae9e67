"""The recorded-calls check itself: its policies are the program's, and it names what it denies.

The check runs at the end of every test session that recorded calls (tests/conftest.py); these
tests keep it honest.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.iam_calls import calls, check, policies
from tests.infra.infra_harness import Built

P = "t42-7"  # a test's name prefix
A = "arn:aws:dynamodb:eu-west-1:123456789012:table/parley-dev"


def record(service: str, aws: str, op: str, *resources: dict[str, str]) -> dict[str, Any]:
    return {
        "service": service,
        "prefix": P,
        "aws": aws,
        "operation": op,
        "resources": list(resources),
    }


@pytest.mark.parametrize("svc", ["gateway", "matcher", "ledger", "notifier"])
def test_the_checked_policies_are_the_ones_the_program_registers(
    svc: str, infra_stack: Built
) -> None:
    registered = [
        r
        for r in infra_stack.of_type("aws:iam/rolePolicy:RolePolicy")
        if r.inputs["role"] == f"parley-dev-{svc}-task"
    ]
    statements = json.loads(registered[0].inputs["policy"])["Statement"] if registered else []
    assert policies()[svc] == statements


def test_calls_become_iam_actions_on_the_stacks_arns() -> None:
    txn = record(
        "matcher",
        "dynamodb",
        "TransactWriteItems",
        {"table": f"{P}-matcher-tickets", "op": "Update"},
        {"table": f"{P}-matcher-outbox", "op": "Put"},
    )
    assert calls(txn) == [
        ("matcher", "dynamodb:UpdateItem", f"{A}-matcher-tickets"),
        ("matcher", "dynamodb:PutItem", f"{A}-matcher-outbox"),
    ]
    query = record(
        "gateway", "dynamodb", "Query", {"table": f"{P}-matcher-invites", "index": "byInvitee"}
    )
    assert calls(query) == [("gateway", "dynamodb:Query", f"{A}-matcher-invites/index/byInvitee")]
    sign_out = record(
        "gateway", "cognito-idp", "AdminUserGlobalSignOut", {"userpool": "us-east-1_Local42"}
    )
    assert calls(sign_out) == [
        (
            "gateway",
            "cognito-idp:AdminUserGlobalSignOut",
            "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_MockPool1",
        )
    ]
    assert not check([sign_out], policies()).denied
    assert check([{**sign_out, "service": "matcher"}], policies()).denied
    batch = record("ledger", "sqs", "DeleteMessageBatch", {"queue": f"{P}-ledger-inbox.fifo"})
    assert calls(batch) == [
        (
            "ledger",
            "sqs:DeleteMessage",
            "arn:aws:sqs:eu-west-1:123456789012:parley-dev-ledger-inbox.fifo",
        )
    ]


def test_a_call_the_role_does_not_allow_is_denied_by_name() -> None:
    stmts = policies()
    sweep = record("matcher", "dynamodb", "Scan", {"table": f"{P}-matcher-outbox"})
    scan_index = record(
        "matcher", "dynamodb", "Scan", {"table": f"{P}-matcher-tickets", "index": "waiting"}
    )
    foreign = record("ledger", "dynamodb", "PutItem", {"table": f"{P}-matcher-tickets"})
    verdict = check([sweep, scan_index, foreign], stmts)
    assert verdict.denied == {
        ("matcher", "dynamodb:Scan", f"{A}-matcher-tickets/index/waiting"),
        ("ledger", "dynamodb:PutItem", f"{A}-matcher-tickets"),
    }
    assert ("matcher", "dynamodb:Scan", f"{A}-matcher-outbox") not in verdict.unused
    assert ("ledger", "dynamodb:PutItem", f"{A}-ledger-entries") in verdict.unused
