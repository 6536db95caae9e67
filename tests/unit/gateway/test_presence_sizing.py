"""The presence index's sizing: renewals at most once a minute, enough shards for the peak of
ten million people a day at half a partition's limit, a lease that outlives a renewal by a
lost ping, and the capacity model simulating exactly these figures."""

from __future__ import annotations

import re
from pathlib import Path

from services.capacity.assumptions import Assumptions
from services.capacity.day import Day
from services.gateway.live import presence_sizing as sizing
from services.gateway.settings import GatewaySettings

DOC = Path(__file__).parents[3] / "docs" / "capacity.md"


def _simulated_peak_sockets() -> int:
    """The open sockets at the ten-million peak that docs/capacity.md reports [Sim]."""
    row = re.search(r"\| open sockets at the peak \| ([\d,]+) \| ([\d,]+) \|", DOC.read_text())
    assert row is not None
    return int(row.group(2).replace(",", ""))


def test_the_sizing_peak_covers_the_simulated_ten_million_peak() -> None:
    assert _simulated_peak_sockets() <= sizing.SIZING_PEAK_SOCKETS


def test_the_shards_are_the_fewest_that_keep_the_peak_under_half_a_partition() -> None:
    at_peak = sizing.index_wcu_per_shard(
        sizing.SIZING_PEAK_SOCKETS, membership_per_s=sizing.SIZING_PEAK_MEMBERSHIP_PER_S
    )
    assert at_peak <= 0.5 * sizing.PARTITION_WCU
    halved = sizing.index_wcu_per_shard(
        sizing.SIZING_PEAK_SOCKETS,
        sizing.SHARDS // 2,
        membership_per_s=sizing.SIZING_PEAK_MEMBERSHIP_PER_S,
    )
    assert halved > 0.5 * sizing.PARTITION_WCU
    assert sizing.shards_needed() == sizing.SHARDS == 16
    # 160,000 / 90 s x 2 + 1,000 x 2 over 16 partitions.
    assert round(at_peak) == round((160_000 / 90 * 2 + 2_000) / 16) == 347


def test_a_person_is_renewed_at_most_once_a_minute_every_second_ping() -> None:
    ttl = GatewaySettings.model_fields["connection_ttl_s"].default
    assert ttl == 180
    assert sizing.renew_after_s(ttl) == 60
    assert sizing.renewal_period_s(ttl) == 90  # pings at 45 s: the second after a renewal


def test_the_lease_outlives_a_renewal_and_a_lost_ping_for_every_allowed_lease() -> None:
    shortest = GatewaySettings.model_fields["connection_ttl_s"].metadata
    assert any(getattr(m, "ge", None) == 2 * sizing.PING_S for m in shortest)
    for ttl in range(int(2 * sizing.PING_S), 7201):
        after = sizing.renew_after_s(ttl)
        assert 0 <= after <= 60
        assert sizing.renewal_period_s(ttl) + sizing.PING_S <= ttl, ttl
    assert sizing.renew_after_s(40) == 0  # a short lease: renewed on every ping, as before


def test_a_listing_reads_a_bounded_slice_of_every_shard() -> None:
    assert sizing.PER_SHARD == 13
    assert sizing.SHARDS * sizing.PER_SHARD <= sizing.LISTING_READS + sizing.SHARDS
    assert sizing.SHARDS * sizing.PER_SHARD >= sizing.MAX_LISTED


def test_the_capacity_model_simulates_the_gateways_shards_and_renewals() -> None:
    day = Day(Assumptions(people=10))
    assert day.presence_shards == sizing.SHARDS
    assert day.presence_period_s == sizing.renewal_period_s(180, Assumptions().ping_s)


def test_the_sizing_uses_the_ping_interval_the_spa_really_has() -> None:
    source = (DOC.parents[1] / "frontend" / "src" / "api" / "ws.ts").read_text()
    found = re.search(r"export const PING_INTERVAL_MS = ([\d_]+);", source)
    assert found is not None
    assert (
        int(found.group(1).replace("_", "")) == sizing.PING_S * 1000 == Assumptions().ping_s * 1000
    )
