"""Settings are validated at start, and a bad value is named in one clear line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from services.runtime.settings import BaseServiceSettings, load


def test_defaults_match_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PARLEY_DAILY_POINTS", "PARLEY_SESSION_MINUTES", "PARLEY_INVITE_TIMEOUT_S"):
        monkeypatch.delenv(var, raising=False)
    s = load(BaseServiceSettings)
    assert (s.daily_points, s.session_minutes, s.invite_timeout_s, s.day_timezone) == (
        15,
        15,
        60,
        "UTC",
    )


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_DAILY_POINTS", "3")
    monkeypatch.setenv("PARLEY_DAY_TIMEZONE", "Europe/Madrid")
    s = load(BaseServiceSettings)
    assert s.daily_points == 3
    assert s.zone.key == "Europe/Madrid"


@pytest.mark.parametrize(
    ("var", "value", "fragment"),
    [
        ("PARLEY_DAILY_POINTS", "lots", "PARLEY_DAILY_POINTS"),
        ("PARLEY_DAILY_POINTS", "0", "greater than or equal to 1"),
        ("PARLEY_DAY_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("PARLEY_HTTP_PORT", "99999", "PARLEY_HTTP_PORT"),
    ],
)
def test_bad_value_stops_the_service_with_a_message_naming_it(
    var: str, value: str, fragment: str
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "services.gateway"],
        env={"PATH": "/usr/bin:/bin", var: value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "invalid settings" in proc.stderr
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr
