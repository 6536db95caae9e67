"""Running a service process: signals become a stop event, logs configured first."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from services.runtime.logs import configure, get_logger
from services.runtime.settings import BaseServiceSettings


def run(
    name: str,
    settings: BaseServiceSettings,
    main: Callable[[asyncio.Event], Awaitable[None]],
) -> None:
    """asyncio.run(main(stop)); SIGTERM/SIGINT set `stop` and main drains and returns."""
    configure(name, settings.log_level, settings.log_format)
    log = get_logger()

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log.info("service.starting", prefix=settings.name_prefix)
        await main(stop)
        log.info("service.stopped")

    asyncio.run(runner())
