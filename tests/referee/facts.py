"""What the referee is fed: raw facts as plain JSON-able dicts, and the exact time arithmetic
it does on them.

Times are ISO-8601 UTC strings on the way in and whole microseconds since the epoch inside,
so no comparison or `ceil` ever depends on float rounding.

Precision: the services keep times in their tables to the millisecond, truncated
(`2026-03-01T10:00:16.012Z`), and a time they work out from a stored one (a no-show's end from
the stored start, a history row read back) is no finer. So a time the services wrote or told
is compared with another, or with what the rules give, at the millisecond: `...16.012943Z`
pushed and `...16.012Z` stored are the same moment, and a stored time matches a moment the
rules pin to `[lo, hi]` when it falls within `[lo, hi]` once both are cut to the millisecond.
The facts' own clock readings (a request's `sentAt` / `answeredAt`, a push's `receivedAt`) and
the media's stamps are used as they come. There is no other slack.

Facts (every key but those marked optional is required)::

    {"config":   {"dailyPoints", "sessionMinutes", "noShowS", "mediaGraceS", "inviteTimeoutS",
                  "mediaMode": "direct"|"livekit", "zone": "UTC"},
     "requests": [{"person", "method", "path", "body", "sentAt", "answeredAt", "status",
                   "answer"}],
     "pushes":   [{"person", "receivedAt", "message": {...}}],
     "roomLog":  [{"room", "identity", "kind": "in"|"out", "at", "id", "deliveredAt"?}],
     "window":   {"startedAt", "endedAt", "openTabs"?: [person]},
     "tables":   {"<table short name>": [item, ...]}}

`window.openTabs` (optional) names the people whose tab was still open when the facts were
taken: their waiting ticket may rightly still wait. Without it, everyone's tab is closed.
`roomLog[].deliveredAt` (optional) is when Parley first took the media's report of the entry
(the gateway answered its webhook 2xx); absent, it was heard at its stamp; null, never.
`GET /v1/me` answers among the requests are what a person saw of the truth (the SPA re-reads
it on every (re)connect): they count as being told of a session, of its end, and of points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

Micros = int  # microseconds since the epoch (UTC)
MILLI: Micros = 1_000  # the precision the services store times at
SECOND: Micros = 1_000_000
MINUTE: Micros = 60 * SECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Config(TypedDict):
    dailyPoints: int
    sessionMinutes: int
    noShowS: float
    mediaGraceS: float
    inviteTimeoutS: float
    mediaMode: str
    zone: str


class Request(TypedDict):
    person: str
    method: str
    path: str
    body: Any
    sentAt: str
    answeredAt: str
    status: int
    answer: Any


class PushFact(TypedDict):
    person: str
    receivedAt: str
    message: dict[str, Any]


class RoomEntry(TypedDict, total=False):
    room: str
    identity: str
    kind: str
    at: str
    id: str
    deliveredAt: str | None


class Window(TypedDict, total=False):
    startedAt: str
    endedAt: str
    openTabs: list[str]


class Facts(TypedDict):
    config: Config
    requests: list[Request]
    pushes: list[PushFact]
    roomLog: list[RoomEntry]
    window: Window
    tables: dict[str, list[dict[str, Any]]]


def micros(text: str) -> Micros:
    """An ISO-8601 time (any number of fractional digits, `Z` or an offset) → microseconds."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * SECOND + delta.microseconds


def to_datetime(at: Micros) -> datetime:
    return _EPOCH + timedelta(microseconds=at)


def show(at: Micros) -> str:
    """A moment as people read it in a difference."""
    return to_datetime(at).isoformat(timespec="microseconds").replace("+00:00", "Z")


def seconds(span: Micros) -> str:
    return f"{span / SECOND:g} s"


def stored(at: Micros) -> Micros:
    """A moment as the services store it: cut to the millisecond."""
    return at - at % MILLI


def same_moment(a: Micros, b: Micros) -> bool:
    """Two times the services wrote or told name the same moment, at the precision they are
    stored at."""
    return stored(a) == stored(b)


def ceil_minutes(span: Micros) -> int:
    """Started minutes of a stretch: ceil(span / 1 min), exactly."""
    return -(-max(0, span) // MINUTE)


@dataclass(frozen=True)
class Span:
    """A moment known only from outside: somewhere in [lo, hi] (lo == hi when exact)."""

    lo: Micros
    hi: Micros

    @staticmethod
    def at(moment: Micros) -> Span:
        return Span(moment, moment)

    def holds(self, told: Micros) -> bool:
        """A time the services wrote or told is this moment, at the precision they store."""
        return stored(self.lo) <= stored(told) <= stored(self.hi)

    def clamp(self, lo: Micros, hi: Micros) -> Span:
        return Span(min(max(self.lo, lo), hi), min(max(self.hi, lo), hi))

    def __str__(self) -> str:
        if self.lo == self.hi:
            return show(self.lo)
        return f"[{show(self.lo)}, {show(self.hi)}]"


class Days:
    """The day a moment falls on, in the configured zone, and that day's midnights."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone or "UTC")

    def of(self, at: Micros) -> date:
        return to_datetime(at).astimezone(self.zone).date()

    def within(self, span: Span) -> list[date]:
        """Every day the span touches, in order."""
        first, last = self.of(span.lo), self.of(span.hi)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def resets_at(self, day: date) -> Micros:
        """The midnight that ends `day`."""
        nxt = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        return micros(nxt.astimezone(UTC).isoformat())
