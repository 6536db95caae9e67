"""`make dev`'s console is for a person: metric-only lines are left out, the rest are short."""

from __future__ import annotations

import io
import json

from services.devstack.console import Console, render

METRIC = {
    "event": "metric",
    "level": "info",
    "timestamp": "2026-03-01T09:00:01.234567Z",
    "service": "matcher",
    "_aws": {"CloudWatchMetrics": [{"Metrics": [{"Name": "LiveSessions"}]}]},
    "LiveSessions": 0,
}
ENDED = {
    "event": "session.ended",
    "level": "warning",
    "timestamp": "2026-03-01T09:00:02.500000Z",
    "service": "matcher",
    "session_id": "s-1",
    "reason": "left",
    "_aws": {"CloudWatchMetrics": [{"Metrics": [{"Name": "HandlerSeconds"}]}]},
    "HandlerSeconds": 0.012,
}


def test_a_metric_only_line_is_left_out_of_the_console() -> None:
    assert render(json.dumps(METRIC) + "\n") is None


def test_a_state_change_is_one_short_line_with_its_ids_and_without_metric_values() -> None:
    line = render(json.dumps(ENDED) + "\n")
    assert line == "09:00:02.500 warning session.ended session_id=s-1 reason=left\n"


def test_lines_that_are_not_structured_pass_as_they_came() -> None:
    assert render("Traceback (most recent call last):\n") == "Traceback (most recent call last):\n"


def test_the_console_keeps_each_relay_tag_and_can_show_everything_raw() -> None:
    out = io.StringIO()
    console = Console(out)
    console.write("   matcher │ " + json.dumps(METRIC) + "\n")
    console.write("   matcher │ " + json.dumps(ENDED) + "\n")
    assert (
        out.getvalue()
        == "   matcher │ 09:00:02.500 warning session.ended session_id=s-1 reason=left\n"
    )
    raw = io.StringIO()
    Console(raw, "json").write("   matcher │ " + json.dumps(METRIC) + "\n")
    assert "LiveSessions" in raw.getvalue()
