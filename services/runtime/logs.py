"""structlog JSON logs with bound ids, and CloudWatch embedded-metric-format metrics.

A metric is a log line: `metric("MatchesMade", 1)` writes one JSON object that CloudWatch
Logs turns into a metric (namespace `Parley`, dimension `Service`) and that a person can
still read as a log.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog

NAMESPACE = "Parley"
Unit = Literal["Count", "Seconds", "Milliseconds", "None"]

_service = "parley"


def configure(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Set up structlog for one process; every line carries `service`."""
    global _service
    _service = service
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_service,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )


def _add_service(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event.setdefault("service", _service)
    return event


def get_logger(**bound: Any) -> Any:
    return structlog.get_logger().bind(**bound)


def emf(
    metrics: dict[str, tuple[float, Unit]], *, dims: tuple[str, ...] = (), **fields: Any
) -> dict[str, Any]:
    """The EMF fields for some metrics, to merge into one log line."""
    return {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Service", *dims]],
                    "Metrics": [{"Name": n, "Unit": u} for n, (_, u) in metrics.items()],
                }
            ],
        },
        "Service": _service,
        **{n: v for n, (v, _) in metrics.items()},
        **fields,
    }


def metric(
    name: str, value: float = 1, unit: Unit = "Count", *, dims: tuple[str, ...] = (), **fields: Any
) -> None:
    """Write one metric as a log line. Fields are searchable properties; those named in `dims`
    are dimensions too (besides Service)."""
    structlog.get_logger().info("metric", **emf({name: (value, unit)}, dims=dims, **fields))


def repair(kind: str, count: int = 1, **fields: Any) -> None:
    """A reconciler fixed something a lost message or a crash left behind (runbook: Repairs)."""
    metric("Repairs", count, "Count", dims=("Repair",), Repair=kind, **fields)


def log_with_metrics(
    logger: Any, message: str, metrics: dict[str, tuple[float, Unit]], **fields: Any
) -> None:
    """One log line that is also a set of metrics (e.g. a handled message and its timings)."""
    logger.info(message, **emf(metrics, **fields))
