"""How many AWS calls the matcher makes for one conversation, and how many of them stand
one after the other between the second person's funding and the news of the match.

Two people join (the gateway's request and the ledger's funding, published as those
services do), the matcher pairs them, one presses Stop. Every call the matcher's clients
make is recorded (botocore's before/after-call events); calls made while others are still
in flight count as one step of the critical path. Counts, not times: they are the same on
any machine, and each call is a round trip in AWS.

    .venv/bin/pytest tests/load/test_matcher_calls.py -q -s
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.runtime.aws import Aws
from services.wire.events.gateway import SessionStopRequested
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, matcher, settings_for
from tests.load.bench import report

pytestmark = pytest.mark.benchmark


@dataclass
class Call:
    operation: str
    start: float
    end: float = 0.0


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)

    def before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        call = Call(f"{model.service_model.service_name}:{model.name}", time.monotonic())
        self.calls.append(call)
        context["parley_call"] = call

    def after(self, context: dict[str, Any], **_: Any) -> None:
        call = context.get("parley_call")
        if call is not None:
            call.end = time.monotonic()

    def between(self, t0: float, t1: float) -> list[Call]:
        return [c for c in self.calls if t0 <= c.start <= t1]


def steps(calls: list[Call]) -> int:
    """Sequential steps: a call that starts after every call of the current step ended opens a
    new one; calls overlapping the step belong to it."""
    count, step_end = 0, -1.0
    for c in sorted(calls, key=lambda c: c.start):
        if c.start > step_end:
            count += 1
            step_end = c.end
        else:
            step_end = max(step_end, c.end)
    return count


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()
    original = Aws.client

    async def recording_client(self: Aws, name: str) -> Any:
        client = await original(self, name)
        client.meta.events.register("before-call.*.*", rec.before)
        client.meta.events.register("after-call.*.*", rec.after)
        return client

    async def opened(self: Aws) -> Aws:
        self.sqs = await recording_client(self, "sqs")
        self.sns = await recording_client(self, "sns")
        self.dynamodb = await recording_client(self, "dynamodb")
        return self

    monkeypatch.setattr(Aws, "__aenter__", opened)
    return rec


def _is_poll(c: Call) -> bool:
    return c.operation in ("sqs:ReceiveMessage", "sqs:ChangeMessageVisibility")


async def test_calls_per_conversation_and_on_the_match_path(
    stack: Stack, aws: Aws, recorder: Recorder
) -> None:
    settings = settings_for(stack, pool_sweep_s=0)  # the sweep's reads are per second, not per join
    async with matcher(aws, settings) as m:
        await asyncio.sleep(
            1.0
        )  # start-up calls (outbox sweep, queue urls) are not per conversation
        t0 = time.monotonic()
        await m.send(*join("alice", "ta"))
        await m.notifier.wait_for("ticket.waiting", ticket_id="ta")
        requested, funded_event = join("bob", "tb")
        await m.send(requested)  # handled while the ledger decides, off the match path
        await asyncio.sleep(0.5)
        t_second = time.monotonic()
        await m.send(funded_event)
        (started,) = await m.notifier.wait_for("session.started")
        t_told = time.monotonic()
        await m.send(SessionStopRequested(session_id=started.session_id, user_id="bob"))
        await m.notifier.wait_for("session.ended")
        await asyncio.sleep(1.0)  # the last outbox deletes
        t1 = time.monotonic()

    ours = [c for c in recorder.between(t0, t1) if c.end]
    work = [c for c in ours if not _is_poll(c)]
    by_op = Counter(c.operation for c in work)
    # The match path: from the matcher picking up bob's funding to its announcement.
    path = [c for c in recorder.between(t_second, t_told) if not _is_poll(c)]
    funded = [c for c in path if c.operation == "dynamodb:TransactWriteItems"]
    publish = [c for c in path if c.operation.startswith("sns:Publish")]
    assert funded
    assert publish
    critical = [c for c in path if c.start <= max(p.start for p in publish)]
    report(
        "Matcher AWS calls for one conversation (two joins, a match, a stop)",
        {
            "calls, excluding inbox polls and visibility": str(len(work)),
            **{f"  {op}": str(n) for op, n in sorted(by_op.items())},
            "inbox polls / visibility changes": str(len(ours) - len(work)),
            "match path: calls before the announcement": str(len(critical)),
            "match path: sequential steps": str(steps(critical)),
        },
    )
    assert steps(critical) <= len(critical)
