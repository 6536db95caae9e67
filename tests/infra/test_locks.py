"""What ships is what was tested: every install comes from the locks, the locks follow
pyproject.toml, and the image installs the versions the tests ran with."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from tests import locks
from tests.infra.infra_harness import ROOT

LOCK_FILES = sorted(locks.EXTRAS)


def test_the_locks_were_written_from_todays_pyproject() -> None:
    recorded = locks.FINGERPRINT.read_text().strip()
    assert recorded == locks.fingerprint(), (
        "pyproject.toml's dependencies changed since the locks were written: run `make lock`"
    )


@pytest.mark.parametrize("lock", LOCK_FILES)
def test_every_declared_requirement_is_locked_within_its_bounds(lock: str) -> None:
    assert locks.unmet(lock) == []


@pytest.mark.parametrize("lock", LOCK_FILES)
def test_every_locked_requirement_is_pinned_and_hashed(lock: str) -> None:
    pinned = locks.pins(lock)
    assert pinned
    assert [p.name for p in pinned.values() if p.hashes == 0] == []


@pytest.mark.parametrize("lock", ["run.txt", "image.txt"])
def test_run_and_image_locks_hold_the_versions_the_tests_ran_with(lock: str) -> None:
    tested = locks.pins("test.txt")
    differ = {
        name: (pin.version, tested[name].version if name in tested else None)
        for name, pin in locks.pins(lock).items()
        if name not in tested or tested[name].version != pin.version
    }
    assert differ == {}


def test_moto_is_pinned_exactly_in_pyproject() -> None:
    moto = [r for r in locks.declared(("local", "dev")) if r.name == "moto"]
    assert moto
    assert all(str(r.specifier).startswith("==") for r in moto)


def test_this_environment_is_exactly_the_test_lock() -> None:
    installed = {
        canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
    }
    # The project itself and pip (the venv's own installer) are not in the lock.
    ignore = frozenset({"parley", "pip"})
    assert locks.drift("test.txt", installed, ignore) == []


def test_an_unlocked_install_is_flagged() -> None:
    locked = locks.pins("test.txt")
    installed = {name: pin.version for name, pin in locked.items()}
    installed["requests-toolbelt"] = "1.0.0"  # installed by hand, outside the lock
    installed["moto"] = "5.2.7"  # a newer moto than the one the patches were checked against
    found = locks.drift("test.txt", installed, frozenset())
    assert any("requests-toolbelt 1.0.0 is installed but not in test.txt" in p for p in found)
    assert any("moto 5.2.7 is installed but test.txt locks" in p for p in found)


def test_a_loose_requirement_is_refused_as_a_lock_line(tmp_path: Path) -> None:
    loose = tmp_path / "loose.txt"
    loose.write_text("aiohttp==3.14.5 \\\n    --hash=sha256:00\nrequests>=2\n")
    with pytest.raises(ValueError, match=r"not pinned with ==: requests>=2"):
        locks.pins(loose)


def test_make_and_the_image_install_only_from_the_locks_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text()
    installs = [
        line for line in makefile.splitlines() if "pip install" in line or "PIP_LOCKED" in line
    ]
    assert "--require-hashes --no-deps" in makefile
    for line in installs:
        if "-r requirements/" in line:
            assert "PIP_LOCKED" in line or "--require-hashes" in line, line
        elif "pip install" in line and not line.startswith("PIP_LOCKED :="):
            # Only Parley itself is installed outside a lock, without resolving anything.
            assert "--no-deps" in line, line
            assert " -e . " in line, line
    docker = (ROOT / "Dockerfile").read_text()
    assert re.search(r"pip install --require-hashes --no-deps -r requirements/image\.txt", docker)
    assert re.search(r"pip install --no-deps --no-build-isolation \.", docker)
    assert "!requirements/image.txt" in (ROOT / ".dockerignore").read_text().split()
