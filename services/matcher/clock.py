"""Time as the matcher sees it: one injectable clock, ISO strings on the wire and in tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """The system clock moved by an adjustable offset (tests jump ahead instead of sleeping)."""

    def __init__(self, offset_s: float = 0.0) -> None:
        self.offset = timedelta(seconds=offset_s)

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def iso(dt: datetime) -> str:
    """Fixed-width UTC ISO-8601 with milliseconds and `Z`: sorts as text in the order of time."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def day_of(dt: datetime, zone: ZoneInfo) -> str:
    """The day ("YYYY-MM-DD") `dt` falls on in the configured day time zone."""
    return dt.astimezone(zone).date().isoformat()


def next_midnight(dt: datetime, zone: ZoneInfo) -> datetime:
    local_day: date = dt.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(local_day, time(0), zone).astimezone(UTC)
