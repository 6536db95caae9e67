"""`python -m services.loadgen.local [loadgen options]`: what `make load` runs.

Starts the local stack the way `make dev` does (`python -m services.devstack`, here on free
ports unless PARLEY_HTTP_PORT / PARLEY_MOTO_PORT say otherwise, with a daily allowance a load
run cannot exhaust), runs the load generator against it, and stops the stack.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from services.devstack.embedded_aws import free_port
from services.loadgen import __main__ as loadgen

ROOT = Path(__file__).resolve().parents[2]
READY = "Ctrl-C stops everything"
# 0.5 s sessions charge one point each; a person may have hundreds in a long run.
LOAD_ENV = {"PARLEY_DAILY_POINTS": "600"}


class Stack:
    def __init__(self) -> None:
        self.http_port = int(os.environ.get("PARLEY_HTTP_PORT") or free_port())
        self.moto_port = int(os.environ.get("PARLEY_MOTO_PORT") or free_port())
        self.log: list[str] = []
        self.proc: subprocess.Popen[str] | None = None

    def start(self, timeout_s: float = 120) -> Stack:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            **{k: v for k, v in LOAD_ENV.items() if k not in os.environ},
            "PARLEY_HTTP_PORT": str(self.http_port),
            "PARLEY_MOTO_PORT": str(self.moto_port),
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
                raise RuntimeError("the local stack did not start:\n" + "".join(self.log[-40:]))
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(45)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main(argv: list[str]) -> int:
    stack = Stack()
    print(f"loadgen: starting the local stack (gateway :{stack.http_port})", flush=True)
    stack.start()
    try:
        urls = [
            f"--base-url=http://127.0.0.1:{stack.http_port}",
            f"--moto-url=http://127.0.0.1:{stack.moto_port}",
        ]
        return loadgen.main([*urls, *argv])
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
