"""Faults moto never produces, on purpose: throttled, crossed and slow calls in the embedded AWS.

A WSGI layer in front of moto's dispatcher answers a share of DynamoDB's data calls with AWS's
own error shapes (JSON 1.0, HTTP 400, `__type` naming the error), before moto sees them:

- a single call (GetItem, PutItem, Query, BatchGetItem, ...): `ProvisionedThroughputExceeded
  Exception` or `ThrottlingException`, one or the other at random;
- `TransactWriteItems` / `TransactGetItems`: `TransactionCanceledException` whose
  `CancellationReasons` name `ThrottlingError` for one item and `None` for the others, as
  DynamoDB cancels a transaction that touched a throttled table; with the *conflict* share, the
  reason is `TransactionConflict` (another transaction was writing that item).

It can also delay answers (any AWS call, before it is handled). Control-plane calls
(CreateTable, DescribeTable, ...) are never refused, so provisioning is unaffected. Nothing
changes unless asked: all shares are 0 by default.

Configured from the environment when the embedded AWS starts:

    PARLEY_FAULT_DYNAMODB_THROTTLE=0.05  share of DynamoDB data calls refused as throttled
    PARLEY_FAULT_DYNAMODB_CONFLICT=0     share of transactions cancelled as crossed
    PARLEY_FAULT_DELAY_MS=0              answers wait this long first ...
    PARLEY_FAULT_DELAY_SHARE=1           ... this share of them
    PARLEY_FAULT_SEED=                   which calls: the same seed, the same choices
    PARLEY_FAULT_TABLE_PREFIX=           only calls on tables named so (default: every table)

and at run time through `PATH`: `GET` answers `{"config": {...}, "injected": {"<code>
<Operation>": n}, "throttled": n, "conflicts": n, "delayed": n, "examined": n}` (counts since
the start or the last reset); `POST` with a JSON object sets the fields it names (`throttle`,
`conflict`, `delay_ms`, `delay_share`, `seed`, `table_prefix`) and with `"reset": true` zeroes
the counts, then answers as `GET`.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

PATH = "/_parley/faults"
ENV_THROTTLE = "PARLEY_FAULT_DYNAMODB_THROTTLE"
ENV_CONFLICT = "PARLEY_FAULT_DYNAMODB_CONFLICT"
ENV_DELAY_MS = "PARLEY_FAULT_DELAY_MS"
ENV_DELAY_SHARE = "PARLEY_FAULT_DELAY_SHARE"
ENV_SEED = "PARLEY_FAULT_SEED"
ENV_TABLE_PREFIX = "PARLEY_FAULT_TABLE_PREFIX"

# The calls that read or write items: what DynamoDB throttles.
DATA_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "TransactGetItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
_TRANSACTIONS = frozenset({"TransactWriteItems", "TransactGetItems"})
_DDB = "com.amazonaws.dynamodb.v20120810#"
# AWS's own wording, so logs read as they would in AWS.
_MESSAGES = {
    "ProvisionedThroughputExceededException": (
        _DDB + "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    ),
    "ThrottlingException": (
        "com.amazon.coral.availability#ThrottlingException",
        "Rate of requests exceeds the allowed throughput.",
    ),
}
_REASON_MESSAGES = {
    "ThrottlingError": "Throughput exceeds the current capacity of your table or index. DynamoDB "
    "is automatically scaling your table or index so please try again shortly. If exceptions "
    "persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/"
    "developerguide/bp-partition-key-design.html.",
    "TransactionConflict": "Transaction is ongoing for the item",
}
_SIGNED = re.compile(r"Credential=[^/\s]+/\d{8}/[^/]+/[a-z0-9-]+/")

StartResponse = Callable[..., Any]
App = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Config:
    throttle: float = 0.0
    conflict: float = 0.0
    delay_ms: int = 0
    delay_share: float = 1.0
    seed: int | None = None
    table_prefix: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Config:
        seed = env.get(ENV_SEED, "").strip()
        return cls(
            throttle=_share(env.get(ENV_THROTTLE, "0"), ENV_THROTTLE),
            conflict=_share(env.get(ENV_CONFLICT, "0"), ENV_CONFLICT),
            delay_ms=int(env.get(ENV_DELAY_MS, "0") or 0),
            delay_share=_share(env.get(ENV_DELAY_SHARE, "1"), ENV_DELAY_SHARE),
            seed=int(seed) if seed else None,
            table_prefix=env.get(ENV_TABLE_PREFIX, ""),
        )

    def changed(self, fields: Mapping[str, Any]) -> Config:
        known = {k: v for k, v in fields.items() if k in asdict(self)}
        for name in ("throttle", "conflict", "delay_share"):
            if name in known:
                known[name] = _share(known[name], name)
        if "delay_ms" in known:
            known["delay_ms"] = max(0, int(known["delay_ms"]))
        return replace(self, **known)

    @property
    def active(self) -> bool:
        return bool(self.throttle or self.conflict or self.delay_ms)


def _share(value: Any, name: str) -> float:
    share = float(value or 0)
    if not 0 <= share <= 1:
        raise ValueError(f"{name} must be a share between 0 and 1, not {value!r}")
    return share


@dataclass
class Fault:
    """What to answer instead of moto: an HTTP status, headers and a JSON body."""

    code: str
    body: dict[str, Any]
    status: str = "400 Bad Request"

    def headers(self, payload: bytes) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("Content-Length", str(len(payload))),
            ("x-amzn-RequestId", uuid.uuid4().hex.upper()),
        ]


def throttle_error(code: str) -> Fault:
    """`ProvisionedThroughputExceededException` or `ThrottlingException`, as DynamoDB says it."""
    type_, message = _MESSAGES[code]
    return Fault(code, {"__type": type_, "message": message})


def cancelled(items: int, index: int, reason: str) -> Fault:
    """`TransactionCanceledException`: `reason` for item `index`, `None` for the others."""
    reasons: list[dict[str, str]] = [{"Code": "None"} for _ in range(max(1, items))]
    reasons[min(index, len(reasons) - 1)] = {"Code": reason, "Message": _REASON_MESSAGES[reason]}
    codes = ", ".join(r["Code"] for r in reasons)
    return Fault(
        reason,
        {
            "__type": _DDB + "TransactionCanceledException",
            "CancellationReasons": reasons,
            "Message": "Transaction cancelled, please refer cancellation reasons for specific "
            f"reasons [{codes}]",
        },
    )


@dataclass
class Faults:
    """The WSGI layer: `__call__(environ, start_response, app)` answers or hands on to `app`."""

    config: Config = field(default_factory=Config)
    injected: Counter[str] = field(default_factory=Counter)
    examined: int = 0
    delayed: int = 0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)

    def configure(self, fields: Mapping[str, Any]) -> None:
        with self._lock:
            new = self.config.changed(fields)
            if "seed" in fields:
                self._rng = random.Random(new.seed)
            self.config = new
            if fields.get("reset"):
                self.injected.clear()
                self.examined = self.delayed = 0

    def state(self) -> dict[str, Any]:
        with self._lock:
            injected = dict(self.injected)
            return {
                "config": asdict(self.config),
                "injected": injected,
                "throttled": sum(
                    n for k, n in injected.items() if not k.startswith("TransactionConflict ")
                ),
                "conflicts": sum(
                    n for k, n in injected.items() if k.startswith("TransactionConflict ")
                ),
                "delayed": self.delayed,
                "examined": self.examined,
            }

    def __call__(self, environ: dict[str, Any], start_response: StartResponse, app: App) -> Any:
        if environ.get("PATH_INFO") == PATH:
            return self._admin(environ, start_response)
        config = self.config
        if not config.active or not _SIGNED.search(environ.get("HTTP_AUTHORIZATION", "")):
            return app(environ, start_response)  # off, or not an AWS call (moto's own API)
        if config.delay_ms and self._draw(config.delay_share):
            with self._lock:
                self.delayed += 1
            self.sleep(config.delay_ms / 1000)
        fault = self._fault(environ, config)
        if fault is None:
            return app(environ, start_response)
        payload = json.dumps(fault.body).encode()
        start_response(fault.status, fault.headers(payload))
        return [payload]

    def _fault(self, environ: dict[str, Any], config: Config) -> Fault | None:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith("DynamoDB_") or not (config.throttle or config.conflict):
            return None
        operation = target.rsplit(".", 1)[-1]
        if operation not in DATA_OPERATIONS:
            return None
        params = _json(_body(environ))
        if config.table_prefix and not any(
            t.startswith(config.table_prefix) for t in _tables(params)
        ):
            return None
        with self._lock:
            self.examined += 1
            draw = self._rng.random()
            transaction = operation in _TRANSACTIONS
            items = len(params.get("TransactItems", [])) if transaction else 0
            fault: Fault | None = None
            if draw < config.throttle:
                if transaction:
                    fault = cancelled(items, self._rng.randrange(max(1, items)), "ThrottlingError")
                else:
                    fault = throttle_error(
                        self._rng.choice(
                            ["ProvisionedThroughputExceededException", "ThrottlingException"]
                        )
                    )
            elif transaction and draw < config.throttle + config.conflict:
                fault = cancelled(items, self._rng.randrange(max(1, items)), "TransactionConflict")
            if fault is not None:
                self.injected[f"{fault.code} {operation}"] += 1
            return fault

    def _draw(self, share: float) -> bool:
        with self._lock:
            return self._rng.random() < share

    def _admin(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            try:
                fields = _json(_body(environ))
                self.configure(fields)
            except (ValueError, TypeError) as exc:
                payload = json.dumps({"error": str(exc)}).encode()
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [payload]
        payload = json.dumps(self.state()).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [payload]


def _body(environ: dict[str, Any]) -> bytes:
    """The request body, read once and put back for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _json(body: bytes) -> dict[str, Any]:
    try:
        found = json.loads(body or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _tables(params: Mapping[str, Any]) -> list[str]:
    tables = [str(params["TableName"])] if "TableName" in params else []
    tables += list(params.get("RequestItems", {}))
    for item in params.get("TransactItems", []):
        tables += [str(b.get("TableName", "")) for b in item.values() if isinstance(b, dict)]
    return tables


def install(faults: Faults | None = None) -> Faults:
    """Put the fault layer in front of moto's dispatcher in this process (configured from the
    environment unless given)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    layer = faults or Faults(Config.from_env())
    dispatch = DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        return layer(environ, start_response, lambda e, s: dispatch(self, e, s))

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]
    return layer


def admin(url: str, timeout_s: float = 5.0, **fields: Any) -> dict[str, Any]:
    """Ask the embedded AWS at `url` for its fault state, setting `fields` first if any."""
    import urllib.request

    data = json.dumps(fields).encode() if fields else None
    request = urllib.request.Request(
        f"{url.rstrip('/')}{PATH}",
        data=data,
        method="POST" if fields else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as resp:
        state: dict[str, Any] = json.loads(resp.read())
        return state
