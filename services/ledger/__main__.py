"""`python -m services.ledger`: keep everyone's points, from the ledger inbox."""

from __future__ import annotations

import asyncio

from services.ledger.service import run
from services.ledger.settings import LedgerSettings
from services.runtime import service
from services.runtime.settings import load


def main() -> None:
    settings = load(LedgerSettings)

    async def consume(stop: asyncio.Event) -> None:
        await run(settings, stop)

    service.run("ledger", settings, consume)


if __name__ == "__main__":
    main()
