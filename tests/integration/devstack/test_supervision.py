"""The local stack supervises like ECS: `kill -9` a service and it comes back, and the stack
still answers and pairs people; several instances of a service run when asked."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from services.devstack.embedded_aws import free_port
from tests.e2e.stack import LocalStack

_STARTED = re.compile(r"parley: (\S+) (?:started|restarted) \(pid (\d+)\)")


def _pids(stack: LocalStack) -> dict[str, int]:
    """The latest pid of each instance, from the supervisor's lines."""
    pids: dict[str, int] = {}
    for line in list(stack.log):
        if m := _STARTED.search(line):
            pids[m.group(1)] = int(m.group(2))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (its parent has not reaped it yet).
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def _http(method: str, url: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
    except OSError:
        return 0, None


def _sign_in(stack: LocalStack, who: str) -> str:
    _, config = _http("GET", f"{stack.url}/v1/config")
    auth = config["auth"]
    body = {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": auth["clientId"],
        "AuthParameters": {"USERNAME": who, "PASSWORD": "Parley-demo-1"},
    }
    req = urllib.request.Request(
        auth["endpoint"],
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return str(json.loads(resp.read())["AuthenticationResult"]["IdToken"])


def _until(check: Any, timeout_s: float, what: str, stack: LocalStack) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout_s} s\n{stack.tail(60)}")


@pytest.mark.timeout(240)
def test_killed_services_come_back_and_the_stack_still_answers_and_pairs() -> None:
    stack = LocalStack(free_port(), free_port(), {"PARLEY_INSTANCES": "matcher=2"}).start()
    try:
        before = _pids(stack)
        assert set(before) == {"ledger", "matcher#1", "matcher#2", "notifier", "gateway"}
        assert all(_alive(pid) for pid in before.values())
        assert before["matcher#1"] != before["matcher#2"]

        victims = ("ledger", "matcher#1", "gateway")
        for name in victims:
            os.kill(before[name], signal.SIGKILL)

        def back() -> bool:
            now = _pids(stack)
            return all(now[n] != before[n] and _alive(now[n]) for n in victims)

        _until(back, 30, "the killed services restarted", stack)
        log = stack.tail(400)
        for name in victims:
            assert re.search(rf"parley: {re.escape(name)} exited \(code -9\)", log), log
        after = _pids(stack)
        assert after["matcher#2"] == before["matcher#2"]  # the others were left alone
        assert _alive(after["matcher#2"])
        assert _alive(after["notifier"])

        _until(lambda: _http("GET", f"{stack.url}/healthz")[0] == 200, 30, "healthz", stack)
        alice, bob = _sign_in(stack, "alice"), _sign_in(stack, "bob")
        for token in (alice, bob):
            status, body = _http("POST", f"{stack.url}/v1/queue", token, {})
            assert status == 202, body

        def paired() -> str | None:
            sessions = [_http("GET", f"{stack.url}/v1/me", t)[1] or {} for t in (alice, bob)]
            ids = {(me.get("session") or {}).get("sessionId") for me in sessions}
            return ids.pop() if len(ids) == 1 and None not in ids else None

        assert _until(paired, 60, "alice and bob paired", stack)
    finally:
        stack.stop()
    assert stack.proc is not None
    assert stack.proc.returncode == 0, stack.tail()
    assert not any(_alive(pid) for pid in _pids(stack).values())
