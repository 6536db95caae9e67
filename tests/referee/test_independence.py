"""The referee shares no code with the services: none of its modules imports `services`."""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).parent


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module if not node.level else f".{node.module}")
    return found


def test_no_module_of_the_referee_imports_the_services_or_other_tests() -> None:
    modules = sorted(HERE.glob("*.py"))
    assert len(modules) >= 5
    for module in modules:
        for name in _imports(module):
            top = name.split(".")[0]
            assert top != "services", f"{module.name} imports {name}"
            if top == "tests":
                assert name.startswith("tests.referee"), f"{module.name} imports {name}"


def test_the_referee_loads_without_the_services_importable() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'services' or name.startswith('services.'):\n"
        "            raise ImportError('the referee must not need ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import tests.referee, tests.referee.builder\n"
    )
    root = HERE.parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
