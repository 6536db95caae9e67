"""The load generator, end to end: a short run against the local stack as `make dev` starts it.

Eight people at 2 joins/s for 15 s through the real gateway and WebSocket, DynamoDB in an
embedded AWS process of its own as `make load` runs it: the run must complete with matches
measured on both sides, the hop probe must have samples, the embedded AWS must have counted
every service's calls, no request may have failed on the server's side, and the books must
be right afterwards. And the books check reads the real tables: someone left waiting is an
open hold, ticket and waiting item.
"""

from __future__ import annotations

import importlib.util
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.devstack.embedded_aws import free_port
from services.loadgen.__main__ import main
from services.loadgen.aws import admin_client
from services.loadgen.books import BookReader
from services.loadgen.people import sign_in_people, stack_auth
from tests.e2e.stack import LocalStack, new_stack

pytestmark = pytest.mark.benchmark


@pytest.fixture(scope="module")
def load_stack() -> Iterator[LocalStack]:
    stack = new_stack(PARLEY_DAILY_POINTS="600")
    stack.dynamodb_port = free_port()
    stack.start()
    yield stack
    stack.stop()


@pytest.mark.timeout(120)
def test_a_short_run_matches_people_and_leaves_the_books_right(
    load_stack: LocalStack, tmp_path: Path
) -> None:
    out = tmp_path / "load.json"
    argv = [
        f"--base-url={load_stack.url}",
        f"--moto-url={load_stack.moto_url}",
        f"--dynamodb-url={load_stack.dynamodb_url}",
        "--people=8",
        "--joins-per-s=2",
        "--seconds=15",
        "--settle-s=30",
        "--seed=13",
        f"--json={out}",
    ]
    plotting = importlib.util.find_spec("matplotlib") is not None
    if plotting:
        argv.append(f"--plot={tmp_path / 'load.png'}")

    code = main(argv, stack_log=lambda: load_stack.log)

    s = json.loads(out.read_text())
    assert s["books"]["ok"], s["books"]["problems"]
    assert code == 0
    counts = s["counts"]
    assert counts["matches_from_queue"] > 0
    assert s["join_to_both_told"]["n"] == counts["matches_from_queue"]
    assert s["join_to_both_told"]["p50_ms"] > 0
    assert s["hop_sns_to_sqs"]["n"] >= 10
    assert s["ratio_to_three_hops"]["p50"] is not None
    # Every session seen was charged to both people, once.
    # A point each for a session both connected to (the books check holds each person to
    # exactly that); one stopped before the second connection came is free.
    assert 0 < s["books"]["points_charged"] <= 2 * counts["matches_both_told"]
    assert not [e for e in counts["errors"] if " 5" in e or " 0 " in e], counts["errors"]
    calls = s["aws_calls"]
    assert set(calls["by_service"]) == {"gateway", "ledger", "matcher", "notifier"}
    assert calls["by_operation"]["matcher dynamodb TransactWriteItems@matcher-tickets"] > 0
    # The server's own time per call and the share of its CPU each kind of call took.
    assert calls["server_ms_per_call"]["ledger dynamodb TransactWriteItems@ledger-holds"] > 0
    assert 0.5 < sum(calls["cpu_share"].values()) <= 1.0
    # Where the time went, from the services' own lines: the join path's three steps first.
    assert list(s["steps"])[:3] == [
        "ledger ticket.requested",
        "matcher ticket.funded",
        "notifier session.started",
    ]
    assert s["steps"]["matcher ticket.funded"]["n"] >= counts["matches_from_queue"]
    if plotting:
        assert (tmp_path / "load.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_url_off_this_machine_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--base-url=http://example.com:8080", "--moto-url=http://127.0.0.1:4566"])
    assert exc.value.code == 2
    assert "loopback" in capsys.readouterr().err


def _call(stack: LocalStack, method: str, path: str, token: str) -> dict[str, Any]:
    req = urllib.request.Request(
        stack.url + path,
        method=method,
        data=b"{}" if method == "POST" else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        body: dict[str, Any] = json.loads(resp.read() or b"{}")
        return body


def test_the_books_check_sees_someone_left_waiting(load_stack: LocalStack) -> None:
    auth = stack_auth(load_stack.url)
    (person,) = sign_in_people(load_stack.moto_url, auth, 1)
    _call(load_stack, "POST", "/v1/queue", person.token)
    deadline = time.monotonic() + 30
    while (_call(load_stack, "GET", "/v1/me", person.token).get("ticket") or {}).get(
        "status"
    ) != "waiting":
        assert time.monotonic() < deadline, "the ticket never waited"
        time.sleep(0.3)
    reader = BookReader(
        load_stack.moto_url, auth.region, "parley-dev", dynamodb_url=load_stack.dynamodb_url
    )
    try:
        problems = reader.check([]).problems
        assert any(p.startswith("ledger-holds: 1 open holds") for p in problems), problems
        assert any(p.startswith("matcher-tickets: 1 tickets not closed") for p in problems)
        assert any(p.startswith("matcher-waiting: 1 waiting tickets") for p in problems)
    finally:
        _call(load_stack, "DELETE", "/v1/queue", person.token)


def test_dynamodb_runs_in_its_own_embedded_aws(load_stack: LocalStack) -> None:
    def tables(url: str) -> list[str]:
        names: list[str] = admin_client(url, "us-east-1", "dynamodb").list_tables()["TableNames"]
        return names

    assert "parley-dev-matcher-sessions" in tables(load_stack.dynamodb_url)
    assert tables(load_stack.moto_url) == []
