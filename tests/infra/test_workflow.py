"""The platform team's deploy workflow: valid, keyless, previews on pull requests, deploys on main.

`make lint` validates it against GitHub's workflow schema (check-jsonschema's vendored copy);
this test does the same in the suite and checks what the schema cannot: OIDC instead of
stored keys, and the same Pulumi version as the pinned SDK.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import yaml

from tests.infra.infra_harness import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"


def _workflow() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def test_the_workflow_is_valid_for_github() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_previews_on_pull_requests_and_deploys_every_stack_on_main() -> None:
    wf = _workflow()
    assert set(wf["on"]) == {"pull_request", "push"}
    assert wf["on"]["push"]["branches"] == ["main"]
    steps = {name: job["steps"] for name, job in wf["jobs"].items()}
    commands = {
        name: [s["with"]["command"] for s in job_steps if s.get("uses", "").startswith("pulumi/")]
        for name, job_steps in steps.items()
    }
    assert commands == {"preview": ["preview"], "deploy": ["up"]}
    assert wf["jobs"]["deploy"]["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert wf["jobs"]["preview"]["strategy"]["matrix"]["stack"] == ["dev"]
    build = next(s for s in steps["deploy"] if "buildx build" in s.get("run", ""))
    assert "linux/amd64,linux/arm64" in build["run"]


def test_credentials_come_from_oidc_never_from_stored_keys() -> None:
    wf = _workflow()
    assert wf["permissions"]["id-token"] == "write"
    text = WORKFLOW.read_text()
    assert not re.search(r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key", text)
    for job in wf["jobs"].values():
        creds = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
        assert len(creds) == 1
        assert set(creds[0]["with"]) == {"role-to-assume", "aws-region"}


def test_the_cli_is_the_pinned_sdks_version() -> None:
    pins = dict(
        re.findall(r'"(pulumi|pulumi-aws)==([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    )
    assert set(pins) == {"pulumi", "pulumi-aws"}
    assert _workflow()["env"]["PULUMI_VERSION"] == pins["pulumi"]


def test_a_pull_request_gets_nothing_of_prod() -> None:
    """A pull request's preview runs unreviewed code: no prod passphrase, role or state."""
    wf = _workflow()
    # Nothing secret or stack-specific is set for every job at once.
    assert not any(
        "secrets." in str(v) or "PULUMI" in k for k, v in wf["env"].items() if k != "PULUMI_VERSION"
    )
    preview = wf["jobs"]["preview"]
    text = yaml.safe_dump(preview)
    assert "prod" not in text.lower()
    assert re.findall(r"secrets\.(\w+)", text) == ["PULUMI_PREVIEW_PASSPHRASE"]
    assert "environment" not in preview
    deploy = wf["jobs"]["deploy"]
    assert deploy["if"] == "github.event_name == 'push'"
    assert wf["on"]["push"]["branches"] == ["main"]
    # The stacks' own passphrase only where the job runs in that stack's environment.
    assert deploy["environment"] == "${{ matrix.stack }}"
    assert deploy["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
    whole = WORKFLOW.read_text()
    assert whole.count("secrets.PULUMI_CONFIG_PASSPHRASE") == 1
