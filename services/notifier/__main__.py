"""`python -m services.notifier`: consume the notifier inbox and push to people's WebSockets."""

from __future__ import annotations

import asyncio

from services.notifier.service import run
from services.notifier.settings import NotifierSettings
from services.runtime import service
from services.runtime.settings import load


def main() -> None:
    settings = load(NotifierSettings)

    async def serve(stop: asyncio.Event) -> None:
        await run(settings, stop)

    service.run("notifier", settings, serve)


if __name__ == "__main__":
    main()
