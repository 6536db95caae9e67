"""The gateway's safety records: what follows a person rather than an account.

Keyed by keyed hashes of who the person is at their identity provider (its subject, or the
verified email), never by the Cognito `sub` alone, so a block, a ban or a report history
outlives the account: someone who deletes their account and signs up again is the same person
here (docs/privacy.md, "Safety records"). Written only by the gateway's code: its routes and
the operator's command `python -m services.gateway.safety.moderation`.
"""

from services.wire.names import Service
from services.wire.tables.spec import Index, Key, Table

G = Service.GATEWAY

SAFETY = Table(
    logical="gateway-safety",
    writer=G,
    # `pk` is an identity key (`idp-…` / `email-…`, HMAC-SHA256 under the pseudonym secret).
    hash_key=Key("pk"),
    range_key=Key("sk"),
    indexes=(
        # The account an identity is signed in as now (`userId`, only while the account
        # exists): from a person's id to their identity keys.
        Index("byUser", Key("userId"), Key("sk")),
        # Sparse: only a suspension awaiting an operator carries `queue`: the review queue,
        # oldest first (and the `ModerationQueueAge` metric).
        Index("queue", Key("queue"), Key("suspendedAt")),
    ),
    # Rows of a person who left expire `PARLEY_SAFETY_RETENTION_DAYS` after they left (a ban
    # lasts as long as it lasts).
    doc=(
        "Per identity key: `standing` (the account it is signed in as, a ban with its end, a "
        "suspension awaiting review); `block#<key>` / `blockedby#<key>` (blocks both ways); "
        "`report#<id>` (reports about the person, with the reporter's key)."
    ),
)

MODERATION_LOG = Table(
    logical="gateway-moderation-log",
    writer=G,
    # One partition per month, newest first within it: the audit trail reads by time.
    hash_key=Key("month"),
    range_key=Key("at"),
    indexes=(Index("bySubject", Key("subject"), Key("at")),),
    doc=(
        "Every moderation action (automatic suspensions included): who acted, what, on whom "
        "(an identity key, never an account id), when and why. Kept `PARLEY_AUDIT_LOG_DAYS`."
    ),
)

TABLES = (SAFETY, MODERATION_LOG)
