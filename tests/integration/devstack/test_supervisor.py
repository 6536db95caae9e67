"""The supervisor's rules, on real child processes: restart with backoff, instance settings."""

from __future__ import annotations

import io
import os
import signal
import sys
import time

import pytest

from services.devstack.processes import Child, stop_all
from services.devstack.supervisor import (
    Backoff,
    BadInstances,
    Supervisor,
    instance_tags,
    parse_instances,
)

SERVICES = ("ledger", "matcher", "notifier", "gateway")


def test_instances_default_to_one_and_take_a_count_per_service() -> None:
    assert parse_instances("", SERVICES) == dict.fromkeys(SERVICES, 1)
    assert parse_instances(" matcher=3, notifier=2 ", SERVICES) == {
        "ledger": 1,
        "matcher": 3,
        "notifier": 2,
        "gateway": 1,
    }
    assert instance_tags("matcher", 1) == ["matcher"]
    assert instance_tags("matcher", 3) == ["matcher#1", "matcher#2", "matcher#3"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("matcher", "expected <service>=<count>"),
        ("teleporter=2", "expected <service>=<count>"),
        ("matcher=0", "1 to 8"),
        ("matcher=x", "1 to 8"),
        ("matcher=99", "1 to 8"),
        ("gateway=2", "owns the HTTP port"),
    ],
)
def test_impossible_instance_settings_are_refused_with_a_reason(raw: str, says: str) -> None:
    with pytest.raises(BadInstances, match=says):
        parse_instances(raw, SERVICES)


def test_backoff_doubles_to_its_cap() -> None:
    assert [Backoff().delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _sleeper(name: str) -> Child:
    code = "import time; time.sleep(120)"
    return Child(name, [sys.executable, "-c", code], dict(os.environ)).start(io.StringIO())


def _wait_dead(child: Child) -> None:
    assert child.proc is not None
    child.proc.wait(5)


def test_a_killed_child_comes_back_after_its_backoff_and_the_others_are_untouched() -> None:
    clock, out = Clock(), io.StringIO()
    a, b = _sleeper("matcher#1"), _sleeper("matcher#2")
    sup = Supervisor([a, b], Backoff(first_s=1, cap_s=8, stable_s=30), out=out, clock=clock)
    try:
        first_pid, other_pid = a.pid, b.pid
        assert first_pid is not None
        os.kill(first_pid, signal.SIGKILL)
        _wait_dead(a)
        clock.now += 0.2
        sup.tick()
        assert "matcher#1 exited (code -9) after 0.2 s; restarting in 1 s" in out.getvalue()
        assert not a.alive()
        clock.now += 0.5
        sup.tick()
        assert not a.alive()  # still backing off
        clock.now += 0.6
        sup.tick()
        assert a.alive()
        assert a.pid != first_pid
        assert f"matcher#1 restarted (pid {a.pid})" in out.getvalue()
        assert b.pid == other_pid
        assert b.alive()

        # Dying again at once doubles the wait; running a while resets it.
        assert a.pid is not None
        os.kill(a.pid, signal.SIGKILL)
        _wait_dead(a)
        sup.tick()
        assert "restarting in 2 s" in out.getvalue()
        clock.now += 2.1
        sup.tick()
        assert a.alive()
        clock.now += 31
        assert a.pid is not None
        os.kill(a.pid, signal.SIGKILL)
        _wait_dead(a)
        sup.tick()
        assert out.getvalue().rstrip().endswith("restarting in 1 s")
        assert sup.restarts == 2
    finally:
        stop_all([a, b], timeout_s=5)
    assert not a.alive()
    assert not b.alive()


def test_a_child_that_stops_itself_cleanly_is_started_again_too() -> None:
    clock, out = Clock(), io.StringIO()
    quick = Child("notifier", [sys.executable, "-c", "pass"], dict(os.environ)).start(out)
    sup = Supervisor([quick], Backoff(first_s=1), out=out, clock=clock)
    try:
        _wait_dead(quick)
        sup.tick()
        assert "notifier exited (code 0)" in out.getvalue()
        clock.now += 1
        sup.tick()
        deadline = time.monotonic() + 5
        while "restarted" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "notifier restarted" in out.getvalue()
    finally:
        stop_all([quick], timeout_s=5)
