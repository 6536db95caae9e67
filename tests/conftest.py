"""Fixtures shared by every kind of test.

One embedded AWS (a real moto server over HTTP) serves the whole test session; each test gets
its own name prefix, so its topics, queues and tables are its own and tests never see each
other's messages.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.devstack.embedded_aws import DUMMY_CREDENTIALS, MotoServer, free_port
from services.devstack.provision import Provisioned, provision
from services.runtime import aws_calls
from services.runtime.aws import Aws
from services.runtime.settings import BaseServiceSettings

for _k, _v in DUMMY_CREDENTIALS.items():
    os.environ.setdefault(_k, _v)
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

_counter = itertools.count(1)

# Every AWS call a service makes in this session (its own processes and the local stacks it
# starts inherit the variable) is recorded here and checked against the task roles at the end.
_RECORDED = Path(
    os.environ.setdefault(
        aws_calls.ENV, str(Path(tempfile.gettempdir()) / f"parley-aws-calls-{os.getpid()}.jsonl")
    )
)


def pytest_sessionstart(session: pytest.Session) -> None:
    _RECORDED.unlink(missing_ok=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a service made an AWS call its task role would not allow."""
    if not _RECORDED.exists():
        return
    from tests.infra.iam_calls import check, load, policies, report

    verdict = check(load(_RECORDED), policies())
    lines = report(verdict)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and (verdict.denied or session.config.option.verbose > 0):
        reporter.write_sep("-", "AWS calls against the task roles (services/wire/permissions.py)")
        for line in lines:
            reporter.write_line(line)
    if verdict.denied:
        if reporter is not None:
            reporter.write_line(f"recorded calls: {_RECORDED}")
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer(free_port()).start()
    yield server
    server.stop()


@dataclass(frozen=True)
class Stack:
    """One test's slice of the embedded AWS: its prefix and provisioned resources."""

    endpoint_url: str
    prefix: str
    provisioned: Provisioned

    def settings(
        self, cls: type[BaseServiceSettings] = BaseServiceSettings, **kw: object
    ) -> BaseServiceSettings:
        base: dict[str, object] = {
            "name_prefix": self.prefix,
            "aws_endpoint_url": self.endpoint_url,
            "poll_wait_s": 1,
            "shutdown_timeout_s": 5.0,
            "log_format": "console",
        }
        return cls(**(base | kw))  # type: ignore[arg-type]


@pytest.fixture
def stack(moto_server: MotoServer) -> Stack:
    prefix = f"t{os.getpid() % 10000}-{next(_counter)}"
    return Stack(moto_server.url, prefix, provision(moto_server.url, prefix))


@pytest.fixture
async def aws(stack: Stack) -> AsyncIterator[Aws]:
    async with Aws(stack.settings()) as clients:
        yield clients
