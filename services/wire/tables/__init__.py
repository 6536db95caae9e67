"""Every DynamoDB table, each with exactly one writing service."""

from services.wire.tables import gateway, ledger, matcher, notifier, safety
from services.wire.tables.spec import Index, Key, Table, processed_table

ALL_TABLES: tuple[Table, ...] = (
    gateway.TABLES + safety.TABLES + ledger.TABLES + matcher.TABLES + notifier.TABLES
)

__all__ = ["ALL_TABLES", "Index", "Key", "Table", "processed_table"]
