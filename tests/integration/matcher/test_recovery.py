"""A matcher that dies at the worst moment, and bad input: nothing is lost, nothing doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from services.runtime.aws import Aws
from services.wire.names import Service
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.matcher.helpers import Inbox, join, matcher, settings_for


async def _queue_empty(aws: Aws, name: str) -> bool:
    attrs = await aws.sqs.get_queue_attributes(
        QueueUrl=await aws.queue_url(name),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )
    return all(v == "0" for v in attrs["Attributes"].values())


async def test_killed_between_the_pairing_commit_and_the_news_the_session_is_announced_once(
    stack: Stack, aws: Aws
) -> None:
    settings = settings_for(stack)
    env = dict(os.environ) | {
        "PARLEY_NAME_PREFIX": settings.name_prefix,
        "PARLEY_AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
        "PARLEY_POLL_WAIT_S": "1",
        "PARLEY_RELAX_ONE_SIDED_S": "3000",
        "PARLEY_RELAX_ANYONE_S": "3000",
        "PARLEY_LOG_LEVEL": "WARNING",
    }
    doomed = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.matcher.crashing_matcher", env=env
    )
    try:
        async with matcher(aws, settings, watch=False, start=False) as m:
            await m.send(*join("alice", "ta"))

            async def alice_waits() -> bool:
                return await m.state("alice") == "waiting"

            await eventually(alice_waits, 20)
            await m.send(*join("bob", "tb"))
            assert await asyncio.wait_for(doomed.wait(), 20) == -signal.SIGKILL
    finally:
        if doomed.returncode is None:
            doomed.kill()
            await doomed.wait()

    # Committed, not announced: the session exists, the news waits in the outbox.
    assert len(await m.scan(tables.SESSIONS)) == 1
    assert len(await m.scan(tables.OUTBOX)) == 1
    notifier = Inbox(aws, Service.NOTIFIER)
    stop = asyncio.Event()
    poll = asyncio.create_task(notifier.poll(stop))
    assert not await _announced(notifier, within_s=1.0)

    async with matcher(aws, settings, watch=False) as restarted:
        (started,) = await notifier.wait_for("session.started")
        # The funding that was in flight when the process died comes back (after 3 s) and
        # finds its work done.
        inbox = aws.topology.inbox(Service.MATCHER).name
        await asyncio.sleep(3.5)
        await eventually(lambda: _queue_empty(aws, inbox), 20)
        await asyncio.sleep(1.0)
    stop.set()
    await poll

    assert len(notifier.of("session.started")) == 1
    assert {p.user_id for p in started.participants} == {"alice", "bob"}
    assert await restarted.scan(tables.OUTBOX) == []
    assert await restarted.state("alice") == "in_session"


async def _announced(inbox: Inbox, within_s: float) -> bool:
    await asyncio.sleep(within_s)
    return bool(inbox.of("session.started"))


async def test_a_message_that_can_never_be_handled_is_parked_and_the_matcher_goes_on(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        inbox = aws.topology.inbox(Service.MATCHER)
        await aws.sqs.send_message(
            QueueUrl=await aws.queue_url(inbox.name),
            MessageBody='{"type": "ticket.funded", "id": "x", "payload": {"ticketId": 7}}',
            MessageGroupId="pool#any",
            MessageDeduplicationId="poison",
        )
        await m.send(*join("alice", "ta"), *join("bob", "tb"))
        await m.notifier.wait_for("session.started")

        async def parked() -> bool:
            attrs = await aws.sqs.get_queue_attributes(
                QueueUrl=await aws.queue_url(inbox.dlq),
                AttributeNames=["ApproximateNumberOfMessages"],
            )
            return attrs["Attributes"]["ApproximateNumberOfMessages"] == "1"

        await eventually(parked)
