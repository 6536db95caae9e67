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
    hash_key=Key("limitKey"),
    doc="Requests reserved per (rule, person, window) by all gateway tasks; expires after.",
)

TABLES = (PROFILES, CONNECTIONS, PRESENCE, RATE_LIMITS)
