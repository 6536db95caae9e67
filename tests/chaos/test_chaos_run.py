"""The chaos run (services/chaos): simulated people through the real gateway and WebSocket
while a random service is `kill -9`ed every few seconds, every message is delivered twice and
poison sits in every inbox. Afterwards the tables must prove that nothing got stuck and
nobody paid wrongly. About a minute and a half on two cores; loopback only."""

from __future__ import annotations

import pytest

from services.chaos.run import ChaosConfig, run_chaos, text

pytestmark = pytest.mark.benchmark


@pytest.mark.timeout(280)
def test_kills_duplicates_and_poison_leave_nothing_stuck_and_every_point_right() -> None:
    r = run_chaos(ChaosConfig(people=16, joins_per_s=3.0, seconds=40.0, kill_every_s=4.0))
    print(text(r))

    assert r["ok"], r["problems"]
    # The chaos really happened: services died and came back, handlers saw duplicates,
    # the poison was parked, and people still talked.
    assert r["kills"] >= 4
    assert r["kills_survived"] == r["kills"]
    assert r["duplicates_sent"] > 100
    assert r["parked"] == {"not_json": r["poison"] // 2, "unknown_type": r["poison"] // 2}
    assert r["conversations"] >= 3
    # Calls made while the gateway was down fail to connect (status 0); none may be a 5xx.
    assert not [e for e in r["errors"] if " 5" in e], r["errors"]
