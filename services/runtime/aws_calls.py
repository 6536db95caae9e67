"""Record the AWS calls a service makes, so tests can check its IAM role against them.

Off unless `PARLEY_RECORD_AWS_CALLS=<file>` is set (the test suites set it). Then every client
a service opens through `runtime.aws.Aws` gets a botocore `before-parameter-build` hook that
appends one JSON line per distinct call: the Parley service, the AWS service, the operation
and the resources it names (table and index, queue, topic, user pool), with the deployment's name
prefix, so the check can map a test's resource names back to the wire's logical names
(tests/infra/iam_calls.py turns them into IAM actions and ARNs).
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

ENV = "PARLEY_RECORD_AWS_CALLS"
_seen: set[str] = set()
_lock = threading.Lock()


def recording() -> str | None:
    return os.environ.get(ENV) or None


def resources(service: str, operation: str, params: dict[str, Any]) -> list[dict[str, str]]:
    """What one call touches, as {"table", "index"} / {"queue"} / {"topic"} entries."""
    out: list[dict[str, str]] = []
    if service == "dynamodb":
        if "TableName" in params:
            entry = {"table": params["TableName"]}
            if params.get("IndexName"):
                entry["index"] = params["IndexName"]
            out.append(entry)
        for table in params.get("RequestItems", {}):
            out.append({"table": table, "op": operation.removeprefix("Batch")})
        for item in params.get("TransactItems", []):
            for kind, body in item.items():  # Put / Update / Delete / ConditionCheck / Get
                out.append({"table": body["TableName"], "op": kind})
    elif service == "sqs":
        if "QueueUrl" in params:
            out.append({"queue": params["QueueUrl"].rstrip("/").rsplit("/", 1)[-1]})
        elif "QueueName" in params:
            out.append({"queue": params["QueueName"]})
    elif service == "sns":
        arn = params.get("TopicArn") or params.get("TargetArn")
        if arn:
            out.append({"topic": arn.rsplit(":", 1)[-1]})
    elif service == "cognito-idp" and "UserPoolId" in params:
        out.append({"userpool": params["UserPoolId"]})
    return out


def register(client: Any, parley_service: str, prefix: str, path: str) -> None:
    """Hook `client` so each distinct call it makes is appended to `path`."""
    aws_service = client.meta.service_model.service_name

    def on_call(model: Any, params: dict[str, Any], **_: Any) -> None:
        call = {
            "service": parley_service,
            "prefix": prefix,
            "aws": aws_service,
            "operation": model.name,
            "resources": resources(aws_service, model.name, params),
        }
        line = json.dumps(call, sort_keys=True)
        with _lock:
            if line in _seen:
                return
            _seen.add(line)
            with open(path, "a", encoding="utf-8") as f:  # one short line: an atomic append
                f.write(line + "\n")

    # Every operation of this client, with the caller's own parameters (before serialising).
    service_id = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-parameter-build.{service_id}", on_call)
