"""Every test, in three pytest processes side by side: `python -m tests.side_by_side [args]`.

The browser and chaos runs spend most of their time waiting on a local stack (timers, media,
processes restarting); the integration tests on the embedded AWS's answers; the rest (unit,
property, infra, load) on one core. Run one after the other they leave a core idle for most of
`make test`. Here the first two run in the background, each with its output kept in a file and
printed when it ends; the rest streams as usual. The exit status is the first non-zero one
(pytest's own codes), so a failure in any of them fails the run; `args` go to all three.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The parts that mostly wait, each run beside the rest.
BACKGROUND: tuple[tuple[str, ...], ...] = (("tests/e2e", "tests/chaos"), ("tests/integration",))


def _pytest(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


def _elapsed(start: float) -> str:
    s = int(time.monotonic() - start)
    return f"{s // 60} min {s % 60:02d} s"


def main(argv: list[str]) -> int:
    start = time.monotonic()
    (ROOT / "build").mkdir(exist_ok=True)
    running: list[tuple[str, Path, subprocess.Popen[bytes]]] = []
    try:
        for paths in BACKGROUND:
            name = " ".join(paths)
            log = ROOT / "build" / f"tests-{paths[0].rsplit('/', 1)[-1]}.log"
            with log.open("w") as out:
                child = subprocess.Popen(
                    _pytest(*paths, *argv),
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own group: stopped as one with this run
                )
            running.append((name, log, child))
            print(f"== {name}: in the background, output in {log}", flush=True)
        ignored = [f"--ignore={p}" for paths in BACKGROUND for p in paths]
        codes = [subprocess.call(_pytest(*ignored, *argv), cwd=ROOT)]
        print(f"== the rest done in {_elapsed(start)}", flush=True)
        for name, log, child in running:
            codes.append(child.wait())
            print(f"== {name} (done by {_elapsed(start)}):", flush=True)
            sys.stdout.write(log.read_text())
            sys.stdout.flush()
    except BaseException:
        for _, _, child in running:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        raise
    # 5: no tests collected (a filter that matched nothing in one part) is not a failure.
    failed = [c for c in codes if c not in (0, 5)]
    if failed:
        return failed[0]
    return 0 if 0 in codes else 5


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
