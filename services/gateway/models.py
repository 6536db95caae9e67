"""The public API's bodies (docs/api.md) as pydantic models; the OpenAPI document comes from them.

Requests refuse unknown fields and only take the camelCase names. Responses leave out optional
fields that have no value, and keep `null` where the contract promises it (`ticket`, `session`).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    field_validator,
)
from pydantic.alias_generators import to_camel

from services.gateway.people.names import MAX_CHARS as MAX_NAME_CHARS
from services.gateway.people.names import clean as clean_name
from services.wire.events.common import Cefr, Language, MediaMode
from services.wire.events.gateway import WORD_MAX_CHARS, SignalKind
from services.wire.events.matcher import LimitedBy, LookingFor

ID_PATTERN = r"^[A-Za-z0-9._:@-]{1,128}$"
UserIdIn = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
EntityIdIn = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
# Cleaned and checked by `names.clean` (NFKC, invisible characters out, no impersonation);
# the raw text may carry a few characters that cleaning removes.
DisplayName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2 * MAX_NAME_CHARS),
    AfterValidator(clean_name),
]
LanguagesIn = Annotated[list[Language], Field(max_length=8)]
# A self-rated CEFR level per language learnt (docs/api.md, "Levels").
LevelsIn = Annotated[dict[Language, Cefr], Field(max_length=8)]
ReportReason = Literal["abuse", "spam", "inappropriate", "other"]
Role = Literal["offerer", "answerer"]
# ISO-8601 UTC, always ending in Z.
Instant = Annotated[str, Field(pattern=r"Z$", json_schema_extra={"format": "date-time"})]


def _none(value: Any) -> bool:
    return value is None


def omitted() -> Any:
    """An optional response field: left out of the body when it has no value."""
    return Field(default=None, exclude_if=_none)


class Body(BaseModel):
    """A request body: camelCase names only, nothing unknown."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, frozen=True)


class View(BaseModel):
    """A response body (built from snake_case names, sent camelCase)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True, frozen=True
    )


# ---- requests ------------------------------------------------------------------------------


def _unique(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


# The languages the web app's own screens come in (frontend/src/i18n/).
UiLanguage = Literal["en", "es", "de", "ja", "pt-BR", "ar"]


class PreferencesIn(Body):
    """Languages I speak and want to practise (first = most wanted); optionally my name, the
    language of the app's screens (kept with my account, so every device shows it), my level
    in each language I learn and the lowest level of learners I welcome (docs/api.md,
    "Levels"): left out, `levels` and `welcomesFrom` keep what the account has."""

    name: DisplayName | None = None
    speaks: LanguagesIn
    learns: LanguagesIn
    ui_language: UiLanguage | None = None
    levels: LevelsIn | None = None
    welcomes_from: Cefr | None = None

    _dedupe = field_validator("speaks", "learns")(_unique)


class JoinQueueIn(Body):
    """`{}`: Join has nothing to choose yet (languages come from the preferences)."""


class InviteIn(Body):
    to: UserIdIn


class SignalIn(Body):
    kind: SignalKind
    # The SDP description or ICE candidate exactly as the browser made it (size-bounded).
    data: dict[str, Any] = Field(default_factory=dict)


def _clean_word(text: str) -> str:
    """One line of visible text: NFC, blanks (newlines too) folded to single spaces, trimmed;
    control and invisible characters refused rather than stored."""
    folded = " ".join(unicodedata.normalize("NFC", text).split())
    if any(unicodedata.category(c) in _INVISIBLE for c in folded):
        raise ValueError("must be plain visible text")
    if not folded:
        raise ValueError("must not be blank")
    if len(folded) > WORD_MAX_CHARS:
        raise ValueError(f"must be at most {WORD_MAX_CHARS} characters")
    return folded


_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cn", "Cs"})
WordTextIn = Annotated[
    str, StringConstraints(min_length=1, max_length=2 * WORD_MAX_CHARS), AfterValidator(_clean_word)
]


class WordIn(Body):
    """A word or phrase from the call's chat to keep (the browser has the chat's text)."""

    text: WordTextIn


class BlockIn(Body):
    user_id: UserIdIn


class ReportIn(Body):
    user_id: UserIdIn
    reason: ReportReason
    session_id: EntityIdIn | None = None
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


class Empty(Body):
    """No body, or `{}`."""


# ---- responses -----------------------------------------------------------------------------


class Health(View):
    status: Literal["ok"]


class AuthConfig(View):
    mode: Literal["local", "hosted"]
    region: str
    user_pool_id: str
    client_id: str
    endpoint: str | None = omitted()  # local: the embedded Cognito URL
    hosted_ui_domain: str | None = omitted()  # AWS: the Cognito hosted UI
    redirect_uri: str | None = omitted()


class MediaConfig(View):
    mode: MediaMode


class Limits(View):
    daily_points: int
    session_minutes: int
    invite_timeout_s: int


class Config(View):
    auth: AuthConfig
    media: MediaConfig
    websocket_url: str
    limits: Limits


class Points(View):
    left: Annotated[int, Field(ge=0)]
    used: Annotated[int, Field(ge=0)]
    held: Annotated[int, Field(ge=0)]
    resets_at: Instant


class PersonRef(View):
    user_id: str
    name: str | None = omitted()


class Profile(View):
    user_id: str
    name: str
    speaks: list[str]
    learns: list[str]


class Preferences(View):
    name: str | None = omitted()
    speaks: list[str]
    learns: list[str]
    ui_language: UiLanguage | None = omitted()
    # My level per language I learn (only those I said), and the lowest level of learners I
    # like to help in the languages I speak.
    levels: dict[str, Cefr] = Field(default_factory=dict)
    welcomes_from: Cefr = "A1"


class TicketView(View):
    ticket_id: str
    status: str
    looking_for: LookingFor | None = omitted()
    waiting_since: Instant | None = omitted()


class TopicView(View):
    """The conversation prompt both people see now (docs/api.md, "Topics")."""

    topic_id: str
    language: str
    band: Literal["A", "B", "C"]
    text: str
    n: Annotated[int, Field(ge=1)]


class SessionPartner(PersonRef):
    """Whom I am talking with, and their languages (a tandem swaps language at half time)."""

    speaks: list[str] = Field(default_factory=list)
    learns: list[str] = Field(default_factory=list)


class SessionView(View):
    session_id: str
    partner: SessionPartner
    starts_at: Instant
    ends_at: Instant
    media_mode: MediaMode
    role: Role
    # Whose minutes left today made the session shorter than the full length.
    limited_by: LimitedBy | None = omitted()
    topic: TopicView | None = omitted()  # once the first prompt is picked


class InviteView(View):
    invite_id: str
    direction: Literal["incoming", "outgoing"]
    from_: Profile = Field(alias="from")
    to: PersonRef
    expires_at: Instant


class Me(View):
    user_id: str
    email: str
    name: str
    preferences: Preferences
    points: Points
    ticket: TicketView | None
    session: SessionView | None
    invites: list[InviteView]


class TicketRef(View):
    ticket_id: str


class InviteCreated(View):
    invite_id: str
    # When the invite will lapse if unanswered (the matcher's invite.received carries the
    # authoritative deadline, counted from when the invite opens).
    expires_at: Instant


class InviteRef(View):
    invite_id: str


class SessionRef(View):
    session_id: str


class ReportFiled(View):
    report_id: str


class IceServer(View):
    urls: list[str]
    username: str | None = omitted()
    credential: str | None = omitted()


class DirectJoin(View):
    mode: Literal["direct"]
    session_id: str
    ends_at: Instant
    role: Role
    partner: PersonRef
    ice_servers: list[IceServer]


class LiveKitJoin(View):
    mode: Literal["livekit"]
    session_id: str
    ends_at: Instant
    url: str
    token: str


class JoinAnswer(RootModel[Annotated[DirectJoin | LiveKitJoin, Field(discriminator="mode")]]):
    """Media credentials for my session, valid until `endsAt`."""


class KeptWord(View):
    word_id: str
    text: str
    saved_at: Instant


class PastSession(View):
    session_id: str
    partner: PersonRef
    started_at: Instant
    ended_at: Instant
    minutes: Annotated[int, Field(ge=0)]
    reason: str | None = omitted()
    words: list[KeptWord] | None = omitted()  # starred from its chat, in the order kept


class History(View):
    sessions: list[PastSession]


class WordSaved(View):
    word_id: str
    session_id: str
    text: str
    saved_at: Instant


class StarredWord(KeptWord):
    session_id: str
    partner: PersonRef  # whom I was talking with


class Words(View):
    words: list[StarredWord]


# Why someone online cannot take an invite now: in a call, busy (waiting in the queue or
# inviting someone), or no points left today.
Unavailable = Literal["in_call", "busy", "no_points"]


class PresentPerson(Profile):
    available: bool  # whether an invite to them can be answered now
    why: Unavailable | None = omitted()  # only when not available


class Presence(View):
    people: Annotated[list[PresentPerson], Field(max_length=50)]


class FieldError(View):
    field: str
    message: str


class ProblemBody(View):
    """RFC 9457 problem details; `code` is stable."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = omitted()
    request_id: str | None = omitted()
