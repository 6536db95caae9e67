"""`python -m services.matcher`: pools, pairing, sessions, invites and their timers."""

from __future__ import annotations

import asyncio

from services.matcher.service import run
from services.matcher.settings import MatcherSettings
from services.runtime import service
from services.runtime.settings import load


def main() -> None:
    settings = load(MatcherSettings)

    async def matcher(stop: asyncio.Event) -> None:
        await run(settings, stop)

    service.run("matcher", settings, matcher)


if __name__ == "__main__":
    main()
