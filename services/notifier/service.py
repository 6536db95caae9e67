"""The notifier as a long-running service: its inbox in, messages on people's WebSockets out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.notifier.connections import ConnectionStore
from services.notifier.delivery import ConnectionsApi
from services.notifier.handlers import Notifier
from services.notifier.settings import NotifierSettings
from services.runtime.aws import Aws
from services.runtime.bus import idempotency, inbox_consumer
from services.runtime.logs import get_logger
from services.wire.names import Service


async def run(
    settings: NotifierSettings,
    stop: asyncio.Event,
    *,
    started: Callable[[Notifier], None] | None = None,
) -> None:
    """Consume the notifier inbox until `stop` is set, then drain and return.

    `started` sees the notifier once it is wired (tests read its tally).
    """
    async with Aws(settings) as aws, ConnectionsApi.open(settings) as api:
        handled = idempotency(aws, Service.NOTIFIER)
        store = ConnectionStore.for_prefix(aws.dynamodb, settings.name_prefix, handled.table)
        notifier = Notifier(store, api, handled, seen=store.seen)
        consumer = await inbox_consumer(aws, Service.NOTIFIER, notifier.handlers())
        get_logger().info("notifier.started", endpoint=api.endpoint_url)
        if started:
            started(notifier)
        await consumer.run(stop)
        get_logger().info("notifier.tally", **vars(notifier.tally))
