"""The real ledger service, except that the process dies the moment it first tries to publish.

That is right after its DynamoDB transaction committed and before the message is deleted: the
worst place to die. Run as `python -m tests.integration.ledger.crashing_ledger` with PARLEY_*
settings in the environment; it exits with status 137 as if SIGKILLed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from services.ledger.__main__ import main
from services.runtime.publisher import Publisher


async def _die(self: Publisher, events: Sequence[Any]) -> None:
    sys.stdout.write("crashing.after_commit\n")
    sys.stdout.flush()
    os._exit(137)


if __name__ == "__main__":
    Publisher.publish_many = _die  # type: ignore[method-assign]
    main()
