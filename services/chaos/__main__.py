"""`python -m services.chaos`: one chaos run on a fresh local stack; prints its figures."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.chaos.run import SERVICES, ChaosConfig, run_chaos, text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m services.chaos", description=__doc__)
    p.add_argument("--people", type=int, default=16)
    p.add_argument("--joins-per-s", type=float, default=3.0)
    p.add_argument("--seconds", type=float, default=40.0)
    p.add_argument("--kill-every-s", type=float, default=4.0)
    p.add_argument("--victims", default=",".join(sorted(SERVICES)), help="services to kill")
    p.add_argument("--seed", type=int)
    p.add_argument(
        "--media-mode", choices=("direct", "livekit"), default="direct",
        help="livekit: production's media mode, against the LiveKit stand-in",
    )  # fmt: skip
    p.add_argument("--json", dest="json_out", type=Path, help="write the figures as JSON")
    p.add_argument("--facts", dest="facts_out", type=Path, help="write the raw facts as JSON")
    p.add_argument("--log", dest="log_out", type=Path, help="write the stack's output here")
    a = p.parse_args(argv)
    victims = frozenset(v.strip() for v in a.victims.split(",") if v.strip())
    if not victims <= SERVICES:
        p.error(f"--victims: services of {sorted(SERVICES)}")
    cfg = ChaosConfig(
        a.people,
        a.joins_per_s,
        a.seconds,
        a.kill_every_s,
        victims,
        seed=a.seed,
        log_out=a.log_out,
        media_mode=a.media_mode,
    )
    result = run_chaos(cfg)
    print(text(result), flush=True)
    facts = result.pop("facts")
    for path, data in ((a.json_out, result), (a.facts_out, facts)):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, indent=2) + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
