"""The one image every service runs from."""

from __future__ import annotations

import re

from tests.infra.infra_harness import ROOT


def test_image_installs_the_project_and_runs_as_a_non_root_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert re.search(r"pip install[^\n]* \.$", text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users
    assert users[-1] not in ("root", "0", "0:0")
    assert re.search(r'^CMD \["python", "-m", "services\.gateway"\]$', text, re.M)
    assert not re.search(r"^COPY .*frontend", text, re.M)  # the SPA goes to S3, not the image


def test_image_context_holds_only_the_services() -> None:
    lines = (ROOT / ".dockerignore").read_text().split()
    assert lines[0] == "*"
    assert {"!pyproject.toml", "!services/"} <= set(lines)
    assert not any(line.startswith("!") and "frontend" in line for line in lines)
