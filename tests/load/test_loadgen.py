"""The load generator, end to end: a short run against the local stack as `make dev` starts it.

Eight people at 2 joins/s for 15 s through the real gateway and WebSocket: the run must
complete with matches measured on both sides, the hop probe must have samples, no request may
have failed on the server's side, and the books must be right afterwards.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.loadgen.__main__ import main
from tests.e2e.stack import LocalStack, new_stack

pytestmark = pytest.mark.benchmark


@pytest.fixture(scope="module")
def load_stack() -> Iterator[LocalStack]:
    stack = new_stack(PARLEY_DAILY_POINTS="600").start()
    yield stack
    stack.stop()


@pytest.mark.timeout(120)
def test_a_short_run_matches_people_and_leaves_the_books_right(
    load_stack: LocalStack, tmp_path: Path
) -> None:
    out = tmp_path / "load.json"
    argv = [
        f"--base-url={load_stack.url}",
        f"--moto-url={load_stack.moto_url}",
        "--people=8",
        "--joins-per-s=2",
        "--seconds=15",
        "--settle-s=30",
        "--seed=13",
        f"--json={out}",
    ]
    plotting = importlib.util.find_spec("matplotlib") is not None
    if plotting:
        argv.append(f"--plot={tmp_path / 'load.png'}")

    code = main(argv)

    s = json.loads(out.read_text())
    assert s["books"]["ok"], s["books"]["problems"]
    assert code == 0
    counts = s["counts"]
    assert counts["matches_from_queue"] > 0
    assert s["join_to_both_told"]["n"] == counts["matches_from_queue"]
    assert s["join_to_both_told"]["p50_ms"] > 0
    assert s["hop_sns_to_sqs"]["n"] >= 10
    assert s["ratio_to_three_hops"]["p50"] is not None
    # Every session seen was charged to both people, once.
    assert s["books"]["points_charged"] == 2 * counts["matches_both_told"]
    assert not [e for e in counts["errors"] if " 5" in e or " 0 " in e], counts["errors"]
    if plotting:
        assert (tmp_path / "load.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_url_off_this_machine_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--base-url=http://example.com:8080", "--moto-url=http://127.0.0.1:4566"])
    assert exc.value.code == 2
    assert "loopback" in capsys.readouterr().err
