"""A session's media room log and what the rules read from it. Pure: no I/O, no clock.

The log holds one mark per media event: who went in or out of the room, through which
connection, at the moment the media stamped it, and the event's id. It lives on the session
item as a string set that only grows with `ADD` while the session is live, so a repeated event
adds nothing and the order events arrive in does not matter: every answer below (who is in,
when they were first together, when the room emptied, what is charged) comes from the whole
set at once.

A person is in the room while at least one of their connections is. A connection is in from
its first "in" to the first "out" after it (LiveKit names each connection `participant.sid`; a
browser report has none, so all of one person's marks then form one connection, the rule
being "their latest mark is an in"). Following connections rather than only the latest mark
keeps a reconnect right even when the new connection's join is stamped before, or in the
same second as, the old one's leave.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import quote, unquote

Kind = Literal["in", "out"]
IN: Kind = "in"
OUT: Kind = "out"
# A log never grows past this (a flapping connection would otherwise grow the item without
# end); 15 minutes of conversation leave a handful of marks.
MAX_MARKS = 256
_MINUTE = timedelta(minutes=1)
_ZERO = timedelta(0)


def stamp(at: datetime) -> str:
    """Fixed-width UTC with microseconds: marks sort as text in the order of time."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _field(text: str) -> str:
    # Ids as they are (erasure finds them by their text), but never a bare "|" or "%".
    return quote(text, safe=":@")


@dataclass(frozen=True, order=True)
class Mark:
    at: datetime
    user: str
    kind: Kind
    connection: str  # "" when the media names none
    event_id: str

    def encode(self) -> str:
        parts = (self.user, self.kind, self.connection, self.event_id)
        return "|".join((stamp(self.at), *(_field(p) for p in parts)))

    @classmethod
    def decode(cls, text: str) -> Mark | None:
        """None for anything that is not a mark this module wrote."""
        parts = text.split("|")
        if len(parts) != 5 or parts[2] not in (IN, OUT):
            return None
        try:
            at = datetime.strptime(parts[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        except ValueError:
            return None
        kind: Kind = IN if parts[2] == IN else OUT
        return cls(at, unquote(parts[1]), kind, unquote(parts[3]), unquote(parts[4]))


def marks(log: Iterable[str]) -> list[Mark]:
    """The log's marks in time order, one per event id: the same event stamped twice (a browser
    reporting again under the same id) counts from its first stamp."""
    first: dict[str, Mark] = {}
    for text in log:
        mark = Mark.decode(text)
        if mark is not None and (mark.event_id not in first or mark < first[mark.event_id]):
            first[mark.event_id] = mark
    return sorted(first.values())


def changes_nothing(log: Iterable[str], mark: Mark) -> bool:
    """Whether `mark` only repeats what its connection's latest mark already says: an "in"
    while in, or an "out" while out, stamped no earlier. Such a mark is not written, so a
    browser reporting "connected" again and again cannot fill the log. (A mark stamped
    earlier than the connection's latest is never skipped: webhooks may come in any order.)"""
    same = [k for k in marks(log) if k.user == mark.user and k.connection == mark.connection]
    if not same:
        return False
    latest = same[-1]
    return latest.kind == mark.kind and mark.at >= latest.at


@dataclass(frozen=True)
class Stretch:
    """A span of time within the session; `open` if nothing in the log has closed it yet (then
    `end` is the session's `endsAt`)."""

    start: datetime
    end: datetime
    open: bool = False

    @property
    def length(self) -> timedelta:
        return max(_ZERO, self.end - self.start)


@dataclass(frozen=True)
class RoomView:
    """What a session's log says about its `[starts, ends]`."""

    presence: Mapping[str, tuple[Stretch, ...]]
    together: tuple[Stretch, ...]
    length_minutes: int
    ends: datetime

    @property
    def connected_at(self) -> datetime | None:
        """The first moment both were in the room."""
        return self.together[0].start if self.together else None

    @property
    def in_now(self) -> frozenset[str]:
        """Who is in the room as far as the log knows."""
        return frozenset(u for u, spans in self.presence.items() if spans and spans[-1].open)

    def in_at(self, at: datetime) -> frozenset[str]:
        """Who was in the room at `at`."""
        return frozenset(
            u
            for u, spans in self.presence.items()
            if any(s.start <= at and (s.open or at < s.end) for s in spans)
        )

    def emptyings(self) -> list[tuple[datetime, datetime | None]]:
        """Each time the room emptied (before the session's end) after the two had first been
        together, with when someone came back (None: nobody has, as far as the log knows)."""
        first = self.connected_at
        if first is None:
            return []
        anyone = _merged([s for mine in self.presence.values() for s in mine])
        out: list[tuple[datetime, datetime | None]] = []
        for i, span in enumerate(anyone):
            if span.open or span.end >= self.ends:
                break
            if span.end > first:
                out.append((span.end, anyone[i + 1].start if i + 1 < len(anyone) else None))
        return out

    def together_time(self, until: datetime) -> timedelta:
        total = _ZERO
        for s in self.together:
            total += Stretch(s.start, min(s.end, until)).length
        return total

    def connected_by(self, until: datetime) -> datetime | None:
        """`connected_at` if it is no later than `until`."""
        at = self.connected_at
        return at if at is not None and at <= until else None

    def charge(self, until: datetime) -> int:
        """Points for a session ending at `until`: started minutes together, at most its
        length; nothing if they were never together."""
        return minutes_for(self.together_time(until), self.length_minutes)


def minutes_for(together: timedelta, length: int) -> int:
    if together <= _ZERO:
        return 0
    return min(length, -(-together // _MINUTE))  # ceil, on exact microseconds


def _clamp(at: datetime, starts: datetime, ends: datetime) -> datetime:
    return min(max(at, starts), ends)


def _connection_stretches(mine: list[Mark], starts: datetime, ends: datetime) -> list[Stretch]:
    # Same stamp, one connection: it went in before it went out.
    ordered = sorted(mine, key=lambda m: (m.at, m.kind == OUT, m.event_id))
    out: list[Stretch] = []
    opened: datetime | None = None
    for mark in ordered:
        at = _clamp(mark.at, starts, ends)
        if mark.kind == IN and opened is None:
            opened = at
        elif mark.kind == OUT and opened is not None:
            out.append(Stretch(opened, at))
            opened = None
    if opened is not None:
        out.append(Stretch(opened, ends, open=True))
    return out


def _merged(stretches: list[Stretch]) -> tuple[Stretch, ...]:
    """The union of overlapping or touching stretches (a closed one of no length is
    dropped: it was never in)."""
    kept = sorted((s for s in stretches if s.open or s.start < s.end), key=lambda s: s.start)
    out: list[Stretch] = []
    for s in kept:
        if out and s.start <= out[-1].end:
            last = out[-1]
            out[-1] = Stretch(last.start, max(last.end, s.end), last.open or s.open)
        else:
            out.append(s)
    return tuple(out)


def _overlap(a: tuple[Stretch, ...], b: tuple[Stretch, ...]) -> tuple[Stretch, ...]:
    out: list[Stretch] = []
    for x in a:
        for y in b:
            start, end = max(x.start, y.start), min(x.end, y.end)
            if start < end:
                out.append(Stretch(start, end, x.open and y.open))
    return tuple(sorted(out, key=lambda s: s.start))


def view(log: Iterable[str], users: tuple[str, ...], starts: datetime, ends: datetime) -> RoomView:
    """The room as `log` tells it, for a session of `users` from `starts` to `ends`; stamps
    outside the session count at its edges, marks of anyone else are ignored."""
    by_connection: dict[tuple[str, str], list[Mark]] = {}
    for mark in marks(log):
        if mark.user in users:
            by_connection.setdefault((mark.user, mark.connection), []).append(mark)
    presence: dict[str, tuple[Stretch, ...]] = {}
    for user in users:
        spans: list[Stretch] = []
        for (who, _), mine in by_connection.items():
            if who == user:
                spans += _connection_stretches(mine, starts, ends)
        presence[user] = _merged(spans)
    together = _overlap(presence[users[0]], presence[users[1]]) if len(users) == 2 else ()
    length = max(1, round((ends - starts).total_seconds() / 60))
    return RoomView(presence, together, length, ends)
