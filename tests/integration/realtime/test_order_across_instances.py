"""Two notifier processes on one inbox: pushes to one person overtake each other, and the
person still ends where the events put them.

Instance A (one message at a time) takes the start of session s-1 and its post hangs at the
connections API; instance B meanwhile pushes what came after (s-1's end waits in its group
behind the start, a new ticket, session s-2, the balances, one of them published late). The
test checks that the deliveries really crossed, then folds the frames the person's tab got
through the SPA's own reducer (frontend/src/state/machine.ts, bundled and run by node): the
person must be in s-2 with the newest balance.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from services.devstack.embedded_aws import DUMMY_CREDENTIALS
from services.notifier.connections import ConnectionStore
from services.runtime.aws import Aws
from services.runtime.bus import publisher
from services.wire.events.common import Participant
from services.wire.events.ledger import PointsChanged
from services.wire.events.matcher import SessionEnded, SessionStarted, TicketWaiting
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.realtime.helpers import eventually

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"
ROLLDOWN = FRONTEND / "node_modules" / ".bin" / "rolldown"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ANN = Participant(user_id="ann", hold_id="h-ann", minutes=15)
BEN = Participant(user_id="ben", hold_id="h-ben", minutes=15)

Body = dict[str, Any]


@dataclass
class HoldingApiGateway:
    """Stands in for API Gateway's @connections API: records posts in arrival order and keeps
    the posts that `hold` matches waiting until `release` is set."""

    hold: Callable[[Body], bool] = lambda _: False
    url: str = ""
    received: list[Body] = field(default_factory=list)
    held: list[Body] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def post(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        if request.match_info["id"] == "ann-tab":
            if self.hold(body) and not self.release.is_set():
                self.held.append(body)
                await self.release.wait()
            self.received.append(body)
        return web.Response(status=200)


@pytest.fixture
async def api_gateway() -> AsyncIterator[HoldingApiGateway]:
    fake = HoldingApiGateway()
    app = web.Application()
    app.router.add_post("/live/@connections/{id}", fake.post)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = f"http://127.0.0.1:{server.port}/live"
    try:
        yield fake
    finally:
        fake.release.set()
        await server.close()


@pytest.fixture(scope="module")
def spa_reducer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SPA's state machine as one ES module node can import."""
    if shutil.which("node") is None or not ROLLDOWN.exists():
        pytest.skip("node and the frontend's node_modules are needed to run the SPA reducer")
    out = tmp_path_factory.mktemp("spa") / "machine.mjs"
    subprocess.run(
        [str(ROLLDOWN), "src/state/machine.ts", "--format", "esm", "--file", str(out)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return out


_FOLD = """
import { readFileSync } from 'node:fs';
import { initialState, reducer } from '%s';
const { me, pushes } = JSON.parse(readFileSync(0, 'utf8'));
let s = reducer(initialState('loading'), { type: 'me.loaded', me });
for (const message of pushes) s = reducer(s, { type: 'push', message });
console.log(JSON.stringify({
  phase: s.phase, session: s.session?.sessionId ?? null, points: s.me?.points ?? null,
  closedSessions: s.closed.sessions,
}));
"""


def fold_in_spa(reducer_module: Path, pushes: list[Body]) -> Body:
    """Where the SPA puts a person after `/v1/me` (home, 15 points) and then `pushes`."""
    me = {
        "userId": "ann",
        "email": "ann@example.com",
        "name": "Ann",
        "preferences": {"speaks": ["en"], "learns": []},
        "points": {"left": 15, "used": 0, "held": 0, "resetsAt": "2026-03-02T00:00:00Z"},
        "ticket": None,
        "session": None,
        "invites": [],
    }
    script = reducer_module.with_name("fold.mjs")
    script.write_text(_FOLD % reducer_module.as_posix())
    done = subprocess.run(
        ["node", str(script)],
        input=json.dumps({"me": me, "pushes": pushes}),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    result: Body = json.loads(done.stdout)
    return result


@asynccontextmanager
async def notifier_process(
    stack: Stack, endpoint: str, log: Path, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")},
        **DUMMY_CREDENTIALS,
        "PARLEY_NAME_PREFIX": stack.prefix,
        "PARLEY_AWS_ENDPOINT_URL": stack.endpoint_url,
        "PARLEY_CONNECTIONS_ENDPOINT_URL": endpoint,
        "PARLEY_POLL_WAIT_S": "1",
        "PARLEY_DELIVERY_TIMEOUT_S": "30",  # the held post outlasts a slow start of B
        **env,
    }
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.notifier", env=environment, stdout=out, stderr=out
        )
        try:
            yield proc
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 20)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


def _started(session_id: str, at: datetime) -> SessionStarted:
    return SessionStarted(
        session_id=session_id,
        occurred_at=at,
        participants=(ANN, BEN),
        starts_at=at,
        ends_at=at + timedelta(minutes=15),
        media_mode="direct",
        room=session_id,
        origin="match",
    )


def _ended(session_id: str, started: datetime, at: datetime) -> SessionEnded:
    return SessionEnded(
        session_id=session_id,
        occurred_at=at,
        participants=(ANN, BEN),
        started_at=started,
        ended_at=at,
        reason="stopped",
        stopped_by="ann",
    )


def _points(left: int, used: int, held: int, at: datetime) -> PointsChanged:
    return PointsChanged(
        user_id="ann",
        occurred_at=at,
        day=T0.date(),
        left=left,
        used=used,
        held=held,
        resets_at=T0 + timedelta(days=1),
    )


def _at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def test_pushes_that_cross_between_two_notifier_processes_leave_the_person_in_the_right_call(
    stack: Stack,
    aws: Aws,
    api_gateway: HoldingApiGateway,
    spa_reducer: Path,
    tmp_path: Path,
) -> None:
    store = ConnectionStore.for_prefix(aws.dynamodb, aws.settings.name_prefix)
    await store.add("ann", "ann-tab")
    matcher, ledger = publisher(aws, Service.MATCHER), publisher(aws, Service.LEDGER)
    api_gateway.hold = lambda b: b["type"] == "session.started" and b["sessionId"] == "s-1"

    async with notifier_process(
        stack, api_gateway.url, tmp_path / "a.log", PARLEY_CONSUMER_CONCURRENCY="1"
    ) as a:
        # A takes s-1's start; its post hangs, and with one message in hand A polls no more.
        await matcher.publish(_started("s-1", _at(60)))
        await eventually(lambda: api_gateway.held, timeout_s=30)
        async with notifier_process(stack, api_gateway.url, tmp_path / "b.log") as b:
            # What happened next, in order; the ledger publishes the 120 s balance late.
            await matcher.publish(_ended("s-1", _at(60), _at(120)))  # behind the start
            await ledger.publish(_points(12, 1, 1, _at(180)))
            await matcher.publish(
                TicketWaiting(
                    ticket_id="t-2",
                    user_id="ann",
                    occurred_at=_at(150),
                    looking_for="anyone",
                    waiting_since=_at(150),
                )
            )
            await matcher.publish(_started("s-2", _at(180)))
            await ledger.publish(_points(13, 1, 0, _at(120)))
            await eventually(
                lambda: any(m.get("sessionId") == "s-2" for m in api_gateway.received),
                timeout_s=30,
            )
            api_gateway.release.set()
            await eventually(lambda: len(api_gateway.received) >= 6, timeout_s=30)
            for proc in (a, b):
                proc.send_signal(signal.SIGTERM)
            codes = await asyncio.gather(*(asyncio.wait_for(p.wait(), 20) for p in (a, b)))

    got = api_gateway.received
    order = [(m["type"], m.get("sessionId") or m.get("ticketId") or m.get("left")) for m in got]
    # The deliveries really crossed: s-2 began on the tab before s-1 did, and s-1 ended after.
    assert order.index(("session.started", "s-2")) < order.index(("session.started", "s-1"))
    assert order.index(("session.ended", "s-1")) > order.index(("session.started", "s-2"))
    assert codes == [0, 0]

    # The SPA applies them in the order their events happened, whatever order they came in.
    state = fold_in_spa(spa_reducer, got)
    assert state["phase"] == "in-call", order
    assert state["session"] == "s-2", order
    assert state["points"]["left"] == 12, order
    assert "s-1" in state["closedSessions"]
    assert all(m["occurredAt"].endswith("Z") for m in got)
