"""Throttling a test's own tables in the embedded AWS (services/devstack/faults.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from services.devstack.embedded_aws import MotoServer
from tests.conftest import Stack

OFF = {"throttle": 0.0, "conflict": 0.0, "delay_ms": 0, "table_prefix": ""}


@contextlib.contextmanager
def faults(
    server: MotoServer, stack: Stack, seed: int = 1, **config: Any
) -> Iterator[Callable[[], dict[str, Any]]]:
    """Refuse a share of the DynamoDB calls on `stack`'s tables meanwhile (e.g.
    `throttle=0.3`); yields a reader of what was injected. Off again on the way out."""
    server.faults(reset=True, seed=seed, table_prefix=f"{stack.prefix}-", **config)
    try:
        yield server.faults
    finally:
        server.faults(reset=True, **OFF)
