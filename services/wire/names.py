"""Who is who on the wire: the services and how their AWS resources are named."""

from __future__ import annotations

from enum import StrEnum


class Service(StrEnum):
    GATEWAY = "gateway"
    MATCHER = "matcher"
    LEDGER = "ledger"
    NOTIFIER = "notifier"


def topic_name(prefix: str, publisher: Service) -> str:
    return f"{prefix}-{publisher}.fifo"


def inbox_name(prefix: str, consumer: Service) -> str:
    return f"{prefix}-{consumer}-inbox.fifo"


def dlq_name(prefix: str, queue: str) -> str:
    # "x-inbox.fifo" -> "x-inbox-dlq.fifo"; "x-timers" -> "x-timers-dlq"
    if queue.endswith(".fifo"):
        return f"{queue[: -len('.fifo')]}-dlq.fifo"
    return f"{queue}-dlq"


def timer_queue_name(prefix: str, owner: Service) -> str:
    return f"{prefix}-{owner}-timers"


def table_name(prefix: str, logical: str) -> str:
    return f"{prefix}-{logical}"
