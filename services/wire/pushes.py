"""Every message the server pushes to a browser's WebSocket, as a model: the contract the
notifier's pure core (`services/notifier/messages.py`) and the gateway's edge write to, and
the SPA's types are generated from (`frontend/src/api/generated/pushes.ts`, through the JSON
Schema `push_schema()` gives; `make contract` regenerates both, a test checks they are fresh).

Field names are the wire's (camelCase); times are ISO-8601 UTC strings. A message is a hint:
`GET /v1/me` stays the truth (docs/api.md, "WebSocket").
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

IsoTime = Annotated[str, Field(description="ISO-8601 UTC, ending in Z")]
LookingFor = Literal["tandem", "one_sided", "anyone"]
MediaMode = Literal["direct", "livekit"]
Role = Literal["offerer", "answerer"]
LimitedBy = Literal["me", "partner", "both"]
EndReason = Literal["time_up", "stopped", "left", "cancelled"]
SignalKind = Literal["offer", "answer", "candidate", "bye"]
Band = Literal["A", "B", "C"]


class _Push(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    occurredAt: str | None = Field(
        default=None,
        description="When the event happened: ISO-8601 UTC with six fractional digits",
    )


class PersonRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    userId: str


class Sender(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    userId: str
    name: str
    speaks: list[str]
    learns: list[str]


class Pong(_Push):
    type: Literal["pong"]


class AuthExpired(_Push):
    type: Literal["auth.expired"]
    expiredAt: IsoTime


class AccountDeleted(_Push):
    type: Literal["account.deleted"]


class AccountBanned(_Push):
    """An operator banned the person: sent to each of their open sockets as it closes (the
    gateway's, like `auth.expired`); the browser signs out and says why."""

    type: Literal["account.banned"]


class TicketWaiting(_Push):
    type: Literal["ticket.waiting"]
    ticketId: str
    lookingFor: LookingFor
    waitingSince: IsoTime


class TicketRejected(_Push):
    type: Literal["ticket.rejected"]
    ticketId: str
    reason: str


class TicketCancelled(_Push):
    type: Literal["ticket.cancelled"]
    ticketId: str


class SessionStarted(_Push):
    type: Literal["session.started"]
    sessionId: str
    startsAt: IsoTime
    endsAt: IsoTime
    mediaMode: MediaMode
    role: Role
    partner: PersonRef
    inviteId: str | None = None
    limitedBy: LimitedBy | None = None


class SessionEnded(_Push):
    type: Literal["session.ended"]
    sessionId: str
    reason: EndReason
    startedAt: IsoTime
    endedAt: IsoTime
    minutesUsed: int = Field(ge=0)
    partnerNoShow: bool | None = None


class SessionTopic(_Push):
    """The conversation prompt both people see now (`n`: the session's 1st, 2nd, … prompt)."""

    type: Literal["session.topic"]
    sessionId: str
    topicId: str
    language: str
    band: Band
    text: str
    n: int = Field(ge=1)


class InviteReceived(_Push):
    type: Literal["invite.received"]
    inviteId: str
    expiresAt: IsoTime
    from_: Sender = Field(alias="from")


class InvitePending(_Push):
    type: Literal["invite.pending"]
    inviteId: str
    to: PersonRef
    expiresAt: IsoTime


class InviteAccepted(_Push):
    type: Literal["invite.accepted"]
    inviteId: str
    sessionId: str


class InviteDeclined(_Push):
    type: Literal["invite.declined"]
    inviteId: str
    reason: str | None = None


class InviteExpired(_Push):
    type: Literal["invite.expired"]
    inviteId: str
    reason: str | None = None


class InviteCancelled(_Push):
    type: Literal["invite.cancelled"]
    inviteId: str
    reason: str | None = None


class InviteRejected(_Push):
    type: Literal["invite.rejected"]
    inviteId: str
    reason: str


class InviteAcceptFailed(_Push):
    type: Literal["invite.accept_failed"]
    inviteId: str
    reason: str


class Signal(_Push):
    type: Literal["signal"]
    sessionId: str
    fromUserId: str
    kind: SignalKind
    data: dict[str, Any]


class PointsChanged(_Push):
    type: Literal["points.changed"]
    left: int = Field(ge=0)
    used: int = Field(ge=0)
    held: int = Field(ge=0)
    resetsAt: IsoTime


PUSHES: tuple[type[_Push], ...] = (
    Pong,
    AuthExpired,
    AccountDeleted,
    AccountBanned,
    TicketWaiting,
    TicketRejected,
    TicketCancelled,
    SessionStarted,
    SessionEnded,
    SessionTopic,
    InviteReceived,
    InvitePending,
    InviteAccepted,
    InviteDeclined,
    InviteExpired,
    InviteCancelled,
    InviteRejected,
    InviteAcceptFailed,
    Signal,
    PointsChanged,
)

PushMessage = Annotated[
    Pong
    | AuthExpired
    | AccountDeleted
    | AccountBanned
    | TicketWaiting
    | TicketRejected
    | TicketCancelled
    | SessionStarted
    | SessionEnded
    | SessionTopic
    | InviteReceived
    | InvitePending
    | InviteAccepted
    | InviteDeclined
    | InviteExpired
    | InviteCancelled
    | InviteRejected
    | InviteAcceptFailed
    | Signal
    | PointsChanged,
    Field(discriminator="type"),
]

_ADAPTER: TypeAdapter[Any] = TypeAdapter(PushMessage)

PUSH_TYPES: frozenset[str] = frozenset(
    m.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for m in PUSHES
)


def check(body: dict[str, Any]) -> _Push:
    """The model a pushed body matches; raises pydantic's ValidationError when it matches none."""
    return _ADAPTER.validate_python(body)  # type: ignore[no-any-return]


def push_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of every pushed message, one `oneOf` by `type`. An optional field
    is absent rather than null on the wire (bodies are dumped without None), so the schema says
    so; property titles are dropped (they would become type names in the generated TS)."""
    schema = _ADAPTER.json_schema(by_alias=True, ref_template="#/$defs/{model}")
    for model in schema.get("$defs", {}).values():
        model["additionalProperties"] = False
        for name, prop in list(model.get("properties", {}).items()):
            prop.pop("title", None)
            options = prop.get("anyOf")
            if name not in model.get("required", ()) and options and {"type": "null"} in options:
                rest = [o for o in options if o != {"type": "null"}]
                single = rest[0] if len(rest) == 1 else {"anyOf": rest}
                prop.pop("anyOf")
                prop.pop("default", None)
                prop.update(single)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "PushMessage"
    return schema
