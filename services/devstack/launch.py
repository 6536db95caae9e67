"""The local stack as another program starts it: `python -m services.devstack` in a child
process on given ports, ready once it prints its banner, stopped with Ctrl-C (SIGINT).

The load generator's `make load` and the browser tests start it this way, exactly as a person
runs `make dev`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY = "Ctrl-C stops everything"


@dataclass
class Launched:
    http_port: int
    moto_port: int
    # Settings for the stack, over whatever the calling process has.
    env: dict[str, str] = field(default_factory=dict)
    # Start from a clean slate of PARLEY_* settings (tests), or keep the caller's (tools).
    keep_parley_env: bool = True
    # DynamoDB in an embedded AWS process of its own on this port (None: in the one process).
    dynamodb_port: int | None = None
    proc: subprocess.Popen[str] | None = None
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    @property
    def dynamodb_url(self) -> str:
        return f"http://127.0.0.1:{self.dynamodb_port}" if self.dynamodb_port else self.moto_url

    def start(self, timeout_s: float = 90) -> Launched:
        dropped = ("AWS_",) if self.keep_parley_env else ("PARLEY_", "AWS_")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(dropped)},
            # Programs read the stack's log lines (figures, repairs, where the time went):
            # they get the raw JSON, not the console's short lines for a person.
            "PARLEY_CONSOLE": "json",
            **self.env,
            "PARLEY_HTTP_PORT": str(self.http_port),
            "PARLEY_MOTO_PORT": str(self.moto_port),
            "PARLEY_MOTO_DYNAMODB_PORT": str(self.dynamodb_port or 0),
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
        out = self.proc.stdout
        assert out is not None

        def relay() -> None:
            for line in out:
                self.log.append(line)
                if READY in line:
                    ready.set()

        threading.Thread(target=relay, daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while not ready.wait(0.2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the local stack did not start:\n" + self.tail(40))
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
