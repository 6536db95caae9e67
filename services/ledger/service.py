"""The ledger service: consume the inbox until `stop`, keeping everyone's points."""

from __future__ import annotations

import asyncio
import contextlib

from services.ledger.bookkeeping import Bookkeeper
from services.ledger.erasure import Eraser
from services.ledger.handlers import LedgerHandlers
from services.ledger.model import Rules
from services.ledger.reconcile import HoldReconciler
from services.ledger.settings import LedgerSettings
from services.ledger.store import DynamoStore
from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer, publisher
from services.runtime.logs import get_logger
from services.runtime.settings import BaseServiceSettings
from services.wire.events.gateway import UserErased
from services.wire.names import Service
from services.wire.tables.ledger import TABLES


def rules(settings: BaseServiceSettings) -> Rules:
    return Rules(
        daily_points=settings.daily_points,
        session_minutes=settings.session_minutes,
        zone=settings.zone,
    )


def store(aws: Aws, settings: BaseServiceSettings) -> DynamoStore:
    tables = {t.logical: aws.table(t.logical) for t in TABLES}
    return DynamoStore(aws.dynamodb, tables, rules(settings))


async def run(settings: LedgerSettings, stop: asyncio.Event) -> None:
    async with Aws(settings) as aws:
        db = store(aws, settings)
        keeper = Bookkeeper(db, rules(settings), attempts=settings.conflict_attempts)
        publish = publisher(aws, Service.LEDGER).publish_many
        handlers = LedgerHandlers(keeper, publish)
        tables = {t.logical: aws.table(t.logical) for t in TABLES}
        eraser = Eraser(aws.dynamodb, tables, forget=keeper.recent.forget)
        consumer = await inbox_consumer(
            aws,
            Service.LEDGER,
            handlers.routes() | {UserErased.TYPE: eraser.on_erased},
            visibility_timeout_s=settings.inbox_visibility_s,
        )
        holds = HoldReconciler(keeper, db, publish, settings.hold_stale_s)
        await asyncio.gather(consumer.run(stop), _every(settings.hold_check_s, holds, stop))


async def _every(seconds: float, holds: HoldReconciler, stop: asyncio.Event) -> None:
    """Look at the holds every `seconds` until `stop`; a failed pass is tried next time."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        if stop.is_set():
            return
        try:
            await holds.run_once()
        except Exception:
            get_logger().exception("ledger.reconcile_failed")
