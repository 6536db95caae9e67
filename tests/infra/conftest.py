"""The stacks, each built once per test session under Pulumi's mocks (see `infra_harness`).

Each stack is built in a fresh interpreter started the way Pulumi's host runs the program
(`python -P`: nothing of the repository on `sys.path` until the program puts it there), both
at once (Pulumi's runtime settings are process-global: one stack per process). A build that
fails in any way fails every test that uses it, with the program's own error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from services.wire import Topology, topology
from tests.infra.infra_harness import ROOT, Built, from_json

HARNESS = ROOT / "tests" / "infra" / "infra_harness.py"


def start(stack: str, overrides: dict[str, Any] | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.Popen(
        [
            sys.executable,
            "-P",
            str(HARNESS),
            stack,
            *([json.dumps(overrides)] if overrides else []),
        ],
        cwd=ROOT / "infra",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], stack: str) -> Built:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, f"the {stack} stack failed to build:\n{err[-6000:]}"
    return from_json(out)


def build_with(stack: str, overrides: dict[str, Any]) -> tuple[Built | None, str]:
    """The stack built with some config keys changed: (the build, "") or (None, its error)."""
    proc = start(stack, overrides)
    out, err = proc.communicate(timeout=180)
    return (from_json(out), "") if proc.returncode == 0 else (None, err)


# Dev with what a stack may change and the committed ones do not show: another gateway name,
# Container Insights off with every worker fixed (then no policy may need it), and the
# waiting set in the middle of a resize from 1 to 4 partitions.
VARIANT: dict[str, Any] = {
    "parley:apiDomain": "api2.dev.parley.example.com",
    "parley:containerInsights": "false",
    "parley:services": {w: {"min": 1, "max": 1} for w in ("matcher", "ledger", "notifier")},
    "parley:waitingPartitions": "4",
    "parley:waitingPartitionsAlsoRead": "1",
}


@pytest.fixture(scope="session")
def builds() -> Iterator[dict[str, subprocess.Popen[str]]]:
    procs = {stack: start(stack) for stack in ("dev", "prod")}
    procs["variant"] = start("dev", VARIANT)
    yield procs
    for proc in procs.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def infra_stack(builds: dict[str, subprocess.Popen[str]]) -> Built:
    return finish(builds["dev"], "dev")


@pytest.fixture(scope="session")
def prod_stack(builds: dict[str, subprocess.Popen[str]]) -> Built:
    return finish(builds["prod"], "prod")


@pytest.fixture(scope="session")
def dev_variant(builds: dict[str, subprocess.Popen[str]]) -> Built:
    return finish(builds["variant"], "dev (VARIANT)")


@pytest.fixture(scope="session")
def topo(infra_stack: Built) -> Topology:
    return topology(infra_stack.prefix)


@pytest.fixture(scope="session")
def prod_summary(prod_stack: Built) -> dict[str, Any]:
    return {
        "outputs": prod_stack.outputs,
        "resources": [
            {"type": r.type, "name": r.name, "inputs": r.inputs} for r in prod_stack.resources
        ],
    }
