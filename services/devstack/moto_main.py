"""The embedded AWS's entry point: moto's server, with DynamoDB calls made one at a time.

moto runs each request on its own thread, and a cancelled DynamoDB transaction restores the
tables from a copy taken when it began — erasing writes other requests committed meanwhile.
Real DynamoDB never does that, so the embedded one serialises its DynamoDB calls, and backs
a transaction up item by item rather than table by table (`moto_transactions`). Its SQS long
poll answers as SQS's does, as soon as a message is deliverable (`moto_sqs`), and it counts
every call it answers (`call_counter`). On request it throttles a share of DynamoDB calls,
cancels transactions as crossed and slows answers, as AWS does and moto never does (`faults`,
`PARLEY_FAULT_*`; off by default).

It is served by waitress rather than werkzeug's development server, which moto uses: that one
answers every request with `Connection: close`, so each call the services made opened a TCP
connection and the server a thread for it — measured under load (`make load`), ~12,000
sockets in TIME-WAIT after a two-minute run and an eighth of each service's CPU spent
connecting. waitress keeps connections alive, as AWS's endpoints do, and answers from a pool
of threads.

With `PARLEY_LOCAL_IAM=enforce` it also checks IAM on every request, against the admin and
per-service users `local_iam.seed` creates before the first request (see local_iam.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
from typing import Any

from moto import backends
from moto.dynamodb.responses import DynamoHandler

from services.devstack import call_counter, faults, moto_sqs, moto_transactions

_lock = threading.Lock()
_call_action = DynamoHandler.call_action


def _serialised(self: Any) -> Any:
    with _lock:
        return _call_action(self)


DynamoHandler.call_action = _serialised  # type: ignore[method-assign]
moto_transactions.install()
moto_sqs.install()

# Two per-request costs measured under load (py-spy, 24 people at 5 joins/s): werkzeug's
# access-log line for every request, its threads queueing on the log handler's lock (~26 %
# of the server's samples, for output that goes nowhere), and the request router listing
# moto's package folder on disk for every request, under a global lock (~8 %).
logging.getLogger("werkzeug").setLevel(logging.WARNING)
_MODULES = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _MODULES


def enforce_iam() -> None:
    from moto import settings
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    from services.devstack.local_iam import seed

    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # every request is signed by a known identity
    seed(iam_backends[DEFAULT_ACCOUNT_ID]["aws"], "us-east-1")
    _let_people_sign_in()
    _answer_preflights()


# What a person's browser calls on Cognito carries no AWS signature (in AWS too: these
# operations are authorised by the user pool's client id or the person's own token).
_PUBLIC_COGNITO = frozenset(
    {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GetUser",
        "GlobalSignOut",
        "RevokeToken",
        "SignUp",
        "ConfirmSignUp",
        "ForgotPassword",
        "ConfirmForgotPassword",
        "ChangePassword",
    }
)


def _answer_preflights() -> None:
    """A browser asks before it calls Cognito from the page (CORS preflight, unsigned). moto
    routes such a request to its S3 backend, whose IAM check fails on the missing signature
    with a 500; the embedded AWS answers preflights itself, as AWS's endpoints do."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    dispatch = DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") != "OPTIONS":
            return dispatch(self, environ, start_response)
        headers = [
            ("Access-Control-Allow-Origin", environ.get("HTTP_ORIGIN", "*")),
            ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"),
            (
                "Access-Control-Allow-Headers",
                environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "*"),
            ),
            ("Access-Control-Max-Age", "600"),
            ("Content-Length", "0"),
        ]
        start_response("200 OK", headers)
        return [b""]

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]


def _let_people_sign_in() -> None:
    from moto.cognitoidp.responses import CognitoIdpResponse

    checked = CognitoIdpResponse._authenticate_and_authorize_normal_action

    def authorise(self: Any, resource: str = "*") -> None:
        if self._get_action() in _PUBLIC_COGNITO:
            return
        checked(self, resource)

    CognitoIdpResponse._authenticate_and_authorize_normal_action = authorise  # type: ignore[method-assign]


# Threads answering requests. A waiting SQS long poll holds one for up to its wait time, and
# each consumer of a stack keeps a poll or two open; the rest answer at once.
THREADS = 64


def serve(argv: list[str] | None = None) -> None:
    import waitress
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    parser = argparse.ArgumentParser(description="Parley's embedded AWS")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto's own server sets it
    logging.getLogger("waitress").setLevel(logging.ERROR)
    waitress.serve(
        DomainDispatcherApplication(create_backend_app),
        host=args.host,
        port=args.port,
        threads=THREADS,
        connection_limit=2000,
        channel_timeout=120,  # idle keep-alive connections; clients drop theirs sooner
        asyncore_use_poll=True,  # no 1,024-descriptor ceiling
        ident="parley-embedded-aws",
    )


if __name__ == "__main__":
    from services.devstack.local_iam import enforcing

    if enforcing():
        enforce_iam()
    faults.install()  # inside the tally: a refused call was still made, and is counted
    call_counter.install()
    serve()
