"""The matcher process: its inbox, its timers, the outbox sweep and the pool sync.

`run(settings, stop)` is the whole service; `python -m services.matcher` and the tests both
use it. Start-up first carries out whatever a previous run committed but did not get to
announce, then consumes. Nothing about who waits lives only in memory (see `waitlist`), so
any number of instances may run, of any version that reads the same waiting set.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from services.matcher.clock import Clock, SystemClock
from services.matcher.context import Matcher, component_log
from services.matcher.handlers import inbox_handlers, timer_handlers
from services.matcher.repair.leftovers import sweep_forever
from services.matcher.repair.reconcile import reconcile
from services.matcher.rooms import LiveKitRooms, NoRooms, Rooms
from services.matcher.settings import MatcherSettings
from services.matcher.tables.items import Tables
from services.matcher.tables.outbox import Outbox
from services.matcher.tables.store import Store
from services.matcher.tables.waitlist import Waitlist
from services.runtime.aws import Aws
from services.runtime.bus import (
    idempotency,
    inbox_consumer,
    publisher,
    timer_consumer,
    timer_scheduler,
)
from services.wire.names import Service

log = component_log("matcher")


def make_rooms(settings: MatcherSettings) -> Rooms:
    if settings.media_mode == "livekit":
        return LiveKitRooms(
            settings.livekit_url,
            settings.livekit_api_key,
            settings.livekit_api_secret,
            settings.room_empty_timeout_s,
        )
    return NoRooms()


async def build(aws: Aws, settings: MatcherSettings, clock: Clock, rooms: Rooms) -> Matcher:
    tables = Tables.for_prefix(settings.name_prefix)
    timers = await timer_scheduler(aws, Service.MATCHER)
    return Matcher(
        settings=settings,
        store=Store(aws.dynamodb, tables),
        tables=tables,
        idem=idempotency(aws, Service.MATCHER),
        outbox=Outbox(
            aws.dynamodb, tables.outbox, publisher(aws, Service.MATCHER), timers, rooms, clock
        ),
        timers=timers,
        waitlist=Waitlist(aws.dynamodb, tables.waiting, settings.waiting_layout),
        clock=clock,
    )


async def _every(
    seconds: float, work: Callable[[], Awaitable[object]], stop: asyncio.Event, name: str
) -> None:
    """Run `work` every `seconds`, start to start (a slow run does not stretch the period)."""
    started = time.monotonic()
    while not stop.is_set():
        pause = max(0.05, seconds - (time.monotonic() - started))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
        if stop.is_set():
            return
        started = time.monotonic()
        try:
            await work()
        except Exception:
            log.exception("matcher.background_failed", task=name)


async def _recover(m: Matcher) -> int:
    """Carry out what a previous run committed but did not announce. A failure here (AWS
    unreachable, a permission missing) must not crash-loop the task: the periodic sweep
    tries again, and the inbox is served meanwhile."""
    try:
        return await m.outbox.sweep()
    except Exception:
        log.exception("matcher.recovery_deferred")
        return 0


async def run(
    settings: MatcherSettings,
    stop: asyncio.Event,
    *,
    clock: Clock | None = None,
    rooms: Rooms | None = None,
) -> None:
    clock = clock or SystemClock()
    rooms = rooms or make_rooms(settings)
    try:
        async with Aws(settings) as aws:
            m = await build(aws, settings, clock, rooms)
            flushed = await _recover(m)
            log.info("matcher.ready", recovered=flushed)
            inbox = await inbox_consumer(aws, Service.MATCHER, inbox_handlers(m))
            timers = await timer_consumer(aws, Service.MATCHER, timer_handlers(m))
            grace = max(2.0, settings.outbox_sweep_s)
            work = [
                inbox.run(stop),
                timers.run(stop),
                _every(settings.outbox_sweep_s, lambda: m.outbox.sweep(grace), stop, "sweep"),
            ]
            work.append(_every(settings.reconcile_s, lambda: reconcile(m), stop, "reconcile"))
            if settings.pool_sweep_s > 0:
                work.append(sweep_forever(m, stop))
            await asyncio.gather(*work)
    finally:
        await rooms.close()
