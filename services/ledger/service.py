"""The ledger service: consume the inbox until `stop`, keeping everyone's points."""

from __future__ import annotations

import asyncio

from services.ledger.bookkeeping import Bookkeeper
from services.ledger.erasure import Eraser
from services.ledger.handlers import LedgerHandlers
from services.ledger.model import Rules
from services.ledger.settings import LedgerSettings
from services.ledger.store import DynamoStore
from services.runtime.aws import Aws
from services.runtime.bus import inbox_consumer, publisher
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
        keeper = Bookkeeper(
            store(aws, settings), rules(settings), attempts=settings.conflict_attempts
        )
        handlers = LedgerHandlers(keeper, publisher(aws, Service.LEDGER).publish_many)
        tables = {t.logical: aws.table(t.logical) for t in TABLES}
        eraser = Eraser(aws.dynamodb, tables)
        consumer = await inbox_consumer(
            aws,
            Service.LEDGER,
            handlers.routes() | {UserErased.TYPE: eraser.on_erased},
            visibility_timeout_s=settings.inbox_visibility_s,
        )
        await consumer.run(stop)
