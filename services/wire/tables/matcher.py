"""Tables the matcher writes."""

from services.wire.names import Service
from services.wire.tables.spec import Index, Key, Table, processed_table

M, G = Service.MATCHER, Service.GATEWAY

TICKETS = Table(
    logical="matcher-tickets",
    writer=M,
    hash_key=Key("ticketId"),
    indexes=(
        Index("byUser", Key("userId"), Key("createdAt")),
        # Sparse: only waiting tickets carry `waitingPool`.
        Index("waiting", Key("waitingPool"), Key("waitingSince")),
        # Sparse: only tickets still `requested` (not yet funded or refused) carry
        # `requestedShard`; the reconciler closes those whose answer never came.
        Index("requested", Key("requestedShard"), Key("createdAt")),
    ),
    readers=frozenset({G}),
    doc="Ticket state machine: requested → funded → waiting → matched | cancelled | rejected.",
)

SESSIONS = Table(
    logical="matcher-sessions",
    writer=M,
    hash_key=Key("sessionId"),
    # Sparse: only live sessions carry `liveShard` (the reconciler finds overdue ones), and
    # only live sessions the two are not yet both connected to carry `awaitingShard`
    # (no-shows), so neither query reads more than it acts on.
    indexes=(
        Index("live", Key("liveShard"), Key("endsAt")),
        Index("awaiting", Key("awaitingShard"), Key("startsAt")),
    ),
    readers=frozenset({G}),
    doc="Session state machine: live → ended; participants, startsAt, endsAt, room.",
)

HISTORY = Table(
    logical="matcher-history",
    writer=M,
    hash_key=Key("userId"),
    range_key=Key("startedAt"),
    readers=frozenset({G}),
    doc="One row per person per session, kept 90 days (GET /v1/sessions).",
)

INVITES = Table(
    logical="matcher-invites",
    writer=M,
    hash_key=Key("inviteId"),
    indexes=(
        Index("byInvitee", Key("toUserId"), Key("expiresAtIso")),
        Index("byInviter", Key("fromUserId"), Key("expiresAtIso")),
        # Sparse: only pending invites carry `openShard` (the reconciler's overdue list).
        Index("open", Key("openShard"), Key("expiresAtIso")),
    ),
    readers=frozenset({G}),
    doc="Invite state machine: pending → accepted | declined | expired | cancelled.",
)

PEOPLE = Table(
    logical="matcher-people",
    writer=M,
    hash_key=Key("userId"),
    # Who has been waiting / inviting / in a session since when: the reconciler reads the
    # busy states older than what they could legitimately last (strays). Sparse and sharded:
    # only busy people carry `busyState` (`<state>#<shard>`, removed when they go free), so
    # the index never holds the free majority and no partition takes every state change.
    indexes=(Index("busy", Key("busyState"), Key("updatedAt")),),
    readers=frozenset({G}),
    doc="What each person is doing now (free, waiting, inviting, in_session): one thing at a time.",
)

PAIRS = Table(
    logical="matcher-pairs",
    writer=M,
    hash_key=Key("userId"),
    range_key=Key("otherUserId"),
    readers=frozenset({G}),  # the export (GET /v1/me/export)
    doc=(
        "Blocks (forever), today's partners (expiring) and, after a no-show, a place at the "
        "front of the queue (other = `#front`, expiring) per person; their 'not for me' after "
        "a call (other = `#soft#<id>`, 30 days) and the prompts they were shown each day "
        "(other = `#topics#<day>`, expiring)."
    ),
)

# The authoritative waiting set, read with strongly consistent queries by every matcher
# instance (a global index could not be). Per waiting ticket, a home item (shard `h<n>` by
# ticket id: the whole set, for the sweep) and copies filed where its partners look (a
# tandem mirror `T:<speaks>><learns>`, its base level `B:<level>`), all written and deleted in
# the transactions that move the ticket into and out of `waiting`. A look reads the oldest
# page of each partition it may take from (`byAge`: local, so strongly consistent): its cost
# does not grow with the crowd (services/matcher/tables/waitlist.py).
WAITING = Table(
    logical="matcher-waiting",
    writer=M,
    hash_key=Key("shard"),
    range_key=Key("ticketId"),
    local_indexes=(Index("byAge", Key("shard"), Key("sinceMs", "N")),),
    doc=(
        "Waiting tickets with what pairing needs, filed by where partners look; exists exactly "
        "while a ticket waits."
    ),
)

OUTBOX = Table(
    logical="matcher-outbox",
    writer=M,
    hash_key=Key("eventId"),
    doc="Events written in the same transaction as a state change, deleted once published.",
)

TABLES = (TICKETS, SESSIONS, HISTORY, INVITES, PEOPLE, PAIRS, WAITING, OUTBOX, processed_table(M))
