"""`python -m services.loadgen`: load an already running local stack and check its books."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from services.loadgen.config import LoadConfig, NotLoopback
from services.loadgen.report import text, write_json
from services.loadgen.run import run
from services.loadgen.steps import summary as steps


def parse(argv: list[str] | None = None) -> LoadConfig:
    p = argparse.ArgumentParser(prog="python -m services.loadgen", description=__doc__)
    p.add_argument("--base-url", default="http://127.0.0.1:8080", help="the gateway")
    p.add_argument("--moto-url", default="http://127.0.0.1:4566", help="the embedded AWS")
    p.add_argument(
        "--dynamodb-url", help="the embedded DynamoDB, when it runs apart (default: --moto-url)"
    )
    p.add_argument("--people", type=int, default=24)
    p.add_argument("--joins-per-s", type=float, default=5.0)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--talk-s", type=float, default=0.5)
    p.add_argument("--invite-share", type=float, default=0.1)
    p.add_argument("--probe-every-s", type=float, default=0.5)
    p.add_argument("--settle-s", type=float, default=60.0, help="bound on the books settling")
    p.add_argument("--prefix", help="the stack's name prefix (found from its tables if unset)")
    p.add_argument("--plot", type=Path, help="write a PNG of latency over the run")
    p.add_argument("--json", dest="json_out", type=Path, help="write every figure as JSON")
    p.add_argument("--seed", type=int)
    args = p.parse_args(argv)
    try:
        return LoadConfig(**vars(args))
    except (NotLoopback, ValueError) as exc:
        p.error(str(exc))


def main(
    argv: list[str] | None = None, stack_log: Callable[[], Sequence[str]] | None = None
) -> int:
    """`stack_log`: the local stack's output, when this process started it (where the time
    went, from the services' own lines)."""
    cfg = parse(argv)
    summary = asyncio.run(run(cfg))
    if stack_log is not None:
        summary["steps"] = steps(list(stack_log()))
    print(text(summary), flush=True)
    if cfg.json_out:
        write_json(summary, cfg.json_out)
    if cfg.plot:
        from services.loadgen.plot import plot

        plot(summary, cfg.plot)
    ok = summary["books"]["ok"] and summary["counts"]["matches_both_told"] > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
