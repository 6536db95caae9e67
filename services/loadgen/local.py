"""`python -m services.loadgen.local [loadgen options]`: what `make load` runs.

Starts the local stack the way `make dev` does (`python -m services.devstack`, here on free
ports unless PARLEY_HTTP_PORT / PARLEY_MOTO_PORT say otherwise, with a daily allowance a load
run cannot exhaust), runs the load generator against it, and stops the stack.
"""

from __future__ import annotations

import os
import sys

from services.devstack.embedded_aws import free_port
from services.devstack.launch import Launched
from services.loadgen import __main__ as loadgen

# 0.5 s sessions charge one point each; a person may have hundreds in a long run. (Where the
# time went is read from the services' raw JSON lines, which the launcher gives a program.)
LOAD_ENV = {"PARLEY_DAILY_POINTS": "600"}


def stack() -> Launched:
    """On PARLEY_HTTP_PORT / PARLEY_MOTO_PORT / PARLEY_MOTO_DYNAMODB_PORT if set, else on free
    ports; DynamoDB in an embedded AWS process of its own, as `make dev` runs it
    (PARLEY_MOTO_DYNAMODB_PORT=0 keeps it in the one process)."""
    dynamodb = os.environ.get("PARLEY_MOTO_DYNAMODB_PORT")
    return Launched(
        int(os.environ.get("PARLEY_HTTP_PORT") or free_port()),
        int(os.environ.get("PARLEY_MOTO_PORT") or free_port()),
        {k: v for k, v in LOAD_ENV.items() if k not in os.environ},
        dynamodb_port=free_port() if dynamodb is None else int(dynamodb) or None,
    )


def main(argv: list[str]) -> int:
    local = stack()
    print(f"loadgen: starting the local stack (gateway :{local.http_port})", flush=True)
    local.start(timeout_s=120)
    try:
        urls = [f"--base-url={local.url}", f"--moto-url={local.moto_url}"]
        argv = [*urls, f"--dynamodb-url={local.dynamodb_url}", *argv]
        return loadgen.main(argv, stack_log=lambda: local.log)
    finally:
        local.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
