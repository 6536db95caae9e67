"""What a load run is asked to do, and the loopback-only rule for where it may go."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost"})


class NotLoopback(ValueError):
    """A URL that leaves this machine: a load run refuses it."""


def require_loopback(url: str) -> str:
    """The URL without a trailing slash, if it points at this machine over http(s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotLoopback(f"{url!r}: expected http://127.0.0.1:PORT")
    host = parts.hostname
    if host not in LOOPBACK_NAMES:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise NotLoopback(f"{url!r}: a load run only goes to loopback addresses")
    return url.rstrip("/")


def ws_url(base_url: str) -> str:
    return "ws" + base_url.removeprefix("http") + "/v1/ws"


@dataclass(frozen=True)
class LoadConfig:
    base_url: str
    moto_url: str
    people: int = 24
    joins_per_s: float = 5.0
    seconds: float = 60.0
    talk_s: float = 0.5
    invite_share: float = 0.1
    probe_every_s: float = 0.5
    # How long the books may take to settle after the load stops.
    settle_s: float = 60.0
    prefix: str | None = None
    plot: Path | None = None
    json_out: Path | None = None
    seed: int | None = None
    # Misbehaviour (chaos runs): see services/loadgen/person.py Knobs.
    walk_away_share: float = 0.0
    no_show_share: float = 0.0
    ignore_invite_share: float = 0.0
    # "livekit": people enter the session's media room (a LiveKit server, or the chaos run's
    # stand-in), and sessions follow plans (services/loadgen/person.py ROOM_PLANS) whose
    # shares these are; `no_show_share` is then the share of sessions one person never joins.
    media_mode: str = "direct"
    rejoin_share: float = 0.0
    never_meet_share: float = 0.0
    both_leave_share: float = 0.0
    # Keep every request and push (services/loadgen/journal.py) and return them as `facts`.
    keep_journal: bool = False
    # DynamoDB's embedded AWS when it runs as a process of its own; else the moto URL.
    dynamodb_url: str | None = None

    @property
    def tables_url(self) -> str:
        return self.dynamodb_url or self.moto_url

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", require_loopback(self.base_url))
        object.__setattr__(self, "moto_url", require_loopback(self.moto_url))
        object.__setattr__(
            self, "dynamodb_url", require_loopback(self.dynamodb_url or self.moto_url)
        )
        if not 2 <= self.people <= 999:
            raise ValueError("people: between 2 and 999")
        if not 0 < self.joins_per_s <= 1000:
            raise ValueError("joins-per-s: above 0, at most 1000")
        if not 0 < self.seconds <= 3600:
            raise ValueError("seconds: above 0, at most 3600")
        if self.media_mode not in ("direct", "livekit"):
            raise ValueError("media-mode: direct or livekit")
        plans = (self.rejoin_share, self.never_meet_share, self.both_leave_share)
        if self.media_mode == "livekit" and sum(plans) + self.no_show_share > 1:
            raise ValueError("the room plans' shares add up to more than 1")
        shares = (self.walk_away_share, self.no_show_share, self.ignore_invite_share, *plans)
        if not all(0 <= x <= 1 for x in (self.invite_share, *shares)):
            raise ValueError("invite-share and the misbehaviour shares: between 0 and 1")
        if self.talk_s < 0 or self.probe_every_s <= 0 or self.settle_s < 0:
            raise ValueError("talk, probe interval and settle time must not be negative")
