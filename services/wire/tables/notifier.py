"""Tables the notifier writes."""

from services.wire.names import Service
from services.wire.tables.spec import Key, Table, processed_table

N = Service.NOTIFIER

CONNECTIONS = Table(
    logical="notifier-connections",
    writer=N,
    hash_key=Key("userId"),
    range_key=Key("connectionId"),
    doc="The notifier's own copy of each person's open connections (from connection events).",
)

TABLES = (CONNECTIONS, processed_table(N))
