"""A stand-in for what `parley-drain` talks to on a LiveKit node: the instance metadata
(`curl`), the Auto Scaling API (`aws autoscaling ...`), Docker and `sleep`, all on one fake clock.

Installed as one executable under those four names (tests/infra/test_drain.py). The group
follows AWS's documented order for a scale-in with a load balancer and a terminate hook:
the target state turns `Terminated` at `terminate_at`; the group's own state is
`Terminating` during the load balancer's deregistration delay and `Terminating:Wait` after
it, while the hook is active; heartbeats and completion fail while no hook is active; a hook
that hears nothing for `hook_timeout` seconds expires. Every call is logged with the clock.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path
from typing import Any

STATE = Path(os.environ["FAKE_NODE_STATE"])
NO_HOOK = "An error occurred (ValidationError): No active Lifecycle Action found"


def group_state(s: dict[str, Any]) -> str:
    if s["completed_at"] is not None:
        return "Terminating:Proceed"
    if s["clock"] < s["terminate_at"]:
        return "InService"
    wait_from = s["terminate_at"] + s["deregistration"]
    if s["clock"] < wait_from:
        return "Terminating"
    alive = max(wait_from, s["last_heartbeat"] or wait_from)
    if s["clock"] - alive > s["hook_timeout"]:
        s["hook_expired"] = True
        return "Terminating:Proceed"
    return "Terminating:Wait"


def livekit_running(s: dict[str, Any]) -> bool:
    return s["stop_at"] is None or s["clock"] < s["stop_at"] + s["rooms_last"]


def act(s: dict[str, Any], tool: str, args: list[str]) -> tuple[int, str]:
    state = group_state(s)
    if tool == "sleep":
        s["clock"] += int(float(args[0]))
        return 0, ""
    if tool == "curl":
        url = next(a for a in args if a.startswith("http://"))
        if url.endswith("/api/token"):
            return 0, "token"
        if url.endswith("/autoscaling/target-lifecycle-state"):
            return 0, "InService" if s["clock"] < s["terminate_at"] else "Terminated"
        if url.endswith("/instance-id"):
            return 0, "i-0123456789abcdef0"
        return 22, ""
    if tool == "docker":
        if args[0] == "stop":
            s["stop_at"] = s["clock"] if s["stop_at"] is None else s["stop_at"]
            return 0, "livekit"
        if args[0] == "inspect":
            return 0, "true" if livekit_running(s) else "false"
    if tool == "aws" and args[0] == "autoscaling":
        call = args[1]
        if call == "describe-auto-scaling-instances":
            return 0, state
        if state != "Terminating:Wait":
            return 254, NO_HOOK
        if call == "record-lifecycle-action-heartbeat":
            s["last_heartbeat"] = s["clock"]
            return 0, ""
        if call == "complete-lifecycle-action":
            if s["fail_completions"] > 0:
                s["fail_completions"] -= 1
                return 254, "An error occurred (Throttling): Rate exceeded"
            s["completed_at"] = s["clock"]
            return 0, ""
    return 2, f"fake node: unexpected {tool} {args}"


def main() -> int:
    tool = Path(sys.argv[0]).name
    with open(STATE.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        s = json.loads(STATE.read_text())
        code, out = act(s, tool, sys.argv[1:])
        s["log"].append({"clock": s["clock"], "tool": tool, "args": sys.argv[1:], "rc": code})
        STATE.write_text(json.dumps(s))
    if out:
        print(out, file=sys.stdout if code == 0 else sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
