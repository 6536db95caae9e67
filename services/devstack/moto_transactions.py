"""DynamoDB transactions in the embedded AWS, undone item by item instead of table by table.

moto backs up every table a `TransactWriteItems` touches with a deep copy before it starts,
so one transaction costs time in proportion to the size of those tables (measured under
load: about two thirds of the embedded AWS's CPU, and, DynamoDB calls being serialised, a
wait for every other call). Real DynamoDB has no such cost. Here the backup is an undo log
of just the items the transaction names; moto's own logic (conditions, cancellation
reasons, what is applied in which order) is unchanged.

Only safe because DynamoDB calls are serialised (`moto_main`): nothing else writes while a
transaction runs or is undone.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

Undo = list[tuple[Table, DynamoType, DynamoType | None, Item | None]]


class _TablesAsThemselves:
    """Stands in for the `copy` module inside moto's DynamoDB backend: a table "copy" is the
    table itself (so moto's own rollback changes nothing, and the undo log restores the
    items); anything else is copied as before."""

    @staticmethod
    def deepcopy(obj: Any, memo: dict[int, Any] | None = None) -> Any:
        return obj if isinstance(obj, Table) else copy.deepcopy(obj, memo)


def _undo_log(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Undo:
    undo: Undo = []
    for entry in transact_items:
        try:
            op_type, op = next(iter(entry.items()))
            table = backend.get_table(op["TableName"])
            keys = op["Key"] if op_type != "Put" else _key_of(table, op["Item"])
            hash_key, range_key = backend.get_keys_value(table, keys)
        except Exception:
            continue  # a malformed entry: moto reports it and writes nothing for it
        before = table.get_item(hash_key, range_key)
        undo.append((table, hash_key, range_key, copy.deepcopy(before)))
    return undo


def _key_of(table: Table, attrs: dict[str, Any]) -> dict[str, Any]:
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {n: attrs[n] for n in names if n in attrs}


def _restore(undo: Undo) -> None:
    for table, hash_key, range_key, before in reversed(undo):
        if range_key is not None:
            if before is None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items[hash_key][range_key] = before
        elif before is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = before  # type: ignore[assignment]


_original = DynamoDBBackend.transact_write_items


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    undo = _undo_log(self, transact_items)
    try:
        _original(self, transact_items)
    except Exception:
        _restore(undo)
        raise


def install() -> None:
    setattr(dynamodb_models, "copy", _TablesAsThemselves)  # noqa: B010 (moto reads it by name)
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
