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
    indexes=(
        Index("byUser", Key("userId"), Key("connectionId")),
        # Every record carries `leaseShard`: a query per shard finds leases that lapsed (a
        # disconnect that never came: a crashed edge, a lost `$disconnect`).
        Index("byLease", Key("leaseShard"), Key("expiresAt", "N")),
    ),
    doc="Open WebSocket connections; expiresAt is refreshed by heartbeats.",
)

PRESENCE = Table(
    logical="gateway-presence",
    writer=G,
    hash_key=Key("userId"),
    # Sparse index: only people online carry `shard` (one of 16, services/gateway/
    # presence_sizing.py); a query per shard lists them newest first. `lastSeen` moves at most
    # once a minute per person, so each shard's partition takes a sixteenth of the renewals.
    indexes=(Index("online", Key("shard"), Key("lastSeen", "N")),),
    doc="Who is online now; expires unless renewed (at most once a minute per person).",
)

BLOCKS = Table(
    logical="gateway-blocks",
    writer=G,
    hash_key=Key("userId"),
    range_key=Key("otherUserId"),
    ttl_attribute=None,
    doc=(
        "Blocks the gateway accepted, one row per direction: iBlocked on the blocker's row, "
        "blockedMe on the other's; presence hides both ways, settings lists iBlocked."
    ),
)

REPORTS = Table(
    logical="gateway-reports",
    writer=G,
    hash_key=Key("reportId"),
    # Open reports oldest first for the operator; resolved ones leave the `open` partition.
    indexes=(
        Index("byStatus", Key("status"), Key("createdAt")),
        # A person's own reports, for their export.
        Index("byReporter", Key("reporterId"), Key("createdAt")),
        # Reports about a person, so erasure finds them to put the pseudonym in their place.
        Index("byReported", Key("reportedUserId"), Key("createdAt")),
    ),
    # Only pseudonymised reports of an erased person carry `expiresAt` (docs/privacy.md).
    doc="Reports about people: reason, note, session, both people; open → resolved.",
)

PARTNERS = Table(
    logical="gateway-partners",
    writer=G,
    hash_key=Key("userId"),
    range_key=Key("otherUserId"),
    ttl_attribute=None,
    doc=(
        "'Talk again?' answers, one row per direction: wantsAgain is my yes (with the session); "
        "partner is set on both rows once both said yes."
    ),
)

RATE_LIMITS = Table(
    logical="gateway-ratelimits",
    writer=G,
    # Keyed by person, so one Query finds (and erases) everything kept about them.
    hash_key=Key("userId"),
    range_key=Key("window"),
    doc="Requests reserved per person and (rule, window) by all gateway tasks; expires after.",
)

ERASED = Table(
    logical="gateway-erased",
    writer=G,
    # Keyed by the pseudonym, never the id: the marker must not keep what it stands for.
    hash_key=Key("pseudonym"),
    doc="Erased accounts, until their last ID token has expired: sign-in refuses them.",
)

TABLES = (PROFILES, CONNECTIONS, PRESENCE, BLOCKS, REPORTS, PARTNERS, RATE_LIMITS, ERASED)
