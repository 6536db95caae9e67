"""Tables the notifier writes."""

from services.wire.names import Service
from services.wire.tables.spec import Key, Table, processed_table

N = Service.NOTIFIER

CONNECTIONS = Table(
    logical="notifier-connections",
    writer=N,
    # One item per person, `connectionIds` a string set: one BatchGetItem finds the open
    # connections of up to 100 people at once, and ADD/DELETE on the set are idempotent.
    hash_key=Key("userId"),
    doc=(
        "The notifier's own copy of each person's open connections (from connection events; "
        "a 410 from the connections API removes one)."
    ),
)

TABLES = (CONNECTIONS, processed_table(N))
