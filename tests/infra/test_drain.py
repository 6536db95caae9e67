"""`parley-drain` against a fake Auto Scaling group that keeps AWS's order (`fake_node.py`).

The script runs for real (bash), with `curl`, `aws`, `docker` and `sleep` answered by the fake
on a fake clock: the target state turns `Terminated` first, the group reaches
`Terminating:Wait` only after the load balancer's deregistration delay, heartbeats and
completion fail while no hook is active, and a silent hook expires. A script that completed
on the metadata's `Terminated` alone (as it once did) never completes here and the hook
expires.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from parley_infra.livekit import HEARTBEAT_S, HOOK_TIMEOUT_S, NodeConfig, drain_script

FAKE = Path(__file__).with_name("fake_node.py")
DRAIN_S = 1200
DEREGISTRATION_S = 240  # the fake's delay (the stack's is DRAIN_S): fewer polls, same order
CONFIG = NodeConfig(
    region="eu-west-1",
    domain="livekit.example.com",
    secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:lk",
    redis_address="redis.example.com:6379",
    webhook_url="https://api.example.com/webhooks/livekit",
    version="v1.9.11",
    asg_name="parley-dev-livekit",
    drain_seconds=DRAIN_S,
)


def run_drain(tmp_path: Path, **timeline: Any) -> dict[str, Any]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "fake_node"
    fake.write_text(f"#!{sys.executable} -SE\n" + FAKE.read_text())
    fake.chmod(0o755)
    for tool in ("curl", "aws", "docker", "sleep"):
        (bin_dir / tool).symlink_to(fake)
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "clock": 0,
                "terminate_at": 25,
                "deregistration": DEREGISTRATION_S,
                "hook_timeout": HOOK_TIMEOUT_S,
                "rooms_last": 600,
                "fail_completions": 0,
                "stop_at": None,
                "last_heartbeat": None,
                "completed_at": None,
                "hook_expired": False,
                "log": [],
            }
            | timeline
        )
    )
    script = tmp_path / "parley-drain"
    script.write_text(drain_script(CONFIG))
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_NODE_STATE": str(state)}
    done = subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(script)],
        env=env | {"HOME": str(tmp_path), "LANG": os.environ.get("LANG", "C")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(state.read_text())
    result["rc"], result["stderr"] = done.returncode, done.stderr
    return result


def calls(result: dict[str, Any], tool: str, first: str | None = None) -> list[dict[str, Any]]:
    return [
        c for c in result["log"] if c["tool"] == tool and (first is None or first in c["args"][:2])
    ]


def wait_from(result: dict[str, Any]) -> int:
    return int(result["terminate_at"] + result["deregistration"])


def check_common(result: dict[str, Any]) -> None:
    assert result["rc"] == 0, result["stderr"]
    assert not result["hook_expired"], "the hook timed out: the node waited it out"
    (stop,) = calls(result, "docker", "stop")
    assert stop["clock"] >= result["terminate_at"], "LiveKit stopped before the group said so"
    assert stop["args"] == ["stop", "--time", str(DRAIN_S), "livekit"]
    completions = calls(result, "aws", "complete-lifecycle-action")
    assert [c["rc"] for c in completions][-1] == 0
    assert sum(c["rc"] == 0 for c in completions) == 1, "the hook is completed exactly once"
    assert all(c["clock"] >= wait_from(result) for c in completions), "completed before the hook"
    assert result["completed_at"] >= result["stop_at"] + result["rooms_last"], "rooms cut"


def test_rooms_that_outlast_the_deregistration_are_kept_alive_with_heartbeats(
    tmp_path: Path,
) -> None:
    # Sessions still running when the node reaches Terminating:Wait (stopped late in a busy hour).
    result = run_drain(tmp_path, rooms_last=DEREGISTRATION_S + HOOK_TIMEOUT_S + 100)
    check_common(result)
    beats = [c["clock"] for c in calls(result, "aws", "record-lifecycle-action-heartbeat")]
    assert beats, "no heartbeat while rooms drained past the hook's timeout"
    assert beats[0] - wait_from(result) <= HEARTBEAT_S
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert all(g <= HEARTBEAT_S for g in gaps), gaps
    assert result["completed_at"] - beats[-1] <= HEARTBEAT_S
    assert result["completed_at"] - (result["stop_at"] + result["rooms_last"]) <= 10


def test_rooms_that_empty_during_the_deregistration_complete_at_the_hook(
    tmp_path: Path,
) -> None:
    result = run_drain(tmp_path, rooms_last=DEREGISTRATION_S // 2)
    check_common(result)
    assert not calls(result, "aws", "record-lifecycle-action-heartbeat")
    # Completed as soon as the group asks (within one poll), not at the hook's timeout.
    assert result["completed_at"] - wait_from(result) <= 15


def test_a_failed_completion_is_retried_and_completes_once(tmp_path: Path) -> None:
    result = run_drain(tmp_path, rooms_last=DEREGISTRATION_S // 2, fail_completions=2)
    check_common(result)
    assert [c["rc"] for c in calls(result, "aws", "complete-lifecycle-action")] == [254, 254, 0]


@pytest.mark.parametrize("unit_line", ["Restart=on-failure"])
def test_systemd_reruns_the_script_only_when_it_failed(unit_line: str) -> None:
    from parley_infra.livekit import user_data

    unit = user_data(CONFIG).split("parley-drain.service <<'UNIT'\n")[1].split("UNIT\n")[0]
    assert unit_line in unit.splitlines()
    assert "Restart=always" not in unit
