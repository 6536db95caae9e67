"""`make dev`'s stack: starts, answers, signs the demo people in, stops cleanly, starts again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.devstack.embedded_aws import free_port


def _get(url: str) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(url, timeout=2) as resp:
        return resp.status, json.loads(resp.read())


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def devstack(http_port: int, moto_port: int) -> Iterator[subprocess.Popen[str]]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "AWS_"))},
        # The services' AWS calls are recorded for the IAM check (tests/conftest.py).
        "PARLEY_RECORD_AWS_CALLS": os.environ.get("PARLEY_RECORD_AWS_CALLS", ""),
        "PARLEY_HTTP_PORT": str(http_port),
        "PARLEY_MOTO_PORT": str(moto_port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.devstack"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen[str], timeout_s: float = 60) -> tuple[float, str]:
    assert proc.stdout is not None
    started = time.monotonic()
    lines = []
    while time.monotonic() - started < timeout_s:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Ctrl-C stops everything" in line:
            return time.monotonic() - started, "".join(lines)
    raise AssertionError("stack not ready:\n" + "".join(lines[-30:]))


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=40)
    return out


@pytest.mark.timeout(240)
def test_stack_starts_answers_stops_cleanly_and_starts_again() -> None:
    http_port, moto_port = free_port(), free_port()
    for attempt in (1, 2):
        with devstack(http_port, moto_port) as proc:
            ready_in, banner = _wait_ready(proc)
            assert ready_in < 60
            assert f"http://127.0.0.1:{http_port}/" in banner
            assert "alice" in banner
            assert "Parley-demo-1" in banner
            assert _get(f"http://127.0.0.1:{http_port}/healthz") == (200, {"status": "ok"})
            _, config = _get(f"http://127.0.0.1:{http_port}/v1/config")
            auth = config["auth"]
            assert isinstance(auth, dict)
            assert set(auth) >= {"region", "userPoolId", "clientId", "endpoint"}
            assert config["media"] == {"mode": "direct"}
            assert str(config["websocketUrl"]).startswith("ws://127.0.0.1")
            # The demo people can sign in against the embedded Cognito, as the SPA does.
            body = json.dumps(
                {
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "ClientId": auth["clientId"],
                    "AuthParameters": {"USERNAME": "bob", "PASSWORD": "Parley-demo-1"},
                }
            ).encode()
            req = urllib.request.Request(
                str(auth["endpoint"]),
                data=body,
                headers={
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
                },
            )
            with urllib.request.urlopen(req, timeout=5) as resp:
                assert "IdToken" in json.loads(resp.read())["AuthenticationResult"]
            out = _stop(proc)
            assert proc.returncode == 0, out
            assert "stopping" in out
            stopped = {
                line.split("│")[0].strip() for line in out.splitlines() if "service.stopped" in line
            }
            assert stopped == {"gateway", "matcher", "ledger", "notifier"}, (attempt, out)
            assert not _port_open(http_port)
            assert not _port_open(moto_port)


def test_busy_port_gives_a_clear_error() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        with devstack(busy, free_port()) as proc:
            out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert f"port 127.0.0.1:{busy} (gateway) is already in use" in out
    assert "Traceback" not in out
