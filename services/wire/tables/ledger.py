"""Tables the ledger writes."""

from services.wire.names import Service
from services.wire.tables.spec import Index, Key, Table, processed_table

L, G = Service.LEDGER, Service.GATEWAY

ENTRIES = Table(
    logical="ledger-entries",
    writer=L,
    hash_key=Key("userDay"),
    range_key=Key("entryKey"),
    ttl_attribute=None,
    readers=frozenset({G}),  # the export (GET /v1/me/export)
    doc="Append-only points log per person and day; entryKey is the idempotency key.",
)

HOLDS = Table(
    logical="ledger-holds",
    writer=L,
    hash_key=Key("holdId"),
    # Sparse: only open holds carry `openShard`, so the reconciler reads only what may be stuck.
    indexes=(Index("open", Key("openShard"), Key("decidedAt")),),
    readers=frozenset({G}),  # the export (GET /v1/me/export)
    doc=(
        "One item per hold (ticket, invite, accepted invite): held → in_session → settled, or "
        "released; rejected (never funded) or void (closed before it was asked: a tombstone)."
    ),
)

ACCOUNTS = Table(
    logical="ledger-accounts",
    writer=L,
    hash_key=Key("userId"),
    ttl_attribute=None,
    readers=frozenset({G}),  # the export (GET /v1/me/export)
    doc=(
        "One item per person: the one open hold whatever its day (one thing at a time), and a "
        "version every change of that person's points is conditional on."
    ),
)

SUMMARIES = Table(
    logical="ledger-summaries",
    writer=L,
    hash_key=Key("userId"),
    range_key=Key("day"),
    readers=frozenset({G}),
    doc="Per person and day: charged, held, the active hold; one GetItem answers /v1/me.",
)

TABLES = (ENTRIES, HOLDS, ACCOUNTS, SUMMARIES, processed_table(L))
