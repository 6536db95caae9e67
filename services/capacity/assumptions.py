"""What the simulated day assumes about people: every figure here is an assumption [A],
stated once, so the output can name it.

Time zones and the hourly curve decide when people come; the language mix decides who can
talk with whom (the pairing core's rules do the rest); the rest decides how long they stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Share of a region's daily joins in each local hour (0..23): quiet nights, a lunch bump and
# an evening peak at 20-22 h, the shape of consumer apps' traffic.
LOCAL_HOURS: tuple[float, ...] = (
    1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.2, 2.4, 3.4, 3.8, 4.0, 4.3,
    5.0, 4.8, 4.2, 4.0, 4.3, 5.0, 6.2, 7.6, 8.8, 9.2, 7.6, 4.7,
)  # fmt: skip


@dataclass(frozen=True)
class Region:
    name: str
    utc_offset_h: int
    share: float  # of daily people


# One AWS region serves everyone; people come from three continents' evenings.
REGIONS: tuple[Region, ...] = (
    Region("Americas", -5, 0.35),
    Region("Europe and Africa", 1, 0.40),
    Region("Asia and Oceania", 8, 0.25),
)


@dataclass(frozen=True)
class Profile:
    """What a share of people put in their profile: the languages they speak and learn."""

    speaks: tuple[str, ...]
    learns: tuple[str, ...]
    share: float


# The practice pairs' mix. Tandem partners are each other's mirror (en→es meets es→en);
# some mirrors are thin (few Japanese speakers learn Portuguese), some people give only
# what they learn, some give nothing.
PROFILES: tuple[Profile, ...] = (
    Profile(("en",), ("es",), 0.16),
    Profile(("es",), ("en",), 0.13),
    Profile(("en",), ("fr",), 0.06),
    Profile(("fr",), ("en",), 0.05),
    Profile(("en",), ("de",), 0.04),
    Profile(("de",), ("en",), 0.04),
    Profile(("pt",), ("en",), 0.06),
    Profile(("en",), ("pt",), 0.02),
    Profile(("zh",), ("en",), 0.07),
    Profile(("en",), ("zh",), 0.02),
    Profile(("ja",), ("en",), 0.04),
    Profile(("en",), ("ja",), 0.03),
    Profile(("ko",), ("en",), 0.02),
    Profile(("en",), ("ko",), 0.01),
    Profile(("en", "es"), ("fr",), 0.02),
    Profile(("fr",), ("es",), 0.02),
    Profile(("es",), ("fr",), 0.01),
    Profile((), ("en",), 0.05),  # only what they learn: one-sided at best
    Profile((), (), 0.15),  # no languages: anyone from the start
)


@dataclass(frozen=True)
class Assumptions:
    people: int = 1_000_000  # daily people
    participations: float = 1.2  # conversations a person takes part in per day
    invite_share: float = 0.10  # of participations: an invite instead of the queue
    no_show_share: float = 0.04  # of matched sessions: one of the two never connects
    talk_mean_min: float = 10.0  # exponential, capped by the smaller balance
    daily_minutes: int = 15  # the daily points: minutes a person may talk
    patience_mean_s: float = 120.0  # how long someone waits before giving up (exponential)
    regroup_s: float = 300.0  # mean gap before someone joins again the same day
    invite_wait_s: float = 60.0  # an invite nobody accepts expires
    page_before_s: float = 120.0  # the page (and its socket) is open before the first join
    page_after_s: float = 180.0  # and after the last conversation
    ping_s: float = 45.0  # PING_INTERVAL_MS (frontend/src/api/ws.ts)
    sweep_s: float = 1.0  # PARLEY_POOL_SWEEP_S
    no_show_s: float = 45.0  # PARLEY_NO_SHOW_S
    relax_one_sided_s: float = 10.0
    relax_anyone_s: float = 30.0
    regions: tuple[Region, ...] = REGIONS
    profiles: tuple[Profile, ...] = PROFILES
    local_hours: tuple[float, ...] = field(default=LOCAL_HOURS)

    def utc_hours(self) -> list[float]:
        """Share of the day's arrivals in each UTC hour, all regions together."""
        local_total = sum(self.local_hours)
        out = [0.0] * 24
        for r in self.regions:
            for local, weight in enumerate(self.local_hours):
                out[(local - r.utc_offset_h) % 24] += r.share * weight / local_total
        return out
