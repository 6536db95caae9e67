"""The local stack started the README's way (`python -m services.devstack`, what `make dev`
runs), on free ports, with short timeouts where a test needs them."""

from __future__ import annotations

import os
from pathlib import Path

from services.devstack.embedded_aws import free_port
from services.devstack.launch import Launched

ROOT = Path(__file__).resolve().parents[2]


class LocalStack(Launched):
    """The stack for a browser test: only the settings the test gives (none of the caller's
    PARLEY_*), and the services' AWS calls recorded for the IAM check (tests/conftest.py)."""

    def start(self, timeout_s: float = 90) -> LocalStack:
        self.keep_parley_env = False
        self.env = {
            "PARLEY_RECORD_AWS_CALLS": os.environ.get("PARLEY_RECORD_AWS_CALLS", ""),
            **self.env,
        }
        super().start(timeout_s)
        return self


def new_stack(**env: str) -> LocalStack:
    return LocalStack(free_port(), free_port(), env)


def add_people(stack: LocalStack, *names: str) -> None:
    """More people in the stack's user pool (beyond the demo four), for tests that need them."""
    import json
    import urllib.request

    from services.devstack.cognito import add_person
    from services.devstack.provision import clients

    with urllib.request.urlopen(f"{stack.url}/v1/config", timeout=5) as resp:
        auth = json.loads(resp.read())["auth"]
    idp = clients(stack.moto_url, auth["region"], "cognito-idp")
    for name in names:
        add_person(idp, auth["userPoolId"], name)
