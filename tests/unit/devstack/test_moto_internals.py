"""The embedded AWS patches moto's internals (services/devstack/moto_sqs.py,
moto_transactions.py, moto_main.py). moto is pinned exactly for that reason; this test is the
tripwire for the day the pin moves: it names every internal the patches rely on and fails with
the patch to re-check when one of them changed shape."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

import pytest

PATCHED_BY = {
    "sqs": "services/devstack/moto_sqs.py",
    "dynamodb": "services/devstack/moto_transactions.py and moto_main.py",
    "server": "services/devstack/moto_main.py",
}


def _shape_changed(area: str, what: str) -> str:
    return (
        f"moto changed the shape of {what}; the embedded AWS patches it in {PATCHED_BY[area]}: "
        "re-check that patch against the new moto before moving the pin in pyproject.toml"
    )


def _params(fn: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_sqs_queue_and_message_keep_the_fields_the_embedded_sqs_reads() -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import SQSBackend

    backend = SQSBackend("us-east-1", DEFAULT_ACCOUNT_ID)
    queue = backend.create_queue("shape.fifo", FifoQueue="true", ContentBasedDeduplication="false")
    backend.send_message("shape.fifo", "body", group_id="g", deduplication_id="d")
    for attr, kind in {
        "_messages": list,
        "pending_messages": set,
        "pending_message_groups": set,
        "fifo_queue": bool,
    }.items():
        assert isinstance(getattr(queue, attr, None), kind), _shape_changed("sqs", f"Queue.{attr}")
    lock = getattr(queue, "_messages_lock", None)
    assert isinstance(lock, threading.Condition), _shape_changed("sqs", "Queue._messages_lock")
    for attr in ("redrive_policy", "dead_letter_queue", "message_retention_period"):
        assert hasattr(queue, attr), _shape_changed("sqs", f"Queue.{attr}")
    message = queue._messages[0]
    for attr in ("visible_at", "delayed_until", "group_id", "sent_timestamp"):
        assert hasattr(message, attr), _shape_changed("sqs", f"Message.{attr}")
    assert isinstance(message.approximate_receive_count, int), _shape_changed(
        "sqs", "Message.approximate_receive_count"
    )
    assert _params(message.mark_received) == ["visibility_timeout"], _shape_changed(
        "sqs", "Message.mark_received"
    )


def test_sqs_methods_the_embedded_sqs_replaces_keep_their_signatures() -> None:
    from moto.core import utils
    from moto.sqs import models

    assert _params(models.SQSBackend.receive_message)[:6] == [
        "self",
        "queue_name",
        "count",
        "wait_seconds_timeout",
        "visibility_timeout",
        "message_attribute_names",
    ], _shape_changed("sqs", "SQSBackend.receive_message")
    assert _params(models.Queue.delete_message) == ["self", "receipt_handle"], _shape_changed(
        "sqs", "Queue.delete_message"
    )
    assert callable(getattr(models.SQSBackend, "change_message_visibility", None))
    assert callable(getattr(models.SQSBackend, "get_queue", None))
    for name in ("_filter_message_attributes", "Message", "Queue"):
        assert hasattr(models, name), _shape_changed("sqs", f"moto.sqs.models.{name}")
    assert callable(getattr(utils, "unix_time", None)), _shape_changed("sqs", "unix_time")


def test_dynamodb_internals_the_transactions_patch_uses_are_there() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    assert _params(models.DynamoDBBackend.transact_write_items) == [
        "self",
        "transact_items",
    ], _shape_changed("dynamodb", "DynamoDBBackend.transact_write_items")
    # The patch swaps the `copy` module moto's transaction code reads by name.
    assert inspect.ismodule(getattr(models, "copy", None)), _shape_changed(
        "dynamodb", "moto.dynamodb.models.copy"
    )
    assert _params(DynamoHandler.call_action) == ["self"], _shape_changed(
        "dynamodb", "DynamoHandler.call_action"
    )
    assert all(isinstance(c, type) for c in (DynamoType, Item, Table))


@pytest.mark.parametrize(
    ("module", "name", "params"),
    [
        ("moto.moto_server.werkzeug_app", "DomainDispatcherApplication.__call__",
         ["self", "environ", "start_response"]),
        ("moto.cognitoidp.responses",
         "CognitoIdpResponse._authenticate_and_authorize_normal_action", None),
        ("moto.backends", "list_of_moto_modules", []),
        ("moto.moto_server.werkzeug_app", "create_backend_app", None),
    ],
)  # fmt: skip
def test_server_internals_the_embedded_aws_wraps_are_there(
    module: str, name: str, params: list[str] | None
) -> None:
    import importlib

    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part, None)
        assert target is not None, _shape_changed("server", f"{module}.{name}")
    assert callable(target), _shape_changed("server", f"{module}.{name}")
    if params is not None:
        assert _params(target) == params, _shape_changed("server", f"{module}.{name}")
