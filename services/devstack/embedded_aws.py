"""The embedded AWS: a moto server process on 127.0.0.1 that the services reach over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.devstack import faults

ROOT = Path(__file__).resolve().parents[2]
MOTO_MAIN = "services.devstack.moto_main"  # moto's server, DynamoDB made safe under concurrency

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "parley-local",
    "AWS_SECRET_ACCESS_KEY": "parley-local-secret",
    "AWS_SESSION_TOKEN": "parley-local-token",
}


class PortBusy(RuntimeError):
    pass


def ensure_port_free(port: int, what: str, host: str = "127.0.0.1") -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise PortBusy(
                f"port {host}:{port} ({what}) is already in use — is another Parley running? "
                f"Stop it, or pick another port with the matching PARLEY_* variable."
            ) from None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class MotoServer:
    """A moto server in its own process (its own core), stopped with `stop()`."""

    port: int
    host: str = "127.0.0.1"
    # Extra environment for the server, e.g. faults.ENV_THROTTLE to throttle from the start.
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 30.0) -> MotoServer:
        ensure_port_free(self.port, "embedded AWS", self.host)
        env = {**os.environ, **DUMMY_CREDENTIALS, **self.env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", MOTO_MAIN, "-H", self.host, "-p", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.url} within {timeout_s} s")

    def faults(self, **fields: Any) -> dict[str, Any]:
        """The injected faults so far (services/devstack/faults.py), after setting `fields`:
        `faults(throttle=0.3)` throttles 30 % of DynamoDB calls from now on."""
        return faults.admin(self.url, **fields)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
