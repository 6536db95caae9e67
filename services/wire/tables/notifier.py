"""Tables the notifier writes."""

from services.wire.names import Service
from services.wire.tables.spec import Key, Table, processed_table

N, G = Service.NOTIFIER, Service.GATEWAY

CONNECTIONS = Table(
    logical="notifier-connections",
    writer=N,
    # One item per person, `connectionIds` a string set: one BatchGetItem finds the open
    # connections of up to 100 people at once, and ADD/DELETE on the set are idempotent.
    hash_key=Key("userId"),
    readers=frozenset({G}),  # the export (GET /v1/me/export)
    doc=(
        "The notifier's own copy of each person's open connections (from connection events; "
        "a 410 from the connections API removes one)."
    ),
)

TABLES = (CONNECTIONS, processed_table(N))
