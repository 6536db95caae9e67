"""Settings AWS would refuse, or that could not work, are refused before anything is made."""

from __future__ import annotations

import pytest

from parley_infra.config import check_capacity, check_turn_domain, check_waiting_partitions
from tests.infra.conftest import build_with


def test_arm64_tasks_are_refused_on_fargate_spot() -> None:
    """Fargate Spot runs X86_64 tasks only; ECS would refuse to place every task."""
    check_capacity("X86_64", fargate_spot=True)
    check_capacity("ARM64", fargate_spot=False)
    with pytest.raises(ValueError, match="Fargate Spot does not run ARM64"):
        check_capacity("ARM64", fargate_spot=True)
    with pytest.raises(ValueError, match="cpuArchitecture must be one of"):
        check_capacity("arm64", fargate_spot=False)


def test_a_turn_domain_on_the_signalling_name_is_refused() -> None:
    check_turn_domain(None, "livekit.example.com")
    check_turn_domain("turn.example.com", "livekit.example.com")
    with pytest.raises(ValueError, match="must differ from parley:livekitDomain"):
        check_turn_domain("livekit.example.com", "livekit.example.com")


def test_the_program_refuses_them_from_the_stack_config() -> None:
    built, err = build_with("dev", {"parley:cpuArchitecture": "ARM64"})  # dev runs on Spot
    assert built is None
    assert "parley:fargateSpot needs parley:cpuArchitecture X86_64" in err
    livekit = {"turnDomain": "livekit.dev.parley.example.com"}
    built, err = build_with("dev", {"parley:livekit": livekit})
    assert built is None
    assert "parley:livekit.turnDomain must differ" in err


def test_waiting_partitions_outside_what_the_matcher_accepts_are_refused() -> None:
    check_waiting_partitions(1, 0)
    check_waiting_partitions(64, 0)
    check_waiting_partitions(4, 1)  # a resize under way
    check_waiting_partitions(1, 4)
    for count in (0, -1, 65):
        with pytest.raises(ValueError, match=r"parley:waitingPartitions must be within 1\.\.64"):
            check_waiting_partitions(count, 0)
    for also_read in (-1, 65):
        with pytest.raises(
            ValueError, match=r"parley:waitingPartitionsAlsoRead must be within 0\.\.64"
        ):
            check_waiting_partitions(4, also_read)
    # The other count equal to the count: no resize is named (the new count was never set).
    with pytest.raises(ValueError, match="must differ from parley:waitingPartitions"):
        check_waiting_partitions(4, 4)


def test_the_program_refuses_a_bad_waiting_partition_count_from_the_stack_config() -> None:
    # 0 is refused, not taken for "unset" and quietly made the default.
    built, err = build_with("dev", {"parley:waitingPartitions": "0"})
    assert built is None
    assert "parley:waitingPartitions must be within 1..64 (got 0)" in err
    built, err = build_with("dev", {"parley:waitingPartitions": "four"})
    assert built is None
    assert "'parley:waitingPartitions' value 'four' is not a valid 'int'" in err
    built, err = build_with("dev", {"parley:waitingPartitionsAlsoRead": "1"})  # dev's count is 1
    assert built is None
    assert "parley:waitingPartitionsAlsoRead (1) must differ" in err
