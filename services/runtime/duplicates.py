"""The duplicate switch: every message handed to its handler twice, as SQS may redeliver a
message after its visibility timeout. Chaos runs turn it on (PARLEY_DUPLICATE_DELIVERY=1) to
prove each handler idempotent; a second publish would not do, as FIFO deduplication (by the
event id) drops it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from services.runtime.consumer_options import Delivery, Handler
from services.runtime.logs import emf


def twice(handler: Handler, log: Any) -> Handler:
    """`handler`, then the same event again as a redelivery once the first call succeeded."""

    async def both(event: Any, delivery: Delivery) -> None:
        await handler(event, delivery)
        log.info(
            "consumer.duplicate_delivered",
            event_type=event.TYPE,
            event_id=event.id,
            **emf({"DuplicatesDelivered": (1, "Count")}),
        )
        await handler(event, replace(delivery, receive_count=delivery.receive_count + 1))

    return both
