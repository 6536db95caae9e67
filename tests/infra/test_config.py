"""Every config key the program reads is documented in every stack file; secrets stay secret."""

from __future__ import annotations

import re

import pytest

from parley_infra.config import KEYS, check_livekit_secret
from tests.infra.infra_harness import ROOT

STACKS = ["dev", "prod"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_config_key_is_documented_in_the_stack_file(stack: str) -> None:
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    for key, (required, secret, _) in KEYS.items():
        if secret:
            assert re.search(rf"^#\s+parley:{key}\s+\S", text, re.M), f"{key}: explain the secret"
        elif required:
            assert re.search(rf"^  parley:{key}:", text, re.M), f"{key} is required"
        else:
            assert re.search(rf"^  #? ?parley:{key}:", text, re.M), f"{key} is not documented"


@pytest.mark.parametrize("stack", STACKS)
def test_secrets_are_never_written_in_clear(stack: str) -> None:
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    for key, (_, secret, _) in KEYS.items():
        if secret:
            line = re.search(rf"^  parley:{key}:(.*)$", text, re.M)
            assert line is None or line.group(1).strip().startswith("secure:"), key


def test_pulumi_project_runs_infra_in_the_repo_virtualenv() -> None:
    text = (ROOT / "Pulumi.yaml").read_text()
    assert re.search(r"^name: parley$", text, re.M)
    assert re.search(r"^main: infra/$", text, re.M)
    assert "virtualenv: .venv" in text


def test_a_short_livekit_secret_is_refused_before_it_reaches_a_node() -> None:
    with pytest.raises(ValueError, match="32 characters"):
        check_livekit_secret("too-short")
    assert check_livekit_secret("x" * 32) == "x" * 32
