"""core/ stays pure: importing it must not pull in Qt, HTTP or SQLite (checked in a fresh interpreter)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import desktop_app.core

CORE = Path(desktop_app.core.__file__).parent
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "requests", "urllib3", "sqlite3", "_sqlite3", "xmltodict")


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_sources_import_nothing_forbidden() -> None:
    modules = sorted(CORE.glob("*.py"))
    assert modules, "core/ has no modules?"
    for path in modules:
        bad = _imported_names(path) & set(FORBIDDEN)
        assert not bad, f"{path.name} imports {bad}"


def test_importing_every_core_module_loads_no_forbidden_package() -> None:
    names = [f"desktop_app.core.{p.stem}" for p in sorted(CORE.glob("*.py")) if p.stem != "__init__"]
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"importing core/ loaded: {out}"


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    # The AST check must actually see a Qt import, or the first test proves nothing.
    sample = tmp_path / "bad.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport sqlite3\n")
    assert _imported_names(sample) & set(FORBIDDEN) == {"PySide6", "sqlite3"}
