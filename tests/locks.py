"""The dependency locks (requirements/*.txt) against pyproject.toml and against what is installed.

- `run.txt`: the services and the embedded AWS (`make dev`); `test.txt`: everything `make test`
  installs; `image.txt`: what the production image installs (Dockerfile). All three are written
  by `make lock` (uv, with hashes) and installed with `pip --require-hashes --no-deps`.
- `pyproject.sha256` is the fingerprint of pyproject.toml's dependency declarations the locks
  were written from: a change to pyproject.toml without `make lock` is caught by comparing it.

`python -m tests.locks --write` writes the fingerprint (the last step of `make lock`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"
FINGERPRINT = LOCKS / "pyproject.sha256"

# Which extras each lock covers (besides the base dependencies and requirements/build.in).
EXTRAS = {"run.txt": ("local",), "test.txt": ("local", "dev", "infra", "load"), "image.txt": ()}

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    hashes: int
    marker: str = ""

    def applies(self) -> bool:
        """Whether this platform installs it (a lock is universal: it lists e.g. Windows-only
        dependencies too)."""
        return not self.marker or Marker(self.marker).evaluate()


def pins(lock: str | Path) -> dict[str, Pin]:
    """Every requirement of a lock file (continuation lines joined), by canonical name."""
    text = (LOCKS / lock).read_text() if isinstance(lock, str) else lock.read_text()
    out: dict[str, Pin] = {}
    for entry in re.split(r"\n(?=\S)", text):
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        m = _PIN.match(entry)
        if m is None:
            raise ValueError(f"{lock}: not pinned with ==: {entry.splitlines()[0]}")
        name = canonicalize_name(m.group(1))
        first = entry.splitlines()[0].rstrip(" \\")
        marker = first.split(";", 1)[1].strip() if ";" in first else ""
        out[name] = Pin(name, m.group(3), entry.count("--hash=sha256:"), marker)
    return out


def declared(extras: tuple[str, ...]) -> list[Requirement]:
    """pyproject's base dependencies plus those of `extras`, plus the build requirement."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    build = (LOCKS / "build.in").read_text().splitlines()
    lines += [b for b in build if b.strip() and not b.lstrip().startswith("#")]
    return [Requirement(line) for line in lines]


def fingerprint() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        "dependencies": project["dependencies"],
        "optional-dependencies": project["optional-dependencies"],
        "requires-python": project.get("requires-python"),
        "build": (LOCKS / "build.in").read_text(),
    }
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


def unmet(lock: str) -> list[str]:
    """Declared requirements the lock does not satisfy (missing, or a version outside bounds)."""
    locked = pins(lock)
    env = default_environment() | {"python_version": "3.11", "python_full_version": "3.11.7"}
    problems = []
    for req in declared(EXTRAS[lock]):
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        pin = locked.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{lock}: {req} is declared but not locked")
        elif not req.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{lock}: {req} is declared but {pin.name}=={pin.version} is locked")
    return problems


def drift(lock: str, installed: dict[str, str], ignore: frozenset[str]) -> list[str]:
    """Differences between a lock and an installed set of distributions (name → version)."""
    locked = pins(lock)
    problems = [
        f"{name} {version} is installed but {lock} locks {locked[name].version}"
        for name, version in sorted(installed.items())
        if name in locked and locked[name].version != version
    ]
    problems += [
        f"{name} {version} is installed but not in {lock} (an unlocked install)"
        for name, version in sorted(installed.items())
        if name not in locked and name not in ignore
    ]
    problems += [
        f"{name} is locked in {lock} but not installed"
        for name in sorted(locked)
        if name not in installed and locked[name].applies()
    ]
    return problems


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        FINGERPRINT.write_text(fingerprint() + "\n")
        print(f"wrote {FINGERPRINT.relative_to(ROOT)}")
    else:
        sys.exit("usage: python -m tests.locks --write")
