"""`python -m tests.integration.matcher.crashing_matcher`: the real matcher, killed (SIGKILL,
no clean-up of any kind) right after it commits a session and before it announces it.

Its inbox messages come back after 3 s instead of 30 s, so the test also sees the input
that was in flight at the moment of the kill delivered again.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from typing import Any

from services.matcher import service
from services.matcher.__main__ import main
from services.matcher.tables import outbox
from services.matcher.tables.outbox import Action

_perform = outbox.Outbox.perform
_inbox_consumer = getattr(service, "inbox_consumer")  # noqa: B009


async def perform(self: outbox.Outbox, actions: Sequence[Action]) -> None:
    if any(a.kind == "publish" and '"type":"session.started"' in a.body for a in actions):
        os.kill(os.getpid(), signal.SIGKILL)
    await _perform(self, actions)


async def inbox_consumer(*args: Any, **kwargs: Any) -> Any:
    return await _inbox_consumer(*args, **kwargs, visibility_timeout_s=3)


outbox.Outbox.perform = perform  # type: ignore[method-assign]
setattr(service, "inbox_consumer", inbox_consumer)  # noqa: B010

if __name__ == "__main__":
    main()
