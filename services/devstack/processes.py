"""Child processes of the local stack: started with an environment, output prefixed, stopped
gently (SIGTERM, then SIGKILL after a bound)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class Writer(Protocol):
    """Where a child's output goes: a text stream, or the console's filter (console.py)."""

    def write(self, text: str, /) -> int: ...
    def flush(self) -> None: ...


@dataclass
class Child:
    name: str  # its log tag: `matcher`, or `matcher#2` when there are several
    argv: list[str]
    env: Mapping[str, str]
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    out: Writer | None = field(default=None, repr=False)  # kept for restarts

    def start(self, out: Writer | None = None) -> Child:
        if out is not None:
            self.out = out
        self.proc = subprocess.Popen(
            self.argv,
            env=dict(self.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the supervisor, which stops us in order
        )
        relay_to = self.out or sys.stdout
        threading.Thread(target=self._relay, args=(relay_to,), daemon=True).start()
        return self

    def _relay(self, out: Writer) -> None:
        assert self.proc
        assert self.proc.stdout
        tag = f"{self.name:>10} │ "
        for raw in self.proc.stdout:
            try:
                out.write(tag + raw.decode(errors="replace"))
                out.flush()
            except ValueError:
                return

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def exit_code(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        if self.alive():
            assert self.proc
            self.proc.send_signal(signal.SIGTERM)

    def wait(self, deadline: float) -> int | None:
        if not self.proc:
            return None
        try:
            return self.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def stop_all(children: list[Child], timeout_s: float = 25.0) -> None:
    for child in reversed(children):
        child.terminate()
    deadline = time.monotonic() + timeout_s
    for child in reversed(children):
        child.wait(deadline)


def python_module(module: str) -> list[str]:
    return [sys.executable, "-m", module]


def base_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
