"""Tables the gateway writes."""

from services.wire.names import Service
from services.wire.tables.spec import Index, Key, Table

G = Service.GATEWAY

PROFILES = Table(
    logical="gateway-profiles",
    writer=G,
    hash_key=Key("userId"),
    ttl_attribute=None,
    doc="Display name, email and languages (speaks/learns) per person.",
)

CONNECTIONS = Table(
    logical="gateway-connections",
    writer=G,
    hash_key=Key("connectionId"),
    indexes=(Index("byUser", Key("userId"), Key("connectionId")),),
    doc="Open WebSocket connections; expiresAt is refreshed by heartbeats.",
)

PRESENCE = Table(
    logical="gateway-presence",
    writer=G,
    hash_key=Key("userId"),
    # Sparse index: only people online carry `shard`; a query per shard lists them newest first.
    indexes=(Index("online", Key("shard"), Key("lastSeen", "N")),),
    doc="Who is online now, with their languages; expires unless refreshed.",
)

RATE_LIMITS = Table(
    logical="gateway-ratelimits",
    writer=G,
    # Keyed by person, so one Query finds (and erases) everything kept about them.
    hash_key=Key("userId"),
    range_key=Key("window"),
    doc="Requests reserved per person and (rule, window) by all gateway tasks; expires after.",
)

TABLES = (PROFILES, CONNECTIONS, PRESENCE, RATE_LIMITS)
