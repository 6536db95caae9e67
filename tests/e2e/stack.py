"""The local stack started the README's way (`python -m services.devstack`, what `make dev`
runs), on free ports, with short timeouts where a test needs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from services.devstack.embedded_aws import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalStack:
    http_port: int
    moto_port: int
    env: dict[str, str]
    proc: subprocess.Popen[str] | None = None
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def start(self, timeout_s: float = 90) -> LocalStack:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "AWS_"))},
            # The services' AWS calls are recorded for the IAM check (tests/conftest.py).
            "PARLEY_RECORD_AWS_CALLS": os.environ.get("PARLEY_RECORD_AWS_CALLS", ""),
            "PARLEY_HTTP_PORT": str(self.http_port),
            "PARLEY_MOTO_PORT": str(self.moto_port),
            **self.env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.devstack"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()

        def relay() -> None:
            assert self.proc
            assert self.proc.stdout
            for line in self.proc.stdout:
                self.log.append(line)
                if "Ctrl-C stops everything" in line:
                    ready.set()

        threading.Thread(target=relay, daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while not ready.wait(0.2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("local stack did not start:\n" + "".join(self.log[-40:]))
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(45)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self, n: int = 60) -> str:
        return "".join(self.log[-n:])


def new_stack(**env: str) -> LocalStack:
    return LocalStack(free_port(), free_port(), env)


def add_people(stack: LocalStack, *names: str) -> None:
    """More people in the stack's user pool (beyond the demo four), for tests that need them."""
    import json
    import urllib.request

    from services.devstack.cognito import add_person
    from services.devstack.provision import clients

    with urllib.request.urlopen(f"{stack.url}/v1/config", timeout=5) as resp:
        auth = json.loads(resp.read())["auth"]
    idp = clients(stack.moto_url, auth["region"], "cognito-idp")
    for name in names:
        add_person(idp, auth["userPoolId"], name)
