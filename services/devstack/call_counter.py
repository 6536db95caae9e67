"""Count the calls the embedded AWS answers, by caller and operation.

`GET /_parley/calls` answers `{"calls": {"<caller> <aws> <Operation>": n, ...}, "seconds":
{...}, "cpu": {...}}` since the process started: how many, the time the server took answering
them, and the CPU time of the threads that answered (what share of the process each kind of
call takes; moto answers each request on a thread of its own). The caller is the Parley
service whose local IAM user signed the call (`local_iam.service_keys`), `tools` for the
admin's keys, else `other`. The load generator
reads it before and after a run to state the AWS calls per conversation of the whole flow.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import parse_qs

PATH = "/_parley/calls"
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/\d{8}/[^/]+/([a-z0-9-]+)/")
_TABLE = re.compile(rb'"TableName":\s*"([^"]+)"')
_LOCAL_SERVICE_KEY = re.compile(r"^AKIAPARLEY([A-Z]+?)X*$")


def caller(access_key_id: str) -> str:
    """`AKIAPARLEYMATCHERXXX` → `matcher` (a service's local key), admin → `tools`."""
    if access_key_id.startswith("AKIAPARLEYLOCALADMIN"):
        return "tools"
    m = _LOCAL_SERVICE_KEY.match(access_key_id)
    return m.group(1).lower() if m else "other"


def _body(environ: dict[str, Any]) -> bytes:
    """The request body, read once and put back for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def operation(environ: dict[str, Any]) -> str:
    """The operation a request names: `X-Amz-Target` (JSON protocols) or the form's `Action`
    (query protocol, SNS); a DynamoDB call on one table names it too (`GetItem@sessions`,
    the stack's prefix left out), to tell which read a service makes how often."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target.startswith("DynamoDB_"):
        table = _TABLE.search(_body(environ)[:400])
        name = table.group(1).decode().split("-", 2)[-1] if table else ""
        return target.rsplit(".", 1)[-1] + (f"@{name}" if name else "")
    if target:
        return target.rsplit(".", 1)[-1]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(_body(environ).decode("utf-8", "replace")).get("Action", [""])[0]
        if action:
            return action
    method: str = environ.get("REQUEST_METHOD", "?")
    return method


class CallCounter:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._seconds: defaultdict[str, float] = defaultdict(float)
        self._cpu: defaultdict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any, app: Any) -> Any:
        """Answer `PATH` or count the request, then hand it to `app` (moto's dispatcher)."""
        if environ.get("PATH_INFO") == PATH:
            with self._lock:
                body = json.dumps(
                    {
                        "calls": dict(self._counts),
                        "seconds": {k: round(v, 6) for k, v in self._seconds.items()},
                        "cpu": {k: round(v, 6) for k, v in self._cpu.items()},
                    }
                ).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        m = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if not m:
            return app(environ, start_response)
        key = f"{caller(m.group(1))} {m.group(2)} {operation(environ)}"
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            # moto answers with a list: the work is done when `app` returns.
            return app(environ, start_response)
        finally:
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            with self._lock:
                self._counts[key] += 1
                self._seconds[key] += wall
                self._cpu[key] += cpu


def install() -> None:
    """Count every request moto's dispatcher answers in this process."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    dispatch = DomainDispatcherApplication.__call__
    counter = CallCounter()

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        return counter(environ, start_response, lambda e, s: dispatch(self, e, s))

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]
