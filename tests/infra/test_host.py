"""The program runs as Pulumi's host runs it, and nothing in its folder can shadow a library.

`conftest.py` builds both stacks the host's way (`runpy.run_path` on `main: infra/` in a fresh
interpreter); these tests say what that run must show. On a layout where `infra/secrets.py`
sat next to `__main__.py`, pydantic's `import secrets` got the program's module and the run
died with an ImportError before creating anything.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.infra.infra_harness import Built, program_dir

EXPORTS = {
    "spaUrl",
    "apiUrl",
    "websocketUrl",
    "livekitUrl",
    "connectionsEndpointUrl",
    "ecrRepositoryUrl",
    "spaBucket",
    "cloudfrontDistributionId",
    "cloudfrontDomain",
    "albDnsName",
    "livekitNlbDnsName",
    "userPoolId",
    "userPoolClientId",
    "hostedUiDomain",
    "clusterName",
    "dashboardName",
    "alarmTopicArn",
}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_host_run_registers_the_stack_and_exports_its_outputs(
    stack: str, infra_stack: Built, prod_stack: Built
) -> None:
    built = infra_stack if stack == "dev" else prod_stack
    assert set(built.outputs) >= EXPORTS, EXPORTS - set(built.outputs)
    assert all(v for v in built.outputs.values()), built.outputs
    assert len(built.resources) > 100


def test_the_program_folder_holds_only_its_entry_and_its_own_package() -> None:
    folder = program_dir()
    entries = {p.name for p in folder.iterdir() if p.name != "__pycache__"}
    assert entries == {"__main__.py", "parley_infra"}


def test_the_package_name_is_taken_by_no_library() -> None:
    """Whatever is first on `sys.path` when the host runs, `parley_infra` is only ours."""
    elsewhere = [p for p in sys.path if Path(p or ".").resolve() != program_dir().resolve()]
    for name in ("parley_infra", "__main__"):
        found = importlib.machinery.PathFinder.find_spec(name, elsewhere)
        assert found is None or name == "__main__", f"{name} shadows {found}"
    assert importlib.util.find_spec("parley_infra") is not None  # tests see it via pythonpath
