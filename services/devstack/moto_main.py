"""The embedded AWS's entry point: moto's server, with DynamoDB calls made one at a time.

moto runs each request on its own thread, and a cancelled DynamoDB transaction restores the
tables from a copy taken when it began — erasing writes other requests committed meanwhile.
Real DynamoDB never does that, so the embedded one serialises its DynamoDB calls, and backs
a transaction up item by item rather than table by table (`moto_transactions`).
"""

from __future__ import annotations

import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

from services.devstack import moto_transactions

_lock = threading.Lock()
_call_action = DynamoHandler.call_action


def _serialised(self: Any) -> Any:
    with _lock:
        return _call_action(self)


DynamoHandler.call_action = _serialised  # type: ignore[method-assign]
moto_transactions.install()

if __name__ == "__main__":
    main()
