"""Every test, in two pytest processes side by side: `python -m tests.side_by_side [pytest args]`.

The browser and chaos runs spend most of their time waiting on a local stack (timers, media,
processes restarting) while the rest of the suite is busy on one core: run one after the other
they leave the second core idle for most of `make test`. Here the waiting half runs in the
background, its output kept in a file and printed when it ends; the rest streams as usual. The
exit status is the first non-zero one of the two (pytest's own codes), so a failure in either
half fails the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The half that mostly waits on a running stack: run beside the rest.
WAITING_HALF = ("tests/e2e", "tests/chaos")


def _pytest(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


def _elapsed(start: float) -> str:
    s = int(time.monotonic() - start)
    return f"{s // 60} min {s % 60:02d} s"


def main(argv: list[str]) -> int:
    log = ROOT / "build" / "tests-waiting-half.log"
    log.parent.mkdir(exist_ok=True)
    start = time.monotonic()
    rest = [f"--ignore={p}" for p in WAITING_HALF]
    with log.open("w") as out:
        background = subprocess.Popen(
            _pytest(*WAITING_HALF, *argv),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopped as one if this run is stopped
        )
        try:
            print(f"== {' '.join(WAITING_HALF)}: in the background, output in {log}", flush=True)
            first = subprocess.call(_pytest(*rest, *argv), cwd=ROOT)
            print(f"== the rest done in {_elapsed(start)}; waiting for the other half", flush=True)
            second = background.wait()
        except BaseException:
            os.killpg(background.pid, signal.SIGTERM)
            raise
    print(f"== {' '.join(WAITING_HALF)} (done in {_elapsed(start)}):", flush=True)
    sys.stdout.write(log.read_text())
    sys.stdout.flush()
    # 5: no tests collected (a filter that matched nothing in one half) is not a failure.
    codes = [c for c in (first, second) if c not in (0, 5)]
    if codes:
        return codes[0]
    return 0 if 0 in (first, second) else 5


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
