"""The embedded AWS's entry point: moto's server, with DynamoDB calls made one at a time.

moto runs each request on its own thread, and a cancelled DynamoDB transaction restores the
tables from a copy taken when it began — erasing writes other requests committed meanwhile.
Real DynamoDB never does that, so the embedded one serialises its DynamoDB calls, and backs
a transaction up item by item rather than table by table (`moto_transactions`).

With `PARLEY_LOCAL_IAM=enforce` it also checks IAM on every request, against the admin and
per-service users `local_iam.seed` creates before the first request (see local_iam.py).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from moto import backends
from moto.dynamodb.responses import DynamoHandler
from moto.server import main
from werkzeug.serving import WSGIRequestHandler

from services.devstack import moto_transactions

_lock = threading.Lock()
_call_action = DynamoHandler.call_action


def _serialised(self: Any) -> Any:
    with _lock:
        return _call_action(self)


DynamoHandler.call_action = _serialised  # type: ignore[method-assign]
moto_transactions.install()

# Two per-request costs measured under load (py-spy, 24 people at 5 joins/s): werkzeug's
# access-log line for every request, its threads queueing on the log handler's lock (~26 %
# of the server's samples, for output that goes nowhere), and the request router listing
# moto's package folder on disk for every request, under a global lock (~8 %).
logging.getLogger("werkzeug").setLevel(logging.WARNING)
# And a new TCP connection for every call: werkzeug answers HTTP/1.0 unless told otherwise,
# so the clients' connection pools never reuse a connection (accept, selector, close each
# time, ~20 % of samples). AWS keeps connections alive; so does the embedded one.
WSGIRequestHandler.protocol_version = "HTTP/1.1"
_MODULES = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _MODULES


def enforce_iam() -> None:
    from moto import settings
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    from services.devstack.local_iam import seed

    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # every request is signed by a known identity
    seed(iam_backends[DEFAULT_ACCOUNT_ID]["aws"], "us-east-1")


if __name__ == "__main__":
    from services.devstack.local_iam import enforcing

    if enforcing():
        enforce_iam()
    main()
