"""The stacks, each built once per test session under Pulumi's mocks (see `infra_harness`).

`dev` is built in this process. `prod` is built in a child process started first, so the two
builds overlap (Pulumi's runtime settings are process-global: one stack per process).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from services.wire import Topology, topology
from tests.infra.infra_harness import ROOT, Built, build


@pytest.fixture(scope="session")
def prod_build() -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.infra.infra_harness", "prod"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def infra_stack(prod_build: subprocess.Popen[str]) -> Built:
    return build("dev")


@pytest.fixture(scope="session")
def topo(infra_stack: Built) -> Topology:
    return topology(infra_stack.prefix)


@pytest.fixture(scope="session")
def prod_summary(prod_build: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = prod_build.communicate(timeout=120)
    assert prod_build.returncode == 0, err[-4000:]
    summary: dict[str, Any] = json.loads(out)
    return summary
